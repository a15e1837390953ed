/** The three health states Consul reports for a check. */
export type HealthStatus = "passing" | "warning" | "critical";

/** Consul's `api.HealthPassing`. */
export const HEALTH_PASSING: HealthStatus = "passing";
/** Consul's `api.HealthWarning`. */
export const HEALTH_WARNING: HealthStatus = "warning";
/** Consul's `api.HealthCritical`. */
export const HEALTH_CRITICAL: HealthStatus = "critical";

/** True when `value` is one of the statuses a check may be set to. */
export function isHealthStatus(value: unknown): value is HealthStatus {
  return value === HEALTH_PASSING || value === HEALTH_WARNING || value === HEALTH_CRITICAL;
}

/**
 * Receives check results. `LocalState` implements it; tests use fakes.
 *
 * Calls must be idempotent: runners repeat the same result every interval.
 */
export interface CheckNotifier {
  updateCheck(checkId: string, status: HealthStatus, output: string): void;
}

/** Structured log sink for the agent's check machinery. Optional everywhere; default drops. */
export type AgentLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

/** An {@linkcode AgentLog} that discards everything. */
export const DISCARD_LOG: AgentLog = () => {};
