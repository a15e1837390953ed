/**
 * The index table: for each table (and each service name) the Raft index of its last change.
 * Reads answer with these so a blocking query knows what to wait past (`X-Consul-Index`).
 *
 * @module
 */

import { assert } from "./_assert.ts";
import type { TxContext } from "./_tx.ts";
import type { TableName } from "./watch.ts";

/** Index-table key of the last change to instances of one service name (lowercased). */
export function serviceIndexName(service: string): string {
  return `service.${service.toLowerCase()}`;
}

/** Index-table key of the last time a service name lost its last instance. */
export const SERVICE_EXTINCTION_INDEX = "service_last_extinction";

/** Per-table and per-service-name max indexes, journaled like every table. */
export class IndexTable {
  readonly #tx: TxContext;
  readonly #values = new Map<string, number>();

  /** Creates an empty index table writing through `tx`. */
  constructor(tx: TxContext) {
    this.#tx = tx;
  }

  /** The index of `name`, 0 when never written. */
  get(name: TableName | string): number {
    return this.#values.get(name) ?? 0;
  }

  /** The max over several names. */
  max(...names: (TableName | string)[]): number {
    let max = 0;
    for (const name of names) max = Math.max(max, this.get(name));
    return max;
  }

  /** Sets `name` to the index of the open transaction. */
  bump(name: TableName | string): void {
    const index = this.#tx.index;
    const previous = this.#values.get(name);
    assert((previous ?? 0) <= index, `index of ${name} would move backwards`);
    if (previous === index) return;
    this.#tx.record(() => this.#restore(name, previous));
    this.#values.set(name, index);
  }

  /** Forgets `name` (a service name with no instances left). */
  remove(name: string): void {
    const previous = this.#values.get(name);
    if (previous === undefined) return;
    this.#tx.record(() => this.#restore(name, previous));
    this.#values.delete(name);
  }

  /** Every entry, sorted by name; for snapshots. */
  entries(): [string, number][] {
    return [...this.#values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Sets an entry without journaling; for restore only. */
  load(name: string, index: number): void {
    this.#values.set(name, index);
  }

  #restore(name: string, previous: number | undefined): void {
    if (previous === undefined) this.#values.delete(name);
    else this.#values.set(name, previous);
  }
}
