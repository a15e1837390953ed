/**
 * Catalog writes with Consul's semantics: registration upserts node, service and checks (a
 * row whose data did not change keeps its ModifyIndex); deregistration cascades from node to
 * services, checks, coordinates and sessions; check changes invalidate dependent sessions.
 *
 * @module
 */

import { fold, serviceWatch } from "./_catalog_tables.ts";
import {
  deepFreeze,
  optBool,
  optCount,
  optObject,
  optString,
  optStringMap,
  optStrings,
  requireName,
  sameContent,
} from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import type { CheckInput, NodeInput, ServiceInput } from "./commands.ts";
import { quote, StateError } from "./errors.ts";
import { SERVICE_EXTINCTION_INDEX, serviceIndexName } from "./indexes.ts";
import type {
  CheckRow,
  HealthStatus,
  JsonObject,
  NodeRow,
  ServiceAddress,
  ServiceRow,
  ServiceWeights,
} from "./rows.ts";
import { destroySession, invalidateSessionsOfCheck } from "./sessions.ts";

const STATUSES: readonly HealthStatus[] = ["passing", "warning", "critical"];

/** Marks a service name as changed: bumps its index and wakes its watchers. */
function touchService(t: Tables, service: string): void {
  t.indexes.bump(serviceIndexName(service));
  t.tx.touch(serviceWatch(service));
}

/** After an instance of `service` went away: bump it, or record its extinction. */
function serviceRemoved(t: Tables, service: string): void {
  if (t.services.hasName(service)) return touchService(t, service);
  t.indexes.remove(serviceIndexName(service));
  t.indexes.bump(SERVICE_EXTINCTION_INDEX);
  t.tx.touch(serviceWatch(service));
}

function touchServicesOfNode(t: Tables, node: string): void {
  for (const service of t.services.ofNode(node)) touchService(t, service.Service);
}

/**
 * Inserts or updates a node; unchanged data is a no-op.
 *
 * @throws {StateError} when the name is missing or the node ID belongs to another node.
 */
export function ensureNode(t: Tables, input: NodeInput): NodeRow {
  const name = requireName(input?.Node, "Node");
  const id = optString(input.ID, "Node ID");
  const owner = id === "" ? undefined : t.nodes.getById(id);
  if (owner !== undefined && fold(owner.Node) !== fold(name)) {
    throw new StateError(
      "node_id_conflict",
      `Error ensuring node: node ID ${quote(id)} for node ${quote(name)} aliases existing node ${
        quote(owner.Node)
      }`,
    );
  }
  const existing = t.nodes.get(name);
  const row: NodeRow = deepFreeze({
    ID: id,
    Node: name,
    Address: optString(input.Address, "Node Address"),
    Datacenter: optString(input.Datacenter, "Node Datacenter"),
    TaggedAddresses: optStringMap(input.TaggedAddresses, "Node TaggedAddresses"),
    Meta: optStringMap(input.Meta, "Node Meta"),
    CreateIndex: existing?.CreateIndex ?? t.tx.index,
    ModifyIndex: t.tx.index,
  });
  if (existing !== undefined && sameContent(existing, row)) return existing;
  t.nodes.put(row);
  touchServicesOfNode(t, name);
  return row;
}

function taggedServiceAddresses(value: unknown): Record<string, ServiceAddress> {
  const map = optObject(value, "Service TaggedAddresses") ?? {};
  for (const [tag, address] of Object.entries(map)) {
    const ok = typeof address === "object" && address !== null &&
      typeof (address as ServiceAddress).Address === "string" &&
      Number.isSafeInteger((address as ServiceAddress).Port);
    if (!ok) {
      throw new StateError(
        "invalid_input",
        `Service TaggedAddresses ${quote(tag)} must be an object with Address and Port`,
      );
    }
  }
  return map as Record<string, ServiceAddress>;
}

