/**
 * The `HealthCheck` record as Consul's API shows it, and how the agent builds one from a
 * check definition.
 */

import { type CheckDefinition, checkKind } from "./definition.ts";
import { formatGoDuration } from "../../go_duration.ts";
import { HEALTH_CRITICAL, type HealthStatus } from "./status.ts";

/** A health check as Consul's catalog and agent APIs report it (Consul's field names). */
export interface HealthCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: HealthStatus;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  /** "ttl", "http", "tcp", "script", "maintenance", or "" for a check with no runner. */
  readonly Type: string;
  /** Go duration text ("10s"), empty when not an interval check. */
  readonly Interval: string;
  /** Go duration text, empty when no timeout was given. */
  readonly Timeout: string;
}

/** The service a check belongs to, as much of it as the check record repeats. */
export interface CheckOwner {
  readonly ID: string;
  readonly Service: string;
  readonly Tags?: readonly string[];
}

/**
 * The check ID Consul gives the `index`-th (0-based) of `count` checks embedded in a service
 * definition that did not name one: `service:<id>`, or `service:<id>:<n>` (1-based) when there
 * are several.
 */
export function serviceCheckId(serviceId: string, index: number, count: number): string {
  return count > 1 ? `service:${serviceId}:${index + 1}` : `service:${serviceId}`;
}

/**
 * Builds the record the agent registers for a definition.
 *
 * Without an ID the check takes its name as ID (agent API) or, when `service` is given with
 * `index`/`count`, the service-check ID; a service check without a name is called
 * "Service '<name>' check". Status starts at the definition's or critical.
 */
export function healthCheckFromDefinition(
  def: CheckDefinition,
  options: { node: string; service?: CheckOwner; index?: number; count?: number },
): HealthCheck {
  const service = options.service;
  let id = def.id;
  if (id === "" && service && options.index !== undefined) {
    id = serviceCheckId(service.ID, options.index, options.count ?? 1);
  }
  if (id === "") id = def.name;
  let name = def.name;
  if (name === "" && service) name = `Service '${service.Service}' check`;
  return {
    Node: options.node,
    CheckID: id,
    Name: name,
    Status: def.status === "" ? HEALTH_CRITICAL : def.status,
    Notes: def.notes,
    Output: "",
    ServiceID: service?.ID ?? def.serviceId,
    ServiceName: service?.Service ?? "",
    ServiceTags: service?.Tags ? [...service.Tags] : [],
    Type: checkKind(def) ?? "",
    Interval: def.intervalMs > 0 ? formatGoDuration(def.intervalMs) : "",
    Timeout: def.timeoutMs > 0 ? formatGoDuration(def.timeoutMs) : "",
  };
}
