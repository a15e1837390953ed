/**
 * The mesh gateway's route table: which SNI names go to which local server or remote gateway.
 *
 * Built from the local catalog (servers) and the replicated federation states (other DCs'
 * gateways); consulted once per connection with the SNI from its ClientHello. Pure: the
 * random pick among healthy targets comes from a {@linkcode Random} port.
 *
 * @module
 */
import assert from "node:assert";
import type { Random } from "../runtime/ports.ts";
import { parseHostPort } from "./host_port.ts";
import { isValidLabel, isValidServerName, normalizeServerName } from "./server_name.ts";

/** A server of the local datacenter, from the catalog. */
export interface LocalServerEntry {
  /** Node name; dot-free, as in `<node>.server.<dc>.<domain>`. */
  readonly node: string;
  /** The server's RPC address, `host:port`. */
  readonly rpcAddr: string;
  readonly healthy: boolean;
}

/** A mesh gateway of some datacenter, from the federation states. */
export interface GatewayEntry {
  /** The gateway's WAN address, `host:port`. */
  readonly addr: string;
  readonly healthy: boolean;
}

/** What {@linkcode buildRouteTable} needs. */
export interface RouteTableInput {
  readonly localDc: string;
  /** The Consul domain, e.g. `consul`; case and a trailing dot do not matter. */
  readonly domain: string;
  /** The Connect trust domain (`<cluster-id>.consul`); enables `*.<dc>.internal.<td>` routes. */
  readonly trustDomain?: string;
  readonly localServers: readonly LocalServerEntry[];
  /** Gateways by datacenter; the local datacenter's own entry is ignored. */
  readonly gatewaysByDc: ReadonlyMap<string, readonly GatewayEntry[]>;
}

/** A catalog or federation-state entry the table could not use, for logging. */
export interface SkippedEntry {
  readonly source: "local-server" | "gateway";
  /** Node name for servers, datacenter for gateways. */
  readonly name: string;
  readonly reason: string;
}

/** A routable server of the local datacenter. */
export interface ServerRoute {
  readonly node: string;
  readonly addr: string;
  readonly healthy: boolean;
}

/** A remote datacenter and the addresses of its gateways. */
export interface RemoteDcRoute {
  readonly dc: string;
  readonly healthyAddrs: readonly string[];
  /**
   * Listed but unhealthy, minus the healthy addresses: used only when no healthy gateway is
   * left or reachable (a state replicated before a new gateway's first check passed).
   */
  readonly unhealthyAddrs: readonly string[];
  readonly gatewayCount: number;
}

/** An immutable routing snapshot; rebuild it when the catalog or federation states change. */
export interface RouteTable {
  /** Lower case. */
  readonly localDc: string;
  /** Lower case, no trailing dot. */
  readonly domain: string;
  /** Lower case, no trailing dot; `null` when mesh (`.internal.`) routing is off. */
  readonly trustDomain: string | null;
  /** Local servers keyed by lower-case node name. */
  readonly servers: ReadonlyMap<string, ServerRoute>;
  readonly healthyServers: readonly ServerRoute[];
  /** Remote datacenters keyed by lower-case name. */
  readonly remoteDcs: ReadonlyMap<string, RemoteDcRoute>;
  readonly skipped: readonly SkippedEntry[];
}

/** Why a connection was refused by the route table; each value is a stable counter label. */
export type RouteRejectReason =
  | "missing-server-name"
  | "malformed-name"
  | "unknown-domain"
  | "unknown-name"
  | "unknown-datacenter"
  | "unknown-server"
  | "no-healthy-server"
  | "no-healthy-gateway"
  | "local-service-not-routed";

/** Where one connection goes. */
export type RouteDecision =
  | { readonly kind: "local-server"; readonly node: string; readonly addr: string }
  | { readonly kind: "any-local-server"; readonly node: string; readonly addr: string }
  | { readonly kind: "remote-dc"; readonly dc: string; readonly addr: string }
  | { readonly kind: "reject"; readonly reason: RouteRejectReason };

