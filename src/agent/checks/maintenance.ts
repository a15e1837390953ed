/** Consul's maintenance-mode checks: their IDs, names and default reasons. */

import type { HealthCheck } from "./health_check.ts";
import { HEALTH_CRITICAL } from "./status.ts";

/** Consul's `structs.NodeMaint`: the node maintenance check ID. */
export const NODE_MAINTENANCE_CHECK_ID = "_node_maintenance";
/** Consul's `structs.ServiceMaintPrefix`: followed by the service ID. */
export const SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:";
/** Notes used when node maintenance is enabled without a reason. */
export const DEFAULT_NODE_MAINTENANCE_REASON =
  "Maintenance mode is enabled for this node, but no reason was provided. This is a default message.";
/** Notes used when service maintenance is enabled without a reason. */
export const DEFAULT_SERVICE_MAINTENANCE_REASON =
  "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.";

/** The maintenance check ID of service `serviceId`. */
export function serviceMaintenanceCheckId(serviceId: string): string {
  return `${SERVICE_MAINTENANCE_PREFIX}${serviceId}`;
}

/** True for the IDs of node and service maintenance checks. */
export function isMaintenanceCheckId(checkId: string): boolean {
  return checkId === NODE_MAINTENANCE_CHECK_ID || checkId.startsWith(SERVICE_MAINTENANCE_PREFIX);
}

/** The critical check that takes node `node` out of service. */
export function nodeMaintenanceCheck(node: string, reason: string): HealthCheck {
  return {
    Node: node,
    CheckID: NODE_MAINTENANCE_CHECK_ID,
    Name: "Node Maintenance Mode",
    Status: HEALTH_CRITICAL,
    Notes: reason === "" ? DEFAULT_NODE_MAINTENANCE_REASON : reason,
    Output: "",
    ServiceID: "",
    ServiceName: "",
    ServiceTags: [],
    Type: "maintenance",
    Interval: "",
    Timeout: "",
  };
}

/** The critical check that takes one service instance out of service. */
export function serviceMaintenanceCheck(
  node: string,
  service: { readonly ID: string; readonly Service: string; readonly Tags?: readonly string[] },
  reason: string,
): HealthCheck {
  return {
    Node: node,
    CheckID: serviceMaintenanceCheckId(service.ID),
    Name: "Service Maintenance Mode",
    Status: HEALTH_CRITICAL,
    Notes: reason === "" ? DEFAULT_SERVICE_MAINTENANCE_REASON : reason,
    Output: "",
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags ? [...service.Tags] : [],
    Type: "maintenance",
    Interval: "",
    Timeout: "",
  };
}
