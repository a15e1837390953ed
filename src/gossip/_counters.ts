/**
 * Named monotonic counters with a snapshot, for transports and wrappers. Private to the gossip
 * module.
 *
 * @module
 */

/** A fixed set of counters, each starting at zero. */
export class CounterSet<K extends string> {
  readonly #values: Record<K, number>;

  /** Creates the counters named in `names`. */
  constructor(names: readonly K[]) {
    this.#values = Object.fromEntries(names.map((name) => [name, 0])) as Record<K, number>;
  }

  /** Adds `n` (default 1) to one counter. */
  add(name: K, n = 1): void {
    this.#values[name] += n;
  }

  /** A copy of every counter's current value. */
  snapshot(): Readonly<Record<K, number>> {
    return { ...this.#values };
  }
}
