/**
 * The local agent's own services and checks and their anti-entropy with the catalog, after
 * Consul's `agent/local` and `agent/ae`: `LocalState` keeps records with in-sync flags;
 * `AntiEntropy` runs a full sync every minute (scaled with cluster size) and coalesced partial
 * syncs on change; `ServiceReaper` deregisters services whose check stayed critical past
 * `DeregisterCriticalServiceAfter`; `LocalAgent` ties records to check runners and offers the
 * operations behind `/v1/agent/*` (registration, TTL updates, maintenance mode).
 *
 * What it is not: it holds no catalog. It reaches the servers only through the
 * {@linkcode CatalogSync} interface, which the agent wiring implements over the state store or
 * RPC. Timers come from the `Clock` port and stagger from `Random`.
 *
 * @example
 * ```ts
 * import { AntiEntropy, LocalState } from "./mod.ts";
 * import type { CatalogSync } from "./mod.ts";
 * import { currentRuntime } from "../../runtime/current.ts";
 *
 * declare const catalog: CatalogSync;
 * const rt = await currentRuntime();
 * const state = new LocalState(
 *   { nodeName: "node1", nodeId: "5c4f...", address: "10.0.0.5", datacenter: "dc1" },
 *   { clock: rt.clock, random: rt.random, catalog },
 * );
 * const ae = new AntiEntropy(state, { clock: rt.clock, random: rt.random, clusterSize: () => 3 });
 * state.setSyncTrigger(() => ae.triggerSyncChanges());
 * ae.start();
 * state.addService({ ID: "web", Service: "web", Port: 8080 });
 * ```
 *
 * @module
 */

export {
  AE_SCALE_THRESHOLD_NODES,
  aeScaleFactor,
  AntiEntropy,
  type AntiEntropyOptions,
  DEFAULT_AE_INTERVAL_MS,
  RETRY_FAIL_INTERVAL_MS,
  SERVER_UP_INTERVAL_MS,
  type SyncTarget,
} from "./anti_entropy.ts";
export {
  CatalogPermissionDeniedError,
  type CatalogSync,
  type RemoteNodeState,
} from "./catalog_sync.ts";
export { LocalAgent, type RegisterOptions } from "./local_agent.ts";
export {
  type CriticalCheck,
  DEFAULT_CHECK_UPDATE_INTERVAL_MS,
  LocalState,
  type LocalStateConfig,
  type LocalStateDeps,
  LocalStateError,
} from "./local_state.ts";
export {
  CHECK_REAP_INTERVAL_MS,
  MIN_DEREGISTER_CRITICAL_SERVICE_AFTER_MS,
  type ReaperDeps,
  ServiceReaper,
} from "./reaper.ts";
export type { NodeInfo, NodeService } from "./types.ts";
export {
  type CheckRegistrationRecord,
  type MaintenanceRecord,
  MAX_JOURNAL_BYTES,
  NO_REGISTRATIONS,
  RegistrationJournal,
  type Registrations,
  type ServiceRegistrationRecord,
} from "./registrations.ts";
