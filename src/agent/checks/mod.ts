/**
 * Health checks run by the local agent: Consul's check definitions (decoding and validation
 * with Consul's texts), the TTL, HTTP, TCP and script runners, the success/failure thresholds
 * (`StatusHandler`), the maintenance-mode checks, and a `CheckManager` that keeps one runner per
 * check ID.
 *
 * All I/O goes through ports: `Clock` for every timer, `Random` for start-up stagger,
 * `Net.dialTcp` for TCP checks, `Process.runCommand` for scripts, and an {@linkcode HttpProber}
 * for HTTP checks (its default lives in `http_prober.ts`, the one file here that imports
 * `node:http`/`node:https`, because `fetch` cannot skip TLS verification portably).
 *
 * What it is not: it keeps no record of services or check statuses (that is
 * `src/agent/local`), talks to no server, and does not run GRPC, H2PING, UDP, Docker, alias or
 * OS-service checks — definitions using them are rejected with a clear error.
 *
 * @example
 * ```ts
 * import { checkDefinition, CheckManager, createNodeHttpProber } from "./mod.ts";
 * import { currentRuntime } from "../../runtime/current.ts";
 *
 * const rt = await currentRuntime();
 * const manager = new CheckManager({
 *   clock: rt.clock, random: rt.random, net: rt.net, process: rt.process,
 *   prober: createNodeHttpProber(),
 *   notifier: { updateCheck: (id, status, output) => console.log(id, status, output) },
 * });
 * manager.start("web", checkDefinition({ http: "http://127.0.0.1:8080/health", intervalMs: 10_000 }), "remote");
 * ```
 *
 * @module
 */

export {
  DEFAULT_HTTP_TIMEOUT_MS,
  HTTP_CHECK_USER_AGENT,
  HttpCheck,
  type HttpCheckOptions,
  MAX_HTTP_REDIRECTS,
} from "./http_check.ts";
export {
  createNodeHttpProber,
  type HttpProber,
  type HttpProbeRequest,
  type HttpProbeResponse,
  type NodeHttpProberOptions,
} from "./http_prober.ts";
export {
  CheckManager,
  type CheckManagerConfig,
  type CheckManagerDeps,
  CheckNotTtlError,
  type CheckSource,
  MIN_CHECK_INTERVAL_MS,
} from "./check_manager.ts";
export type { CheckRunner } from "./check_runner.ts";
export {
  type CheckDefinition,
  checkDefinition,
  CheckDefinitionError,
  type CheckKind,
  checkKind,
  parseCheckDefinition,
  validateCheckDefinition,
} from "./definition.ts";
export {
  type CheckOwner,
  type HealthCheck,
  healthCheckFromDefinition,
  serviceCheckId,
} from "./health_check.ts";
export {
  DEFAULT_NODE_MAINTENANCE_REASON,
  DEFAULT_SERVICE_MAINTENANCE_REASON,
  isMaintenanceCheckId,
  NODE_MAINTENANCE_CHECK_ID,
  nodeMaintenanceCheck,
  SERVICE_MAINTENANCE_PREFIX,
  serviceMaintenanceCheck,
  serviceMaintenanceCheckId,
} from "./maintenance.ts";
export { DEFAULT_SCRIPT_TIMEOUT_MS, ScriptCheck, type ScriptCheckOptions } from "./script_check.ts";
export {
  type AgentLog,
  type CheckNotifier,
  DISCARD_LOG,
  HEALTH_CRITICAL,
  HEALTH_PASSING,
  HEALTH_WARNING,
  type HealthStatus,
  isHealthStatus,
} from "./status.ts";
export { StatusHandler, type StatusThresholds } from "./status_handler.ts";
export {
  DEFAULT_TCP_TIMEOUT_MS,
  InvalidTcpAddressError,
  splitHostPort,
  TcpCheck,
  type TcpCheckOptions,
} from "./tcp_check.ts";
export { TtlCheck, type TtlCheckOptions } from "./ttl_check.ts";
export { DEFAULT_OUTPUT_MAX_BYTES } from "./_output.ts";
