/**
 * The snapshot format: every table as sorted JSON arrays (KV values in base64), so equal
 * states give byte-identical snapshots.
 *
 * @module
 */

import { deepFreeze } from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import { decodeBase64, encodeBase64 } from "./commands.ts";
import { StateError } from "./errors.ts";
import type {
  CheckRow,
  CoordinateRow,
  FederationStateRow,
  KvRow,
  NodeRow,
  ServiceRow,
  SessionRow,
} from "./rows.ts";

/** Identifies the format inside the bytes. */
export const SNAPSHOT_FORMAT = "consulate-state";

/** Version written; restore refuses others. */
export const SNAPSHOT_VERSION = 1;

type StoredKv = Omit<KvRow, "Value"> & { readonly Value: string | null };

interface SnapshotDoc {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: typeof SNAPSHOT_VERSION;
  readonly appliedIndex: number;
  readonly indexes: [string, number][];
  readonly nodes: readonly NodeRow[];
  readonly services: readonly ServiceRow[];
  readonly checks: readonly CheckRow[];
  readonly sessions: SessionRow[];
  readonly kvs: StoredKv[];
  readonly tombstones: [string, number][];
  readonly lockDelays: [string, number][];
  readonly federationStates: FederationStateRow[];
  readonly coordinates: CoordinateRow[];
}

/** Serializes every table. */
export function writeSnapshot(t: Tables, appliedIndex: number): Uint8Array {
  const kvs: StoredKv[] = [...t.kvs.withPrefix("")].map((row) => ({
    ...row,
    Value: row.Value === null ? null : encodeBase64(row.Value),
  }));
  const doc: SnapshotDoc = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    appliedIndex,
    indexes: t.indexes.entries(),
    nodes: t.nodes.all(),
    services: t.services.all(),
    checks: t.checks.all(),
    sessions: t.sessions.all(),
    kvs,
    tombstones: t.tombstones.entries(),
    lockDelays: t.lockDelays.entries(),
    federationStates: t.federationStates.all(),
    coordinates: t.coordinates.all(),
  };
  return new TextEncoder().encode(JSON.stringify(doc));
}

function bad(reason: string): StateError {
  return new StateError("bad_snapshot", `State snapshot is unusable: ${reason}`);
}

function rows<T>(doc: Record<string, unknown>, field: string, keys: string[]): T[] {
  const value = doc[field];
  if (!Array.isArray(value)) throw bad(`"${field}" is not an array`);
  for (const row of value) {
    const ok = typeof row === "object" && row !== null &&
      keys.every((key) => typeof (row as Record<string, unknown>)[key] === "string");
    if (!ok) throw bad(`an entry of "${field}" lacks ${keys.join("/")}`);
  }
  return value as T[];
}

function pairs(doc: Record<string, unknown>, field: string): [string, number][] {
  const value = doc[field];
  const ok = Array.isArray(value) &&
    value.every((pair) =>
      Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "number"
    );
  if (!ok) throw bad(`"${field}" is not a list of [name, number] pairs`);
  return value as [string, number][];
}

function parse(bytes: Uint8Array): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new StateError("bad_snapshot", "State snapshot is not valid UTF-8 JSON", { cause });
  }
  const record = doc as Record<string, unknown> | null;
  if (typeof doc !== "object" || record === null || record.format !== SNAPSHOT_FORMAT) {
    throw bad(`it is not a ${SNAPSHOT_FORMAT} snapshot`);
  }
  if (record.version !== SNAPSHOT_VERSION) {
    throw bad(`version ${String(record.version)} is not supported (expected ${SNAPSHOT_VERSION})`);
  }
  if (!Number.isSafeInteger(record.appliedIndex)) throw bad("appliedIndex is missing");
  return record;
}

/**
 * Loads a snapshot into empty tables and returns its applied index.
 *
 * @throws {StateError} `bad_snapshot` when the bytes are not a snapshot of this version.
 */
export function readSnapshot(bytes: Uint8Array, t: Tables): number {
  const doc = parse(bytes);
  const indexes = pairs(doc, "indexes");
  const tombstones = pairs(doc, "tombstones");
  const lockDelays = pairs(doc, "lockDelays");
  const nodes = rows<NodeRow>(doc, "nodes", ["Node"]);
  const services = rows<ServiceRow>(doc, "services", ["Node", "ID", "Service"]);
  const checks = rows<CheckRow>(doc, "checks", ["Node", "CheckID"]);
  const sessions = rows<SessionRow>(doc, "sessions", ["ID", "Node"]);
  const kvs = rows<StoredKv>(doc, "kvs", ["Key"]);
  const federation = rows<FederationStateRow>(doc, "federationStates", ["Datacenter"]);
  const coordinates = rows<CoordinateRow>(doc, "coordinates", ["Node", "Segment"]);
  for (const [name, index] of indexes) t.indexes.load(name, index);
  for (const [key, index] of tombstones) t.tombstones.load(key, index);
  for (const [key, untilMs] of lockDelays) t.lockDelays.load(key, untilMs);
  for (const row of nodes) t.nodes.load(deepFreeze(row));
  for (const row of services) t.services.load(deepFreeze(row));
  for (const row of checks) t.checks.load(deepFreeze(row));
  for (const row of sessions) t.sessions.load(deepFreeze(row));
  for (const row of kvs) {
    const value = row.Value === null ? null : decodeBase64(row.Value);
    t.kvs.load(Object.freeze({ ...row, Value: value }));
  }
  for (const row of federation) t.federationStates.load(deepFreeze(row));
  for (const row of coordinates) t.coordinates.load(deepFreeze(row));
  return doc.appliedIndex as number;
}
