/**
 * The gateway's small admin listener, in the spirit of Envoy's admin port (`-admin-bind`,
 * default `localhost:19000`): `GET /stats` answers the counters and a summary of the route
 * table as JSON, `GET /ready` answers 200 `LIVE` once routes are known and 503 before.
 *
 * It is read-only and has no configuration endpoints; still, bind it to loopback.
 *
 * @module
 */
import type { Http, HttpServer, ListenOptions } from "../runtime/ports.ts";
import type { GatewayCountersSnapshot } from "./counters.ts";
import type { ProxyStats } from "./proxy.ts";
import type { RouteTable, SkippedEntry } from "./route_table.ts";

/** Envoy's admin port default, which `consul connect envoy -admin-bind` also defaults to. */
export const DEFAULT_ADMIN_BIND = "localhost:19000";

/** A serializable view of a route table. */
export interface RouteTableSummary {
  readonly localDc: string;
  readonly domain: string;
  readonly trustDomain: string | null;
  readonly servers: readonly { node: string; addr: string; healthy: boolean }[];
  readonly remoteDcs: readonly {
    dc: string;
    healthyAddrs: readonly string[];
    unhealthyAddrs: readonly string[];
    gateways: number;
  }[];
  readonly skipped: readonly SkippedEntry[];
}

/** The `GET /stats` body. */
export interface GatewayStats {
  readonly counters: GatewayCountersSnapshot;
  readonly proxy: ProxyStats;
  readonly routes: RouteTableSummary;
}

/** What the admin listener reads. */
export interface AdminSources {
  readonly counters: () => GatewayCountersSnapshot;
  readonly proxy: () => ProxyStats;
  readonly routes: () => RouteTable;
  /** Whether the gateway is ready to route (listeners up, local servers read). */
  readonly ready: () => boolean;
}

/** Lists a route table's servers and remote datacenters, sorted by name. */
export function summarizeRouteTable(table: RouteTable): RouteTableSummary {
  const servers = [...table.servers.values()]
    .map(({ node, addr, healthy }) => ({ node, addr, healthy }))
    .sort((a, b) => compare(a.node, b.node));
  const remoteDcs = [...table.remoteDcs.values()]
    .map(({ dc, healthyAddrs, unhealthyAddrs, gatewayCount }) => ({
      dc,
      healthyAddrs,
      unhealthyAddrs,
      gateways: gatewayCount,
    }))
    .sort((a, b) => compare(a.dc, b.dc));
  return {
    localDc: table.localDc,
    domain: table.domain,
    trustDomain: table.trustDomain,
    servers,
    remoteDcs,
    skipped: table.skipped,
  };
}

/** Answers one admin request. */
export function handleAdminRequest(request: Request, sources: AdminSources): Response {
  const path = new URL(request.url).pathname;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed; the admin endpoints are read-only (GET).\n", {
      status: 405,
      headers: { Allow: "GET, HEAD" },
    });
  }
  if (path === "/ready") {
    return sources.ready()
      ? new Response("LIVE\n", { status: 200 })
      : new Response("PRE_INITIALIZING\n", { status: 503 });
  }
  if (path === "/stats") {
    const body: GatewayStats = {
      counters: sources.counters(),
      proxy: sources.proxy(),
      routes: summarizeRouteTable(sources.routes()),
    };
    return Response.json(body);
  }
  return new Response("Not found; try GET /stats or GET /ready.\n", { status: 404 });
}

/** Serves the admin endpoints on `where`. */
export function startAdminServer(
  http: Http,
  where: ListenOptions,
  sources: AdminSources,
): Promise<HttpServer> {
  return http.serve({ ...where, handler: (request) => handleAdminRequest(request, sources) });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
