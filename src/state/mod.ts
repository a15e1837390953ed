/**
 * The replicated state machine of a Consulate server: catalog (nodes, services, checks),
 * health, KV with sessions and locks, federation states and coordinates, with Consul's
 * semantics and Raft indexes (CreateIndex/ModifyIndex per row, a max index per table and per
 * service name for `X-Consul-Index`).
 *
 * - Writes: build a {@linkcode Command} (JSON-serializable; {@linkcode encodeCommand} for the
 *   Raft log) and apply it with {@linkcode applyCommand} at its committed index. Each command
 *   is atomic; a refused one returns `{ ok: false, error }` and changes nothing.
 * - Reads: `store.catalog`, `store.health`, `store.kv`, `store.sessions`,
 *   `store.federationStates`, `store.coordinates`. Each returns `{ index, value }`; `index`
 *   may be 0 on an empty store and the HTTP layer reports it as 1, as Consul does.
 * - Blocking queries: pass `store.newWatchSet()` to reads, then `await ws.wait(signal)`.
 *   Idle watchers cost no CPU; a commit wakes only the watchers of the node, service name,
 *   KV key/prefix, session or table it changed. Timeouts are the caller's (via its Clock).
 * - Snapshots: `store.snapshot()` and {@linkcode restoreStore} round-trip exactly.
 * - Session TTLs: the store lists TTL sessions; {@linkcode SessionExpiry} is the leader's
 *   pure deadline bookkeeping, and expiry is applied as a `session.destroy` command.
 *
 * What it is not: no I/O, no timers, no clock reads (time arrives as `nowMs` in commands),
 * no HTTP shapes (rows use Consul's field names, but flattening to e.g. ServiceNode, query
 * parsing, ACLs and defaults such as the session `serfHealth` check are the HTTP layer's),
 * and no Raft (the log and its driver call `applyCommand`).
 *
 * @example
 * ```ts
 * import { applyCommand, StateStore } from "./mod.ts";
 *
 * const store = new StateStore();
 * applyCommand(store, 1, {
 *   type: "catalog.register",
 *   nowMs: 0,
 *   node: { Node: "n1", Address: "10.0.0.1" },
 *   service: { Service: "web", Port: 80 },
 * });
 * const ws = store.newWatchSet();
 * const { index, value } = store.health.serviceNodes("web", { passingOnly: true }, ws);
 * // ... if index <= the client's index: await ws.wait(signal); else ws.close();
 * ```
 *
 * @module
 */

export type {
  CheckRow,
  CheckServiceNode,
  Coord,
  CoordinateRow,
  FederationStateRow,
  HealthStatus,
  Indexed,
  JsonObject,
  JsonValue,
  KvRow,
  NodeRow,
  RaftIndex,
  ServiceAddress,
  ServiceInstance,
  ServiceRow,
  ServiceWeights,
  SessionBehavior,
  SessionRow,
  SessionServiceCheck,
} from "./rows.ts";
export {
  COMMAND_TYPES,
  decodeBase64,
  decodeCommand,
  encodeBase64,
  encodeCommand,
  MAX_COMMAND_BYTES,
} from "./commands.ts";
export type {
  CheckInput,
  Command,
  CoordinateInput,
  FederationStateInput,
  KvEntryInput,
  KvOp,
  NodeInput,
  ServiceInput,
  SessionInput,
  TxnCatalogVerb,
  TxnCheckInput,
  TxnKvVerb,
  TxnNodeInput,
  TxnOp,
} from "./commands.ts";
export { StateError } from "./errors.ts";
export type { StateErrorCode } from "./errors.ts";
export { applyCommand, readTxn } from "./fsm.ts";
export type { ApplyResult, CommandResults } from "./fsm.ts";
export { restoreStore, StateStore } from "./store.ts";
export type { CatalogReader, InstanceFilter, NodeServices } from "./catalog_read.ts";
export type { HealthReader, HealthServiceFilter } from "./health.ts";
export { MAX_KV_VALUE_BYTES } from "./kv.ts";
export type { KvReader } from "./kv.ts";
export { MAX_LOCK_DELAY_MS, SESSION_TTL_MULTIPLIER } from "./sessions.ts";
export type { SessionReader, TtlSession } from "./sessions.ts";
export { SessionExpiry } from "./session_expiry.ts";
export type { FederationStateReader } from "./federation_states.ts";
export { MAX_COORDINATE_BATCH } from "./coordinates.ts";
export type { CoordinateReader } from "./coordinates.ts";
export { isReadOnlyTxn, MAX_TXN_OPS } from "./txn.ts";
export type { TxnError, TxnResponse, TxnResult } from "./txn.ts";
export { MAX_WATCH_KEYS_PER_SET, WatchSet } from "./watch.ts";
export type { TableName, WatchKey, WatchOutcome } from "./watch.ts";
