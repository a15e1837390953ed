/**
 * Sessions, federation states and coordinates tables.
 *
 * @module
 */

import { compareKeys } from "./_sorted_keys.ts";
import type { TxContext } from "./_tx.ts";
import { fold } from "./_catalog_tables.ts";
import type { IndexTable } from "./indexes.ts";
import type { CoordinateRow, FederationStateRow, SessionRow } from "./rows.ts";

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

function checkKey(node: string, checkId: string): string {
  return `${fold(node)}\u0000${fold(checkId)}`;
}

/** Sessions by ID, by node and by the checks they depend on. */
export class SessionTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #byId = new Map<string, SessionRow>();
  readonly #byNode = new Map<string, Set<string>>();
  readonly #byCheck = new Map<string, Set<string>>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** One session by ID. */
  get(id: string): SessionRow | undefined {
    return this.#byId.get(id);
  }

  /** Every session, ordered by ID. */
  all(): SessionRow[] {
    return [...this.#byId.keys()].sort(compareKeys).map((id) => this.#byId.get(id)!);
  }

  /** Sessions of one node, ordered by ID. */
  ofNode(node: string): SessionRow[] {
    const ids = [...(this.#byNode.get(fold(node)) ?? [])].sort(compareKeys);
    return ids.map((id) => this.#byId.get(id)!);
  }

  /** IDs of sessions listing check `checkId` of `node` (node or service check), sorted. */
  dependingOn(node: string, checkId: string): string[] {
    return [...(this.#byCheck.get(checkKey(node, checkId)) ?? [])].sort(compareKeys);
  }

  /** Inserts or replaces a session. */
  put(row: SessionRow): void {
    this.#write(row.ID, row);
  }

  /** Deletes a session row only (callers release its locks). */
  remove(id: string): void {
    if (this.#byId.has(id)) this.#write(id, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: SessionRow): void {
    this.#raw(row.ID, row);
  }

  #write(id: string, row: SessionRow | undefined): void {
    const previous = this.#byId.get(id);
    this.#tx.record(() => this.#raw(id, previous));
    this.#raw(id, row);
    this.#indexes.bump("sessions");
    this.#tx.touch("t:sessions");
    this.#tx.touch(`x:${id}`);
  }

  #raw(id: string, row: SessionRow | undefined): void {
    const previous = this.#byId.get(id);
    if (previous !== undefined) this.#index(previous, removeFrom);
    if (row === undefined) this.#byId.delete(id);
    else {
      this.#byId.set(id, row);
      this.#index(row, addTo);
    }
  }

  #index(row: SessionRow, op: typeof addTo): void {
    op(this.#byNode, fold(row.Node), row.ID);
    for (const check of row.NodeChecks) op(this.#byCheck, checkKey(row.Node, check), row.ID);
    for (const check of row.ServiceChecks) {
      op(this.#byCheck, checkKey(row.Node, check.ID), row.ID);
    }
  }
}

/** Federation states by datacenter (case-insensitive). */
export class FederationStateTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #rows = new Map<string, FederationStateRow>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** One datacenter's state. */
  get(datacenter: string): FederationStateRow | undefined {
    return this.#rows.get(fold(datacenter));
  }

  /** Every state, ordered by datacenter. */
  all(): FederationStateRow[] {
    return [...this.#rows.keys()].sort(compareKeys).map((dc) => this.#rows.get(dc)!);
  }

  /** Inserts or replaces a state. */
  put(row: FederationStateRow): void {
    this.#write(row.Datacenter, row);
  }

  /** Deletes a datacenter's state if present. */
  remove(datacenter: string): void {
    if (this.get(datacenter) !== undefined) this.#write(datacenter, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: FederationStateRow): void {
    this.#rows.set(fold(row.Datacenter), row);
  }

  #write(datacenter: string, row: FederationStateRow | undefined): void {
    const key = fold(datacenter);
    const previous = this.#rows.get(key);
    const set = (value: FederationStateRow | undefined) =>
      value === undefined ? this.#rows.delete(key) : this.#rows.set(key, value);
    this.#tx.record(() => set(previous));
    set(row);
    this.#indexes.bump("federation-states");
    this.#tx.touch("t:federation-states");
  }
}

/** Coordinates by node and segment. */
export class CoordinateTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #byNode = new Map<string, Map<string, CoordinateRow>>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** Every coordinate, ordered by node then segment. */
  all(): CoordinateRow[] {
    return [...this.#byNode.keys()].sort(compareKeys).flatMap((node) => this.ofNode(node));
  }

  /** Coordinates of one node across segments, ordered by segment. */
  ofNode(node: string): CoordinateRow[] {
    const segments = this.#byNode.get(fold(node));
    if (segments === undefined) return [];
    return [...segments.keys()].sort(compareKeys).map((segment) => segments.get(segment)!);
  }

  /** Inserts or replaces a coordinate. */
  put(row: CoordinateRow): void {
    this.#write(row.Node, row.Segment, row);
  }

  /** Deletes every coordinate of a node. */
  removeNode(node: string): void {
    for (const row of this.ofNode(node)) this.#write(row.Node, row.Segment, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: CoordinateRow): void {
    this.#raw(fold(row.Node), row.Segment, row);
  }

  #write(node: string, segment: string, row: CoordinateRow | undefined): void {
    const key = fold(node);
    const previous = this.#byNode.get(key)?.get(segment);
    this.#tx.record(() => this.#raw(key, segment, previous));
    this.#raw(key, segment, row);
    this.#indexes.bump("coordinates");
    // Only the table key: coordinates change every few seconds per node, and waking every
    // catalog watcher of the node that often would turn blocking queries into polling.
    this.#tx.touch("t:coordinates");
  }

  #raw(key: string, segment: string, row: CoordinateRow | undefined): void {
    let segments = this.#byNode.get(key);
    if (row === undefined) {
      segments?.delete(segment);
      if (segments?.size === 0) this.#byNode.delete(key);
      return;
    }
    if (segments === undefined) {
      segments = new Map();
      this.#byNode.set(key, segments);
    }
    segments.set(segment, row);
  }
}
