/**
 * The KV store: writes with Consul's semantics (set, CAS, lock/unlock with LockIndex and lock
 * delay, delete, delete-tree, delete-CAS) and reads (get, recursive list, keys with a
 * separator) answering the index a blocking query waits past.
 *
 * @module
 */

import { kvWatch } from "./_kv_tables.ts";
import { deepFreeze, optCount, optString, requireName } from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import { decodeBase64, type KvEntryInput, type KvOp } from "./commands.ts";
import { quote, StateError } from "./errors.ts";
import type { Indexed, KvRow } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

/** Largest KV value the store accepts (Consul's default `kv_max_value_size`). */
export const MAX_KV_VALUE_BYTES = 512 * 1024;

function decodeValue(value: string | null | undefined): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    throw new StateError("invalid_input", "KV Value must be base64 text or null");
  }
  const bytes = decodeBase64(value);
  if (bytes.length > MAX_KV_VALUE_BYTES) {
    throw new StateError(
      "invalid_input",
      `Value exceeds ${MAX_KV_VALUE_BYTES} byte limit (got ${bytes.length} bytes)`,
    );
  }
  return bytes;
}

/**
 * Writes `entry`, keeping CreateIndex and LockIndex, and the lock holder unless `session` is
 * given; `acquired` counts a new acquisition in LockIndex.
 */
function write(t: Tables, entry: KvEntryInput, session?: string, acquired = false): KvRow {
  const key = requireName(entry.Key, "KV Key");
  const existing = t.kvs.get(key);
  const index = t.tx.index;
  const row: KvRow = deepFreeze({
    Key: key,
    Flags: optCount(entry.Flags, "KV Flags"),
    Value: decodeValue(entry.Value),
    Session: session ?? existing?.Session ?? "",
    LockIndex: (existing?.LockIndex ?? 0) + (acquired ? 1 : 0),
    CreateIndex: existing?.CreateIndex ?? index,
    ModifyIndex: index,
  });
  t.kvs.put(row);
  return row;
}

/** Sets a key; an existing lock holder keeps the lock. */
export function kvSet(t: Tables, entry: KvEntryInput): KvRow {
  return write(t, entry);
}

/** Sets a key only if its ModifyIndex matches (0: only if absent). Null when it did not. */
export function kvCas(t: Tables, entry: KvEntryInput): KvRow | null {
  const expected = optCount(entry.ModifyIndex, "KV ModifyIndex");
  const existing = t.kvs.get(requireName(entry.Key, "KV Key"));
  if (expected === 0 ? existing !== undefined : existing?.ModifyIndex !== expected) return null;
  return write(t, entry);
}

/**
 * Acquires a key for a session and sets it. Null when another session holds it or the key is
 * in its lock delay.
 *
 * @throws {StateError} when no session is given or the session does not exist.
 */
export function kvLock(t: Tables, entry: KvEntryInput): KvRow | null {
  const session = optString(entry.Session, "KV Session");
  if (session === "") throw new StateError("missing_session", "missing session");
  if (t.sessions.get(session) === undefined) {
    throw new StateError("missing_session", `invalid session ${quote(session)}`);
  }
  const key = requireName(entry.Key, "KV Key");
  const nowMs = t.tx.nowMs;
  if (nowMs !== null && nowMs < t.lockDelays.untilMs(key)) return null;
  const existing = t.kvs.get(key);
  if (existing !== undefined && existing.Session !== "" && existing.Session !== session) {
    return null;
  }
  return write(t, entry, session, existing?.Session !== session);
}

/**
 * Releases a key held by the session and sets it. Null when the key is absent or not held by
 * that session.
 *
 * @throws {StateError} when no session is given.
 */
export function kvUnlock(t: Tables, entry: KvEntryInput): KvRow | null {
  const session = optString(entry.Session, "KV Session");
  if (session === "") throw new StateError("missing_session", "missing session");
  const existing = t.kvs.get(requireName(entry.Key, "KV Key"));
  if (existing === undefined || existing.Session !== session) return null;
  return write(t, entry, "");
}

/** Deletes a key, leaving a tombstone so prefix reads see the change. */
export function kvDelete(t: Tables, key: string): void {
  if (t.kvs.get(key) === undefined) return;
  t.tombstones.bury(key);
  t.kvs.remove(key);
}