function weightsOf(value: ServiceInput["Weights"]): ServiceWeights {
  if (value === undefined || value === null) return { Passing: 1, Warning: 1 };
  return {
    Passing: optCount(value.Passing, "Service Weights Passing"),
    Warning: optCount(value.Warning, "Service Weights Warning"),
  };
}

function serviceRow(t: Tables, node: NodeRow, input: ServiceInput): ServiceRow {
  const service = requireName(input?.Service, "Service name");
  const existing = t.services.get(node.Node, optString(input.ID, "Service ID") || service);
  return deepFreeze({
    Node: node.Node,
    ID: optString(input.ID, "Service ID") || service,
    Service: service,
    Tags: optStrings(input.Tags, "Service Tags"),
    Address: optString(input.Address, "Service Address"),
    TaggedAddresses: taggedServiceAddresses(input.TaggedAddresses),
    Meta: optStringMap(input.Meta, "Service Meta"),
    Port: optCount(input.Port, "Service Port"),
    Weights: weightsOf(input.Weights),
    EnableTagOverride: optBool(input.EnableTagOverride, "Service EnableTagOverride"),
    Kind: optString(input.Kind, "Service Kind"),
    Proxy: optObject(input.Proxy, "Service Proxy") as JsonObject | null,
    Connect: optObject(input.Connect, "Service Connect") as JsonObject | null,
    CreateIndex: existing?.CreateIndex ?? t.tx.index,
    ModifyIndex: t.tx.index,
  });
}

/**
 * Inserts or updates a service instance on an existing node; unchanged data is a no-op. A
 * rename or retag is copied into the instance's checks.
 *
 * @throws {StateError} when the node is not registered or a field has the wrong type.
 */
export function ensureService(t: Tables, nodeName: string, input: ServiceInput): ServiceRow {
  const node = t.nodes.get(nodeName);
  if (node === undefined) throw new StateError("missing_node", "Missing node registration");
  const row = serviceRow(t, node, input);
  const existing = t.services.get(node.Node, row.ID);
  if (existing !== undefined && sameContent(existing, row)) return existing;
  t.services.put(row);
  touchService(t, row.Service);
  if (existing === undefined) return row;
  if (fold(existing.Service) !== fold(row.Service)) serviceRemoved(t, existing.Service);
  if (existing.Service !== row.Service || !sameContent(existing.Tags, row.Tags)) {
    for (const check of t.checks.ofNode(node.Node)) {
      if (fold(check.ServiceID) !== fold(row.ID)) continue;
      const updated = { ...check, ServiceName: row.Service, ServiceTags: row.Tags };
      t.checks.put(deepFreeze({ ...updated, ModifyIndex: t.tx.index }));
    }
  }
  return row;
}

function statusOf(value: unknown): HealthStatus {
  if (value === undefined || value === null || value === "") return "critical";
  if (STATUSES.includes(value as HealthStatus)) return value as HealthStatus;
  throw new StateError(
    "invalid_input",
    `Check status ${quote(String(value))} is invalid; use passing, warning or critical`,
  );
}

function checkRow(t: Tables, node: NodeRow, input: CheckInput): CheckRow {
  const checkId = requireName(input?.CheckID, "CheckID");
  const serviceId = optString(input.ServiceID, "Check ServiceID");
  const service = serviceId === "" ? undefined : t.services.get(node.Node, serviceId);
  if (serviceId !== "" && service === undefined) {
    throw new StateError("missing_service", "Missing service registration");
  }
  const existing = t.checks.get(node.Node, checkId);
  return deepFreeze({
    Node: node.Node,
    CheckID: checkId,
    Name: optString(input.Name, "Check Name"),
    Status: statusOf(input.Status),
    Notes: optString(input.Notes, "Check Notes"),
    Output: optString(input.Output, "Check Output"),
    ServiceID: service?.ID ?? "",
    ServiceName: service?.Service ?? "",
    ServiceTags: service === undefined ? [] : [...service.Tags],
    Type: optString(input.Type, "Check Type"),
    Definition: (optObject(input.Definition, "Check Definition") ?? {}) as JsonObject,
    Interval: optString(input.Interval, "Check Interval"),
    Timeout: optString(input.Timeout, "Check Timeout"),
    CreateIndex: existing?.CreateIndex ?? t.tx.index,
    ModifyIndex: t.tx.index,
  });
}