/** The gateway's own settings (datacenter, domain, trust domain) are unusable. */
export class RouteTableConfigError extends Error {
  override readonly name = "RouteTableConfigError";
}

/**
 * Builds a route table. Entries that cannot be routed (bad node names, bad addresses,
 * duplicates) are left out and listed in `skipped` rather than failing the whole table, because
 * one bad catalog row must not take down routing for everyone else.
 *
 * @throws {RouteTableConfigError} when `localDc`, `domain` or `trustDomain` is not a valid name.
 * @example
 * ```ts
 * const table = buildRouteTable({
 *   localDc: "dc1", domain: "consul",
 *   localServers: [{ node: "s1", rpcAddr: "10.0.0.1:8300", healthy: true }],
 *   gatewaysByDc: new Map([["dc2", [{ addr: "198.18.1.1:443", healthy: true }]]]),
 * });
 * ```
 */
export function buildRouteTable(input: RouteTableInput): RouteTable {
  const localDc = checkConfigName("datacenter", input.localDc, true);
  const domain = checkConfigName("domain", input.domain, false);
  const trustDomain = input.trustDomain === undefined
    ? null
    : checkConfigName("trust domain", input.trustDomain, false);
  const skipped: SkippedEntry[] = [];
  const servers = buildServers(input.localServers, skipped);
  const healthyServers = [...servers.values()].filter((server) => server.healthy);
  const remoteDcs = buildRemoteDcs(input.gatewaysByDc, localDc, skipped);
  return { localDc, domain, trustDomain, servers, healthyServers, remoteDcs, skipped };
}

function checkConfigName(what: string, value: string, singleLabel: boolean): string {
  const valid = singleLabel ? isValidLabel(value) : isValidServerName(value);
  if (!valid) {
    const allowed = singleLabel
      ? "one label of letters, digits, '-' or '_'"
      : "a DNS name of letters, digits, '-' or '_' labels separated by dots";
    throw new RouteTableConfigError(
      `Gateway ${what} ${JSON.stringify(value)} is not valid: use ${allowed}.`,
    );
  }
  return normalizeServerName(value);
}

function buildServers(
  entries: readonly LocalServerEntry[],
  skipped: SkippedEntry[],
): Map<string, ServerRoute> {
  const servers = new Map<string, ServerRoute>();
  for (const entry of entries) {
    const skip = (reason: string) =>
      skipped.push({ source: "local-server", name: entry.node, reason });
    const key = entry.node.toLowerCase();
    if (!isValidLabel(entry.node)) skip("node name cannot appear in an SNI label");
    else if (parseHostPort(entry.rpcAddr) === null) skip(`bad RPC address ${entry.rpcAddr}`);
    else if (servers.has(key)) skip("another server has the same name, ignoring case");
    else servers.set(key, { node: entry.node, addr: entry.rpcAddr, healthy: entry.healthy });
  }
  return servers;
}

function buildRemoteDcs(
  gatewaysByDc: ReadonlyMap<string, readonly GatewayEntry[]>,
  localDc: string,
  skipped: SkippedEntry[],
): Map<string, RemoteDcRoute> {
  const remote = new Map<string, RemoteDcRoute>();
  for (const [dc, gateways] of gatewaysByDc) {
    const skip = (reason: string) => skipped.push({ source: "gateway", name: dc, reason });
    const key = dc.toLowerCase();
    // Our own gateways are not a route: forwarding local names to them would loop.
    if (key === localDc) continue;
    if (!isValidLabel(dc)) {
      skip("datacenter name cannot appear in an SNI label");
      continue;
    }
    if (remote.has(key)) {
      skip("another datacenter has the same name, ignoring case");
      continue;
    }
    const healthyAddrs: string[] = [];
    const unhealthy: string[] = [];
    for (const gateway of gateways) {
      if (parseHostPort(gateway.addr) === null) skip(`bad gateway address ${gateway.addr}`);
      else (gateway.healthy ? healthyAddrs : unhealthy).push(gateway.addr);
    }
    const unhealthyAddrs = unhealthy.filter((addr) => !healthyAddrs.includes(addr));
    remote.set(key, { dc, healthyAddrs, unhealthyAddrs, gatewayCount: gateways.length });
  }
  return remote;
}