/** Deletes a key only if its ModifyIndex matches; true also when the key is already gone. */
export function kvDeleteCas(t: Tables, entry: KvEntryInput): boolean {
  const key = requireName(entry.Key, "KV Key");
  const existing = t.kvs.get(key);
  if (existing === undefined) return true;
  if (existing.ModifyIndex !== optCount(entry.ModifyIndex, "KV ModifyIndex")) return false;
  kvDelete(t, key);
  return true;
}

/** Deletes every key starting with `prefix`. */
export function kvDeleteTree(t: Tables, prefix: string): void {
  for (const row of [...t.kvs.withPrefix(prefix)]) kvDelete(t, row.Key);
}

/** Applies one `kv.set` operation; the boolean is what Consul's `KVS.Apply` answers. */
export function applyKvOp(t: Tables, op: KvOp, entry: KvEntryInput): boolean {
  switch (op) {
    case "set":
      kvSet(t, entry);
      return true;
    case "cas":
      return kvCas(t, entry) !== null;
    case "lock":
      return kvLock(t, entry) !== null;
    case "unlock":
      return kvUnlock(t, entry) !== null;
    case "delete":
      kvDelete(t, requireName(entry.Key, "KV Key"));
      return true;
    case "delete-tree":
      kvDeleteTree(t, optString(entry.Key, "KV Key"));
      return true;
    case "delete-cas":
      return kvDeleteCas(t, entry);
    default:
      throw new StateError("invalid_input", `Unknown KV operation ${quote(String(op))}`);
  }
}

/** A copy safe to hand out: rows are frozen, but their value bytes cannot be. */
export function exportKv(row: KvRow): KvRow {
  // Fields spelled out: a spread of a frozen row is several times slower on a hot read.
  return Object.freeze({
    Key: row.Key,
    Flags: row.Flags,
    Value: row.Value === null ? null : row.Value.slice(),
    Session: row.Session,
    LockIndex: row.LockIndex,
    CreateIndex: row.CreateIndex,
    ModifyIndex: row.ModifyIndex,
  });
}

/** Reads of the KV table. */
export class KvReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  #tableIndex(): number {
    return this.#t.indexes.max("kvs", "tombstones");
  }

  /** One key. The index is its ModifyIndex, or the KV table's when it is absent. */
  get(key: string, ws?: WatchSet): Indexed<KvRow | null> {
    ws?.addEncoded(kvWatch(key));
    const row = this.#t.kvs.get(key);
    if (row === undefined) return { index: this.#tableIndex(), value: null };
    return { index: row.ModifyIndex, value: exportKv(row) };
  }

  /** Every entry under `prefix`, in key order (`?recurse`). */
  list(prefix: string, ws?: WatchSet): Indexed<KvRow[]> {
    ws?.addEncoded(`p:${prefix}`);
    const rows = [...this.#t.kvs.withPrefix(prefix)];
    const index = this.#prefixIndex(prefix, rows);
    return { index, value: rows.map(exportKv) };
  }

  /**
   * Keys under `prefix` (`?keys`). With a separator, keys are cut after the first separator
   * following the prefix and deduplicated, like directory listings.
   */
  keys(prefix: string, separator = "", ws?: WatchSet): Indexed<string[]> {
    ws?.addEncoded(`p:${prefix}`);
    const rows = [...this.#t.kvs.withPrefix(prefix)];
    const keys: string[] = [];
    for (const row of rows) {
      let key = row.Key;
      if (separator !== "") {
        const cut = key.indexOf(separator, prefix.length);
        if (cut >= 0) key = key.slice(0, cut + separator.length);
      }
      if (keys[keys.length - 1] !== key) keys.push(key);
    }
    return { index: this.#prefixIndex(prefix, rows), value: keys };
  }

  /** Until when (leader ms) `key` cannot be acquired because its holder was invalidated. */
  lockDelayUntilMs(key: string): number {
    return this.#t.lockDelays.untilMs(key);
  }

  /** Number of tombstones waiting to be reaped. */
  get tombstoneCount(): number {
    return this.#t.tombstones.size;
  }

  #prefixIndex(prefix: string, rows: readonly KvRow[]): number {
    if (prefix === "") return this.#tableIndex();
    let index = this.#t.tombstones.maxUnder(prefix);
    for (const row of rows) index = Math.max(index, row.ModifyIndex);
    return index === 0 ? this.#tableIndex() : index;
  }
}
