/**
 * The state store: every table, the readers over them, the watch registry, and snapshots.
 * Writes happen only through `applyCommand` (fsm.ts).
 *
 * @module
 */

import { readSnapshot, writeSnapshot } from "./_snapshot_codec.ts";
import { createTables, type Tables } from "./_tables.ts";
import { CatalogReader } from "./catalog_read.ts";
import { CoordinateReader } from "./coordinates.ts";
import { FederationStateReader } from "./federation_states.ts";
import { HealthReader } from "./health.ts";
import { KvReader } from "./kv.ts";
import { SessionReader } from "./sessions.ts";
import {
  type TableName,
  type WatchKey,
  type WatchOutcome,
  WatchRegistry,
  type WatchSet,
} from "./watch.ts";

/** What the FSM needs beyond the public surface. */
export interface StoreInternals {
  readonly tables: Tables;
  readonly watches: WatchRegistry;
  setAppliedIndex(index: number): void;
}

const INTERNALS = new WeakMap<StateStore, StoreInternals>();

/** @internal The tables, watches and applied-index setter of a store; for fsm.ts and txn. */
export function storeInternals(store: StateStore): StoreInternals {
  return INTERNALS.get(store)!;
}

/**
 * The replicated state: catalog, health, KV, sessions, federation states and coordinates.
 *
 * Reads are synchronous and return `{ index, value }`; pass a {@linkcode WatchSet} to block
 * until what was read changes. Rows handed out are frozen.
 *
 * @example
 * ```ts
 * import { applyCommand, StateStore } from "./mod.ts";
 *
 * const store = new StateStore();
 * applyCommand(store, 1, { type: "kv.set", nowMs: 0, op: "set", entry: { Key: "a" } });
 * const ws = store.newWatchSet();
 * const { index, value } = store.kv.get("a", ws);
 * ws.close();
 * ```
 */
export class StateStore {
  readonly #tables: Tables = createTables();
  readonly #watches = new WatchRegistry();
  #appliedIndex = 0;

  /** Catalog reads (`/v1/catalog`). */
  readonly catalog: CatalogReader = new CatalogReader(this.#tables);
  /** Health reads (`/v1/health`). */
  readonly health: HealthReader = new HealthReader(this.#tables);
  /** KV reads (`/v1/kv`). */
  readonly kv: KvReader = new KvReader(this.#tables);
  /** Session reads (`/v1/session`). */
  readonly sessions: SessionReader = new SessionReader(this.#tables);
  /** Federation state reads (`/v1/internal/federation-state*`). */
  readonly federationStates: FederationStateReader = new FederationStateReader(this.#tables);
  /** Coordinate reads (`/v1/coordinate`). */
  readonly coordinates: CoordinateReader = new CoordinateReader(this.#tables);

  /** Creates an empty store. */
  constructor() {
    INTERNALS.set(this, {
      tables: this.#tables,
      watches: this.#watches,
      setAppliedIndex: (index) => {
        this.#appliedIndex = index;
      },
    });
  }

  /** Index of the last command applied (0 for a new store). */
  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  /** The index of a table's last change (0 when never written). */
  tableIndex(table: TableName): number {
    return this.#tables.indexes.get(table);
  }

  /** Number of distinct keys watched right now; for metrics and tests. */
  get watchedKeyCount(): number {
    return this.#watches.watchedKeyCount;
  }

  /** A new empty watch set to pass to reads. Wait on it or close it. */
  newWatchSet(): WatchSet {
    return this.#watches.newWatchSet();
  }

  /**
   * Resolves "changed" when a command applied after this call changes any of `keys`, or
   * "aborted" when `signal` aborts. For reads, prefer passing a watch set to the read itself:
   * it also catches changes between the read and the wait.
   */
  watch(keys: readonly WatchKey[], signal?: AbortSignal): Promise<WatchOutcome> {
    const ws = this.newWatchSet();
    for (const key of keys) ws.add(key);
    return ws.wait(signal);
  }

  /** Serializes the whole state (tables, indexes, applied index) deterministically. */
  snapshot(): Uint8Array {
    return writeSnapshot(this.#tables, this.#appliedIndex);
  }
}

/**
 * Rebuilds a store from {@linkcode StateStore.snapshot} bytes, with the same rows, indexes
 * and applied index.
 *
 * @throws {StateError} `bad_snapshot` when the bytes are not a snapshot of this version.
 */
export function restoreStore(bytes: Uint8Array): StateStore {
  const store = new StateStore();
  const internals = storeInternals(store);
  internals.setAppliedIndex(readSnapshot(bytes, internals.tables));
  return store;
}
