/**
 * Blocking-query watches: readers register the data they read and are woken when a later
 * committed command changes it.
 *
 * Cost model: an idle watcher is an entry in a few `Map`s; nothing polls and nothing runs on a
 * timer (timeouts belong to the caller, through its Clock). A commit looks up only the keys it
 * changed, so it wakes only the watchers of that data.
 *
 * @module
 */

import { assert } from "./_assert.ts";

/** The tables a reader can watch as a whole. */
export type TableName =
  | "nodes"
  | "services"
  | "checks"
  | "kvs"
  | "tombstones"
  | "sessions"
  | "federation-states"
  | "coordinates";

/** Something a reader depends on; a change to it wakes the watcher. */
export type WatchKey =
  | { readonly table: TableName }
  /** A node, its services and its checks. */
  | { readonly node: string }
  /** Every instance of a service name, their nodes and their checks. */
  | { readonly service: string }
  /** One KV key. */
  | { readonly kvKey: string }
  /** Every KV key starting with this prefix ("" is the whole store). */
  | { readonly kvPrefix: string }
  /** One session. */
  | { readonly session: string };

/** Most keys one watch set may hold; reads add a handful, so more means a caller bug. */
export const MAX_WATCH_KEYS_PER_SET = 4096;

/** How a wait ended. */
export type WatchOutcome = "changed" | "aborted";

/** Encodes a watch key to the string form the registry indexes by. */
export function watchKeyString(key: WatchKey): string {
  if ("table" in key) return `t:${key.table}`;
  if ("node" in key) return `n:${key.node.toLowerCase()}`;
  if ("service" in key) return `s:${key.service.toLowerCase()}`;
  if ("kvKey" in key) return `k:${key.kvKey}`;
  if ("kvPrefix" in key) return `p:${key.kvPrefix}`;
  return `x:${key.session}`;
}

/** Registry of live watch sets by the keys they depend on. */
export class WatchRegistry {
  readonly #byKey = new Map<string, Set<WatchSet>>();
  #prefixWatchers = 0;

  /** Creates an empty watch set bound to this registry. */
  newWatchSet(): WatchSet {
    return new WatchSet(this);
  }

  /** Number of distinct keys being watched; for tests and metrics. */
  get watchedKeyCount(): number {
    return this.#byKey.size;
  }

  /** @internal Adds `set` as a watcher of `key`. */
  register(key: string, set: WatchSet): void {
    let sets = this.#byKey.get(key);
    if (sets === undefined) {
      sets = new Set();
      this.#byKey.set(key, sets);
    }
    if (!sets.has(set) && key.startsWith("p:")) this.#prefixWatchers++;
    sets.add(set);
  }

  /** @internal Removes `set` as a watcher of `key`. */
  unregister(key: string, set: WatchSet): void {
    const sets = this.#byKey.get(key);
    if (sets === undefined || !sets.delete(set)) return;
    if (key.startsWith("p:")) this.#prefixWatchers--;
    if (sets.size === 0) this.#byKey.delete(key);
  }

  /**
   * Wakes every watch set depending on one of the changed keys (in encoded form). A changed
   * KV key `k:<key>` also wakes watchers of each prefix of `<key>`.
   */
  notify(changed: Iterable<string>): void {
    const woken = new Set<WatchSet>();
    const collect = (key: string) => {
      const sets = this.#byKey.get(key);
      if (sets !== undefined) { for (const set of sets) woken.add(set); }
    };
    for (const key of changed) {
      collect(key);
      if (key.startsWith("k:") && this.#prefixWatchers > 0) {
        const kvKey = key.slice(2);
        for (let end = 0; end <= kvKey.length; end++) collect(`p:${kvKey.slice(0, end)}`);
      }
    }
    for (const set of woken) set.fire();
  }
}

/**
 * The keys one reader depends on. Reads add keys to it; {@linkcode WatchSet.wait} resolves
 * once any of them changes. It registers as keys are added, so a change that lands between the
 * read and the `wait()` call is not lost. Call `wait()` or `close()` on every set, or it stays
 * registered.
 */
export class WatchSet {
  readonly #registry: WatchRegistry;
  readonly #keys = new Set<string>();
  #fired = false;
  #closed = false;
  #wake: ((outcome: WatchOutcome) => void) | null = null;

  /** @internal Use {@linkcode WatchRegistry.newWatchSet} or `store.newWatchSet()`. */
  constructor(registry: WatchRegistry) {
    this.#registry = registry;
  }

  /** True once something this set depends on has changed. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Adds a dependency. No-op once the set fired or was closed. */
  add(key: WatchKey): void {
    this.addEncoded(watchKeyString(key));
  }

  /** @internal Adds a dependency in encoded form. */
  addEncoded(key: string): void {
    if (this.#fired || this.#closed || this.#keys.has(key)) return;
    assert(
      this.#keys.size < MAX_WATCH_KEYS_PER_SET,
      `a watch set may hold at most ${MAX_WATCH_KEYS_PER_SET} keys`,
    );
    this.#keys.add(key);
    this.#registry.register(key, this);
  }

  /**
   * Resolves "changed" when a dependency changes (at once if one already did), or "aborted"
   * when `signal` aborts. Either way the set is closed afterwards.
   */
  wait(signal?: AbortSignal): Promise<WatchOutcome> {
    assert(this.#wake === null, "a watch set can be waited on only once");
    if (this.#fired) return Promise.resolve("changed");
    if (this.#closed || signal?.aborted) {
      this.close();
      return Promise.resolve("aborted");
    }
    return new Promise<WatchOutcome>((resolve) => {
      const onAbort = () => this.#settle("aborted");
      this.#wake = (outcome) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Unregisters every dependency; a pending `wait()` resolves "aborted". Idempotent. */
  close(): void {
    this.#settle("aborted");
  }

  /** @internal Called by the registry when a dependency changed. */
  fire(): void {
    if (this.#closed) return;
    this.#fired = true;
    this.#settle("changed");
  }

  #settle(outcome: WatchOutcome): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const key of this.#keys) this.#registry.unregister(key, this);
    this.#keys.clear();
    const wake = this.#wake;
    this.#wake = null;
    wake?.(outcome);
  }
}
