/**
 * A memo of read results, dropped by the same watch keys that wake blocking queries.
 *
 * A memoized read names the encoded watch keys it depends on, exactly the ones it adds to a
 * watch set. The FSM hands every committed command's touched keys to
 * {@linkcode ReadMemo.invalidate} before it wakes watchers, so a memo entry lives only while
 * nothing it read has changed: if a change could slip past the memo, it would slip past
 * blocking queries too. Nothing is memoized or served while a transaction is open (a
 * read-only `/v1/txn`, or a read inside a command), since it could still roll back.
 *
 * Memoized values are shared between callers and must be deeply frozen.
 *
 * Not a general cache: no time-based expiry, and only the reads the store chooses.
 *
 * @module
 */

import type { TxContext } from "./_tx.ts";

/** Most memoized reads kept; the least recently used one goes first. */
export const MAX_READ_MEMO_ENTRIES = 2048;

interface MemoEntry {
  readonly value: unknown;
  readonly deps: readonly string[];
}

/** Memoized reads by key, with the watch keys each depends on. */
export class ReadMemo {
  readonly #tx: TxContext;
  readonly #entries = new Map<string, MemoEntry>();
  readonly #byDep = new Map<string, Set<string>>();

  /** Creates an empty memo that stands aside while `tx` is open. */
  constructor(tx: TxContext) {
    this.#tx = tx;
  }

  /** Number of memoized reads; for tests. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The value memoized under `key`, or `compute()`'s, which is kept until one of `deps`
   * (encoded watch keys) is touched by a committed command.
   */
  remember<T>(key: string, deps: readonly string[], compute: () => T): T {
    if (this.#tx.active) return compute();
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // Re-inserting keeps the Map's order least recently used first.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value as T;
    }
    const value = compute();
    if (this.#entries.size >= MAX_READ_MEMO_ENTRIES) {
      this.#drop(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { value, deps });
    for (const dep of deps) {
      let keys = this.#byDep.get(dep);
      if (keys === undefined) this.#byDep.set(dep, keys = new Set());
      keys.add(key);
    }
    return value;
  }

  /** Drops every entry depending on one of the `changed` watch keys. */
  invalidate(changed: Iterable<string>): void {
    if (this.#entries.size === 0) return;
    for (const dep of changed) {
      const keys = this.#byDep.get(dep);
      if (keys === undefined) continue;
      for (const key of [...keys]) this.#drop(key);
    }
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    for (const dep of entry.deps) {
      const keys = this.#byDep.get(dep);
      keys?.delete(key);
      if (keys?.size === 0) this.#byDep.delete(dep);
    }
  }
}