/**
 * Decides where a connection with SNI `serverName` goes.
 *
 * - `<node>.server.<localdc>.<domain>` → that server, if healthy.
 * - `server.<localdc>.<domain>` → a random healthy local server.
 * - `<node>.server.<dc>.<domain>`, `server.<dc>.<domain>` and (with a trust domain)
 *   `<anything>.<dc>.internal.<trustdomain>` for another DC → a random healthy gateway of it,
 *   or, when it has none, a random one of its unhealthy gateways (the last resort).
 * - Anything else → `reject` with a reason.
 */
export function resolveRoute(
  table: RouteTable,
  serverName: string | null,
  random: Random,
): RouteDecision {
  if (serverName === null) return reject("missing-server-name");
  if (!isValidServerName(serverName)) return reject("malformed-name");
  const name = normalizeServerName(serverName);
  if (table.trustDomain !== null) {
    const meshSuffix = `.internal.${table.trustDomain}`;
    if (name.endsWith(meshSuffix)) {
      return resolveMesh(table, name.slice(0, -meshSuffix.length), random);
    }
  }
  const domainSuffix = `.${table.domain}`;
  if (!name.endsWith(domainSuffix)) return reject("unknown-domain");
  const labels = name.slice(0, -domainSuffix.length).split(".");
  if (labels.length === 2 && labels[0] === "server") {
    return resolveServer(table, labels[1], null, random);
  }
  if (labels.length === 3 && labels[1] === "server") {
    return resolveServer(table, labels[2], labels[0], random);
  }
  return reject("unknown-name");
}

function resolveServer(
  table: RouteTable,
  dc: string,
  node: string | null,
  random: Random,
): RouteDecision {
  if (dc !== table.localDc) return pickGateway(table, dc, random);
  if (node === null) {
    if (table.healthyServers.length === 0) return reject("no-healthy-server");
    const server = pick(table.healthyServers, random);
    return { kind: "any-local-server", node: server.node, addr: server.addr };
  }
  const server = table.servers.get(node);
  if (server === undefined) return reject("unknown-server");
  if (!server.healthy) return reject("no-healthy-server");
  return { kind: "local-server", node: server.node, addr: server.addr };
}

/** `<service>[.<subset>].<ns>.<dc>` before `.internal.<td>`: only the last label matters. */
function resolveMesh(table: RouteTable, prefix: string, random: Random): RouteDecision {
  const labels = prefix.split(".");
  // Envoy's `*.<dc>.internal.<td>` needs at least one label before the datacenter.
  if (labels.length < 2) return reject("unknown-name");
  const dc = labels[labels.length - 1];
  // Local service instances are Connect traffic, which this gateway does not carry.
  if (dc === table.localDc) return reject("local-service-not-routed");
  return pickGateway(table, dc, random);
}

function pickGateway(table: RouteTable, dc: string, random: Random): RouteDecision {
  const remote = table.remoteDcs.get(dc);
  if (remote === undefined) return reject("unknown-datacenter");
  const candidates = remote.healthyAddrs.length > 0 ? remote.healthyAddrs : remote.unhealthyAddrs;
  if (candidates.length === 0) return reject("no-healthy-gateway");
  const addr = pick(candidates, random);
  return { kind: "remote-dc", dc: remote.dc, addr };
}

function pick<T>(items: readonly T[], random: Random): T {
  const index = random.int(items.length);
  assert(Number.isInteger(index) && index >= 0 && index < items.length, "Random.int out of range");
  return items[index];
}

function reject(reason: RouteRejectReason): RouteDecision {
  return { kind: "reject", reason };
}
