/**
 * KV tables: entries (sorted for prefix scans, indexed by lock-holding session), the
 * tombstone graveyard that keeps a deleted key's index visible to prefix reads, and the
 * lock-delay table.
 *
 * @module
 */

import { SortedKeys } from "./_sorted_keys.ts";
import type { TxContext } from "./_tx.ts";
import type { IndexTable } from "./indexes.ts";
import type { KvRow } from "./rows.ts";

/** Watch key of one KV key. */
export function kvWatch(key: string): string {
  return `k:${key}`;
}

/** KV entries. */
export class KvTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #rows = new Map<string, KvRow>();
  readonly #keys = new SortedKeys();
  readonly #bySession = new Map<string, Set<string>>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** Number of entries. */
  get size(): number {
    return this.#rows.size;
  }

  /** One entry by exact key. */
  get(key: string): KvRow | undefined {
    return this.#rows.get(key);
  }

  /** Entries whose key starts with `prefix`, in key order. */
  *withPrefix(prefix: string): Generator<KvRow> {
    for (const key of this.#keys.withPrefix(prefix)) yield this.#rows.get(key)!;
  }

  /** Keys locked by `session`, in key order. */
  heldBy(session: string): string[] {
    return [...(this.#bySession.get(session) ?? [])].sort();
  }

  /** Inserts or replaces an entry. */
  put(row: KvRow): void {
    this.#write(row.Key, row);
  }

  /** Deletes an entry if present. */
  remove(key: string): void {
    if (this.#rows.has(key)) this.#write(key, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: KvRow): void {
    this.#raw(row.Key, row);
  }

  #write(key: string, row: KvRow | undefined): void {
    const previous = this.#rows.get(key);
    this.#tx.record(() => this.#raw(key, previous));
    this.#raw(key, row);
    this.#indexes.bump("kvs");
    this.#tx.touch("t:kvs");
    this.#tx.touch(kvWatch(key));
  }

  #raw(key: string, row: KvRow | undefined): void {
    const previous = this.#rows.get(key);
    if (previous !== undefined && previous.Session !== "") {
      const held = this.#bySession.get(previous.Session)!;
      held.delete(key);
      if (held.size === 0) this.#bySession.delete(previous.Session);
    }
    if (row === undefined) {
      this.#rows.delete(key);
      this.#keys.delete(key);
      return;
    }
    if (previous === undefined) this.#keys.insert(key);
    this.#rows.set(key, row);
    if (row.Session !== "") {
      let held = this.#bySession.get(row.Session);
      if (held === undefined) {
        held = new Set();
        this.#bySession.set(row.Session, held);
      }
      held.add(key);
    }
  }
}

/**
 * Tombstones of deleted keys: the index each key was deleted at. Without them a prefix list
 * whose newest key was deleted would report an older index and its blocking query would never
 * see the delete. The leader reaps them with a command once they are old enough.
 */
export class TombstoneTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #rows = new Map<string, number>();
  readonly #keys = new SortedKeys();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** Number of tombstones. */
  get size(): number {
    return this.#rows.size;
  }

  /** The highest deletion index under `prefix`, 0 when none. */
  maxUnder(prefix: string): number {
    let max = 0;
    for (const key of this.#keys.withPrefix(prefix)) max = Math.max(max, this.#rows.get(key)!);
    return max;
  }

  /** Every tombstone as [key, index], in key order; for snapshots. */
  entries(): [string, number][] {
    return [...this.#keys.withPrefix("")].map((key) => [key, this.#rows.get(key)!]);
  }

  /** Records that `key` was deleted by the open transaction. */
  bury(key: string): void {
    this.#write(key, this.#tx.index);
  }

  /** Drops tombstones created at or before `index`; returns how many. */
  reap(index: number): number {
    const old = this.entries().filter(([, at]) => at <= index);
    for (const [key] of old) this.#write(key, undefined);
    return old.length;
  }

  /** Inserts without journaling; for restore only. */
  load(key: string, index: number): void {
    this.#raw(key, index);
  }

  #write(key: string, index: number | undefined): void {
    const previous = this.#rows.get(key);
    this.#tx.record(() => this.#raw(key, previous));
    this.#raw(key, index);
    this.#indexes.bump("tombstones");
  }

  #raw(key: string, index: number | undefined): void {
    if (index === undefined) {
      this.#rows.delete(key);
      this.#keys.delete(key);
    } else {
      this.#rows.set(key, index);
      this.#keys.insert(key);
    }
  }
}

/**
 * Lock delays: until when (leader milliseconds) a key may not be acquired after the session
 * holding it was invalidated. Consul keeps these outside Raft and reads the clock; here the
 * time comes in the command, so every replica agrees and snapshots carry them.
 */
export class LockDelayTable {
  readonly #tx: TxContext;
  readonly #untilMs = new Map<string, number>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext) {
    this.#tx = tx;
  }

  /** Until when `key` is delayed, or 0. */
  untilMs(key: string): number {
    return this.#untilMs.get(key) ?? 0;
  }

  /** Delays `key` until `untilMs` (keeping a later existing delay). */
  set(key: string, untilMs: number): void {
    const previous = this.#untilMs.get(key);
    if (previous !== undefined && previous >= untilMs) return;
    this.#write(key, untilMs);
  }

  /** Drops every delay that ended at or before `nowMs`. */
  prune(nowMs: number): void {
    for (const [key, until] of [...this.#untilMs]) if (until <= nowMs) this.#write(key, undefined);
  }

  /** Every delay as [key, untilMs], sorted by key; for snapshots. */
  entries(): [string, number][] {
    return [...this.#untilMs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Inserts without journaling; for restore only. */
  load(key: string, untilMs: number): void {
    this.#untilMs.set(key, untilMs);
  }

  #write(key: string, untilMs: number | undefined): void {
    const previous = this.#untilMs.get(key);
    this.#tx.record(() => this.#raw(key, previous));
    this.#raw(key, untilMs);
  }

  #raw(key: string, untilMs: number | undefined): void {
    if (untilMs === undefined) this.#untilMs.delete(key);
    else this.#untilMs.set(key, untilMs);
  }
}