function touchCheckServices(t: Tables, check: CheckRow): void {
  if (check.ServiceID === "") touchServicesOfNode(t, check.Node);
  else touchService(t, check.ServiceName);
}

/**
 * Inserts or updates a check; unchanged data is a no-op. A critical check invalidates the
 * sessions that list it.
 *
 * @throws {StateError} when the node, or the service named by ServiceID, is not registered.
 */
export function ensureCheck(t: Tables, nodeName: string, input: CheckInput): CheckRow {
  const node = t.nodes.get(nodeName);
  if (node === undefined) throw new StateError("missing_node", "Missing node registration");
  const row = checkRow(t, node, input);
  const existing = t.checks.get(node.Node, row.CheckID);
  if (existing !== undefined && sameContent(existing, row)) return existing;
  t.checks.put(row);
  touchCheckServices(t, row);
  if (row.Status === "critical") invalidateSessionsOfCheck(t, node.Node, row.CheckID);
  return row;
}

/** Deletes a check and invalidates the sessions that list it. No-op when absent. */
export function deleteCheck(t: Tables, node: string, checkId: string): void {
  const check = t.checks.get(node, checkId);
  if (check === undefined) return;
  t.checks.remove(node, checkId);
  touchCheckServices(t, check);
  invalidateSessionsOfCheck(t, check.Node, check.CheckID);
}

/** Deletes a service instance and its checks. No-op when absent. */
export function deleteService(t: Tables, node: string, serviceId: string): void {
  const service = t.services.get(node, serviceId);
  if (service === undefined) return;
  for (const check of t.checks.ofNode(node)) {
    if (fold(check.ServiceID) === fold(service.ID)) deleteCheck(t, node, check.CheckID);
  }
  t.services.remove(node, serviceId);
  serviceRemoved(t, service.Service);
}

/** Deletes a node with its services, checks, coordinates and sessions. No-op when absent. */
export function deleteNode(t: Tables, name: string): void {
  if (t.nodes.get(name) === undefined) return;
  for (const service of t.services.ofNode(name)) deleteService(t, name, service.ID);
  for (const check of t.checks.ofNode(name)) deleteCheck(t, name, check.CheckID);
  t.coordinates.removeNode(name);
  for (const session of t.sessions.ofNode(name)) destroySession(t, session.ID);
  t.nodes.remove(name);
}

/** What one `catalog.register` command carries. */
export interface Registration {
  readonly node: NodeInput;
  readonly service?: ServiceInput;
  readonly checks?: readonly CheckInput[];
  readonly skipNodeUpdate?: boolean;
}

/**
 * Applies a registration: node (unless skipped and present), then service, then checks.
 *
 * @throws {StateError} on invalid input or a check naming another node.
 */
export function ensureRegistration(t: Tables, registration: Registration): void {
  const name = requireName(registration.node?.Node, "Node");
  if (!registration.skipNodeUpdate || t.nodes.get(name) === undefined) {
    ensureNode(t, registration.node);
  }
  if (registration.service !== undefined && registration.service !== null) {
    ensureService(t, name, registration.service);
  }
  for (const check of registration.checks ?? []) {
    const checkNode = optString(check?.Node, "Check Node");
    if (checkNode !== "" && fold(checkNode) !== fold(name)) {
      throw new StateError(
        "invalid_input",
        `Check node ${quote(checkNode)} does not match registration node ${quote(name)}`,
      );
    }
    ensureCheck(t, name, check);
  }
}
