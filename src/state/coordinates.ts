/**
 * Network coordinates of nodes, updated in batches by the leader and read by
 * `/v1/coordinate/...` and nearest-node sorting.
 *
 * @module
 */

import { deepFreeze, optString, requireName, requireNumber } from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import type { CoordinateInput } from "./commands.ts";
import { StateError } from "./errors.ts";
import type { Coord, CoordinateRow, Indexed } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

/** Most updates one batch may carry (Consul batches up to 128 per node-count tick). */
export const MAX_COORDINATE_BATCH = 4096;

function coordOf(value: Coord | undefined): Coord {
  const vec = value?.Vec;
  if (!Array.isArray(vec) || vec.some((item) => typeof item !== "number" || !isFinite(item))) {
    throw new StateError("invalid_input", "Coordinate Vec must be an array of numbers");
  }
  return {
    Vec: [...vec],
    Error: requireNumber(value!.Error, "Coordinate Error"),
    Adjustment: requireNumber(value!.Adjustment, "Coordinate Adjustment"),
    Height: requireNumber(value!.Height, "Coordinate Height"),
  };
}

/**
 * Applies a batch of coordinate updates. Updates for nodes not in the catalog are skipped,
 * as in Consul: the catalog decides which nodes exist.
 *
 * @throws {StateError} when the batch is too large or an update is malformed.
 */
export function batchUpdateCoordinates(t: Tables, updates: readonly CoordinateInput[]): void {
  if (!Array.isArray(updates) || updates.length > MAX_COORDINATE_BATCH) {
    throw new StateError(
      "invalid_input",
      `Coordinate updates must be an array of at most ${MAX_COORDINATE_BATCH} entries`,
    );
  }
  for (const update of updates) {
    const name = requireName(update?.Node, "Coordinate Node");
    const segment = optString(update.Segment, "Coordinate Segment");
    const coord = coordOf(update.Coord);
    const node = t.nodes.get(name);
    if (node === undefined) continue;
    const row: CoordinateRow = deepFreeze({ Node: node.Node, Segment: segment, Coord: coord });
    t.coordinates.put(row);
  }
}

/** Reads of the coordinates table. */
export class CoordinateReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  /** Every coordinate, ordered by node then segment (`/v1/coordinate/nodes`). */
  list(ws?: WatchSet): Indexed<CoordinateRow[]> {
    ws?.addEncoded("t:coordinates");
    return { index: this.#t.indexes.get("coordinates"), value: this.#t.coordinates.all() };
  }

  /** One node's coordinates across segments (`/v1/coordinate/node/:node`). */
  node(name: string, ws?: WatchSet): Indexed<CoordinateRow[]> {
    ws?.addEncoded("t:coordinates");
    return { index: this.#t.indexes.get("coordinates"), value: this.#t.coordinates.ofNode(name) };
  }
}
