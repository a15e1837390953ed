/**
 * WAN federation through mesh gateways: how each datacenter learns which gateways to dial.
 *
 * - {@linkcode FederationStateAntiEntropy} (leader of every DC): writes this datacenter's mesh
 *   gateways, as a federation state, to the primary whenever the catalog changes them.
 * - {@linkcode FederationStateReplicator} (leader of each secondary): long-polls the primary's
 *   list and keeps the local replica equal to it, reporting each round's health.
 * - {@linkcode FederationStatePruner} (leader of the primary): drops states of datacenters the
 *   WAN no longer knows.
 * - {@linkcode GatewayLocator} (every server): turns the local replica, the replication health
 *   and the `primary_gateways` fallback into `pickGateway(dc)`, the address a cross-DC dial
 *   goes to; {@linkcode refreshPrimaryGateways} fills that fallback in secondaries.
 *
 * What it is not: no sockets and no Raft. The loops get `callPrimary` (an RPC to the primary,
 * through the gateways in a real agent), `apply` (a commit to the local log), the state store,
 * and the Clock/Random ports, so a whole federation runs in one process in tests. The RPC
 * endpoints themselves live in `src/endpoints/federation_state.ts`, the HTTP routes in
 * `src/http/federation_states.ts`.
 *
 * @example
 * ```ts
 * const locator = new GatewayLocator({ store, clock, random, datacenter: "dc2",
 *   primaryDatacenter: "dc1" });
 * const stop = new AbortController();
 * void locator.run(stop.signal);
 * void refreshPrimaryGateways(locator, { entries: ["203.0.113.7:8443"], clock,
 *   signal: stop.signal });
 * const gateway = locator.pickGateway("dc1"); // "203.0.113.7:8443" until replication works
 * ```
 *
 * @module
 */

export {
  ANTI_ENTROPY_ROUND_BURST,
  ANTI_ENTROPY_ROUNDS_PER_SEC,
  type AntiEntropyOptions,
  DEFAULT_ANTI_ENTROPY_SYNC_INTERVAL_MS,
  FederationStateAntiEntropy,
} from "./anti_entropy.ts";
export {
  GatewayLocator,
  type GatewayLocatorOptions,
  LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY,
  LOCATOR_ROUND_BURST,
  LOCATOR_ROUNDS_PER_SEC,
  MAX_GATEWAY_ADDRS,
  type ReplicationHealthSink,
} from "./gateway_locator.ts";
export {
  gatewayAddress,
  isSameFederationState,
  joinHostPort,
  renderCriticalGatewayAddrs,
  renderGatewayAddrs,
  retainWanFederationGateways,
} from "./gateway_nodes.ts";
export {
  DEFAULT_PRIMARY_GATEWAYS_INTERVAL_MS,
  literalPrimaryGateway,
  MAX_PRIMARY_GATEWAY_ENTRIES,
  MIN_PRIMARY_GATEWAYS_INTERVAL_MS,
  NO_MESH_GATEWAYS_TEXT,
  PrimaryGatewayEntryError,
  type PrimaryGatewayResolver,
  type PrimaryGatewaysRefreshOptions,
  type PrimaryGatewaysTarget,
  refreshPrimaryGateways,
} from "./primary_gateways.ts";
export {
  FEDERATION_STATE_PRUNE_INTERVAL_MS,
  FederationStatePruner,
  type PruningOptions,
} from "./pruning.ts";
export {
  diffFederationStates,
  type FederationStateDiff,
  FederationStateReplicator,
  MAX_REPLICATED_STATES,
  REPLICATION_APPLIES_PER_SEC,
  REPLICATION_ROUND_BURST,
  REPLICATION_ROUNDS_PER_SEC,
  type ReplicationOptions,
  ReplicationReplyError,
} from "./replication.ts";
export { backoffMs, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from "./_retry.ts";
export type { ApplyLocalFn, CallPrimaryFn, FederationLog, LeaderLoop } from "./types.ts";
export {
  GatewayDialError,
  type GatewayDialErrorKind,
  MeshGatewayDialer,
  type MeshGatewayDialerOptions,
} from "./gateway_dialer.ts";
