/**
 * Reading mesh-gateway CheckServiceNodes as federation states carry them: which gateways
 * servers may dial, the address to dial each at, and Consul's `IsSame` comparison.
 *
 * The documents are JSON from the state store (possibly written by another datacenter), so
 * every field is read defensively: a malformed gateway is skipped, never trusted.
 *
 * @module
 */

import { META_WAN_FEDERATION_KEY } from "../endpoints/federation_state.ts";
import type { JsonObject, JsonValue } from "../state/mod.ts";

function objectAt(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as JsonObject
    : undefined;
}

function stringAt(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

function portAt(value: JsonValue | undefined): number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value < 65536
    ? value
    : 0;
}

function isWanFederationGateway(gateway: JsonObject): boolean {
  return objectAt(objectAt(gateway.Service)?.Meta)?.[META_WAN_FEDERATION_KEY] === "1";
}

function hasCriticalCheck(gateway: JsonObject): boolean {
  const checks = Array.isArray(gateway.Checks) ? gateway.Checks : [];
  return checks.some((check) => objectAt(check)?.Status === "critical");
}

/**
 * Consul's `retainGateways`: gateways whose service meta has `consul-wan-federation` = "1"
 * and none of whose checks is critical.
 */
export function retainWanFederationGateways(gateways: readonly JsonObject[]): JsonObject[] {
  return gateways.filter((gateway) =>
    isWanFederationGateway(gateway) && !hasCriticalCheck(gateway)
  );
}

/** Go's `net.JoinHostPort`: IPv6 literals get brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Consul's `CheckServiceNode.BestAddress(wan)` as "host:port": for WAN the service's `wan`
 * tagged address, then the service address, then the node's `wan` tagged address, then the
 * node address; for LAN the service address, then the node address. `null` when the gateway
 * names no address or port (Consul would render ":port"; nothing can dial that).
 */
export function gatewayAddress(gateway: JsonObject, wan: boolean): string | null {
  const service = objectAt(gateway.Service) ?? {};
  const node = objectAt(gateway.Node) ?? {};
  let host = stringAt(service.Address);
  let port = portAt(service.Port);
  const serviceWan = wan ? objectAt(objectAt(service.TaggedAddresses)?.wan) : undefined;
  if (serviceWan !== undefined) {
    host = stringAt(serviceWan.Address);
    port = portAt(serviceWan.Port) || port;
  }
  if (host === "") {
    const nodeWan = wan ? stringAt(objectAt(node.TaggedAddresses)?.wan) : "";
    host = nodeWan || stringAt(node.Address);
  }
  return host === "" || port === 0 ? null : joinHostPort(host, port);
}

/** The sorted, de-duplicated dial addresses of the usable gateways in `gateways`. */
export function renderGatewayAddrs(gateways: readonly JsonObject[], wan: boolean): string[] {
  return sortedAddrs(retainWanFederationGateways(gateways), wan, new Set());
}

/**
 * The sorted, de-duplicated dial addresses of the WAN-federation gateways in `gateways` that a
 * critical check keeps out of {@linkcode renderGatewayAddrs}, minus addresses a usable gateway
 * already has. Consul never dials these; Consulate dials them only when every usable gateway
 * has failed, because a state replicated while a new gateway's first check had not passed yet
 * would otherwise strand a secondary whose usable gateways have all gone since.
 */
export function renderCriticalGatewayAddrs(
  gateways: readonly JsonObject[],
  wan: boolean,
): string[] {
  const usable = new Set(renderGatewayAddrs(gateways, wan));
  const critical = gateways.filter((gateway) =>
    isWanFederationGateway(gateway) && hasCriticalCheck(gateway)
  );
  return sortedAddrs(critical, wan, usable);
}

function sortedAddrs(gateways: readonly JsonObject[], wan: boolean, exclude: Set<string>) {
  const addrs = new Set<string>();
  for (const gateway of gateways) {
    const addr = gatewayAddress(gateway, wan);
    if (addr !== null && !exclude.has(addr)) addrs.add(addr);
  }
  return [...addrs].sort();
}

const RAFT_INDEX_FIELDS = new Set(["CreateIndex", "ModifyIndex"]);

/** Deep equality of JSON values, ignoring key order and, at the top level, Raft indexes. */
function sameJson(a: unknown, b: unknown, skipIndexes: boolean): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i], false));
  }
  const keep = (key: string) => !(skipIndexes && RAFT_INDEX_FIELDS.has(key));
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord).filter(keep);
  const bKeys = Object.keys(bRecord).filter(keep);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => key in bRecord && sameJson(aRecord[key], bRecord[key], false));
}

/**
 * Consul's `FederationState.IsSame`: same datacenter and, position by position, the same
 * gateway nodes, services and checks, ignoring Raft indexes and `UpdatedAt`. No sorting: the
 * catalog returns gateways in a stable order.
 */
export function isSameFederationState(
  a: { readonly Datacenter: string; readonly MeshGateways?: readonly unknown[] | null },
  b: { readonly Datacenter: string; readonly MeshGateways?: readonly unknown[] | null },
): boolean {
  if (a.Datacenter !== b.Datacenter) return false;
  const aGateways = a.MeshGateways ?? [];
  const bGateways = b.MeshGateways ?? [];
  if (aGateways.length !== bGateways.length) return false;
  return aGateways.every((gateway, i) => {
    const x = gateway as Record<string, unknown>;
    const y = bGateways[i] as Record<string, unknown>;
    if (!sameJson(x.Node, y.Node, true) || !sameJson(x.Service, y.Service, true)) return false;
    const xChecks = Array.isArray(x.Checks) ? x.Checks : [];
    const yChecks = Array.isArray(y.Checks) ? y.Checks : [];
    return xChecks.length === yChecks.length &&
      xChecks.every((check, j) => sameJson(check, yChecks[j], true));
  });
}
