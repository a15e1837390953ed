/**
 * Rows keyed by a folded string that hand out their values in key order without sorting on
 * every read: the sorted array is built on the first read after a change and then shared.
 * Tables use it for each secondary index, so a read of one service's instances or one node's
 * checks costs a map lookup, not a sort.
 *
 * @module
 */

import { compareKeys } from "./_sorted_keys.ts";

const EMPTY: readonly never[] = Object.freeze([]);

/** Rows by key; `values()` is in {@linkcode compareKeys} order and frozen. */
export class SortedRows<V> {
  readonly #rows = new Map<string, V>();
  #sorted: readonly V[] | null = null;

  /** Number of rows. */
  get size(): number {
    return this.#rows.size;
  }

  /** The row under `key`. */
  get(key: string): V | undefined {
    return this.#rows.get(key);
  }

  /** Inserts or replaces the row under `key`. */
  set(key: string, row: V): void {
    this.#rows.set(key, row);
    this.#sorted = null;
  }

  /** Removes the row under `key`, if any. */
  delete(key: string): void {
    if (this.#rows.delete(key)) this.#sorted = null;
  }

  /** The rows in key order; the same frozen array until the next change. */
  values(): readonly V[] {
    if (this.#sorted === null) {
      const keys = [...this.#rows.keys()].sort(compareKeys);
      this.#sorted = Object.freeze(keys.map((key) => this.#rows.get(key)!));
    }
    return this.#sorted;
  }
}

/**
 * Groups of {@linkcode SortedRows} (e.g. instances by node): a group exists only while it
 * has rows, and `all()` walks every row in group order then key order, cached like a group.
 */
export class GroupedRows<V> {
  readonly #groups = new Map<string, SortedRows<V>>();
  #all: readonly V[] | null = null;

  /** The row under `group`/`key`. */
  get(group: string, key: string): V | undefined {
    return this.#groups.get(group)?.get(key);
  }

  /** True when `group` has at least one row. */
  has(group: string): boolean {
    return this.#groups.has(group);
  }

  /** Rows of one group in key order (frozen; empty when the group has none). */
  of(group: string): readonly V[] {
    return this.#groups.get(group)?.values() ?? EMPTY;
  }

  /** Sets (`row` given) or deletes (`row` undefined) the row under `group`/`key`. */
  put(group: string, key: string, row: V | undefined): void {
    let rows = this.#groups.get(group);
    if (row === undefined) {
      if (rows === undefined) return;
      rows.delete(key);
      if (rows.size === 0) this.#groups.delete(group);
    } else {
      if (rows === undefined) this.#groups.set(group, rows = new SortedRows());
      rows.set(key, row);
    }
    this.#all = null;
  }

  /** Every row, ordered by group then key; the same frozen array until the next change. */
  all(): readonly V[] {
    if (this.#all === null) {
      const groups = [...this.#groups.keys()].sort(compareKeys);
      this.#all = Object.freeze(groups.flatMap((group) => this.#groups.get(group)!.values()));
    }
    return this.#all;
  }
}
