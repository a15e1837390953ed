/**
 * Agent reads: `/v1/agent/self`, `members`, `services`, `service/:id` (with hash blocking) and
 * `checks`, answered from the agent's own records in Consul's shapes.
 */

import type { HealthCheck } from "../agent/checks/mod.ts";
import type { NodeService } from "../agent/local/mod.ts";
import { compileFilter, FILTER_FIELDS } from "../endpoints/mod.ts";
import { queryTimeMs } from "../endpoints/mod.ts";
import type { HandlerContext } from "./context.ts";
import type { AgentMember } from "./deps.ts";
import { badRequest, notFound } from "./errors.ts";
import { parseWait } from "./query.ts";
import type { Route } from "./router.ts";

/** Consul's `api.AgentService` JSON for a local service, fields in Consul's order. */
export function agentServiceJson(service: NodeService, datacenter: string) {
  const tagged = service.TaggedAddresses ?? {};
  return {
    ...(service.Kind ? { Kind: service.Kind } : {}),
    ID: service.ID,
    Service: service.Service,
    Tags: service.Tags ?? [],
    Meta: service.Meta ?? {},
    Port: service.Port ?? 0,
    Address: service.Address ?? "",
    ...(service.SocketPath ? { SocketPath: service.SocketPath } : {}),
    ...(Object.keys(tagged).length > 0 ? { TaggedAddresses: tagged } : {}),
    Weights: service.Weights ?? { Passing: 1, Warning: 1 },
    EnableTagOverride: service.EnableTagOverride ?? false,
    ...(service.Proxy ? { Proxy: service.Proxy } : {}),
    ...(service.Connect ? { Connect: service.Connect } : {}),
    Datacenter: datacenter,
  };
}

/** Consul's `structs.HealthCheck` JSON for a local check. */
export function agentCheckJson(check: HealthCheck) {
  return {
    ...check,
    ServiceTags: check.ServiceTags ?? [],
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/** This agent as its only gossip member, for use until gossip exists. */
export function selfMember(options: {
  nodeName: string;
  address: string;
  serfLanPort: number;
  datacenter: string;
  nodeId: string;
  server: boolean;
  version: string;
  rpcPort: number;
}): AgentMember {
  const tags: Record<string, string> = {
    build: options.version,
    dc: options.datacenter,
    id: options.nodeId,
    role: options.server ? "consul" : "node",
    segment: "",
    vsn: "2",
    vsn_max: "3",
    vsn_min: "2",
  };
  if (options.server) Object.assign(tags, { port: String(options.rpcPort), raft_vsn: "3" });
  return {
    Name: options.nodeName,
    Addr: options.address,
    Port: options.serfLanPort,
    Tags: tags,
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

function agentSelf(ctx: HandlerContext) {
  const { identity, state } = ctx.deps;
  const services = state.listServices();
  const checks = state.listChecks();
  return {
    Config: {
      Datacenter: identity.datacenter,
      PrimaryDatacenter: identity.primaryDatacenter,
      NodeName: identity.nodeName,
      NodeID: identity.nodeId,
      Revision: identity.revision,
      Server: identity.server,
      Version: identity.version,
      BuildDate: identity.buildDate,
    },
    DebugConfig: ctx.deps.debugConfig?.() ?? {},
    Coord: null,
    Member: ctx.deps.self,
    Stats: {
      agent: {
        check_monitors: "0",
        check_ttls: String(checks.filter((check) => check.Type === "ttl").length),
        checks: String(checks.length),
        services: String(services.length),
      },
      ...ctx.deps.stats?.(),
    },
    Meta: state.nodeInfo().Meta,
  };
}

function agentMembers(ctx: HandlerContext) {
  const wan = ctx.req.get("wan") !== "";
  const segment = ctx.req.get("segment");
  if (wan && segment !== "" && segment !== "_all") {
    throw badRequest("Cannot provide a segment with wan=true");
  }
  if (ctx.deps.membership) return ctx.deps.membership.members(wan);
  return [ctx.deps.self];
}

function filtered<T>(ctx: HandlerContext, entries: [string, T][], fields: string[]) {
  const expression = ctx.req.get("filter");
  const keep = expression.trim() === "" ? () => true : compileFilter(expression, fields);
  return Object.fromEntries(entries.filter(([, value]) => keep(value)));
}

const SERVICE_FIELDS = [
  "Kind",
  "ID",
  "Service",
  "Tags",
  "Meta",
  "Port",
  "Address",
  "SocketPath",
  "TaggedAddresses",
  "Weights",
  "EnableTagOverride",
  "Proxy",
  "Connect",
  "Datacenter",
];

/** An agent's check carries the catalog check's fields plus the port it is exposed on. */
const CHECK_FIELDS = [...FILTER_FIELDS.check, "ExposedPort"];

function agentServices(ctx: HandlerContext) {
  const dc = ctx.deps.identity.datacenter;
  const entries = ctx.deps.state.listServices()
    .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))
    .map((service): [string, unknown] => [service.ID, agentServiceJson(service, dc)]);
  return filtered(ctx, entries, SERVICE_FIELDS);
}

function agentChecks(ctx: HandlerContext) {
  const entries = ctx.deps.state.listChecks()
    .sort((a, b) => (a.CheckID < b.CheckID ? -1 : a.CheckID > b.CheckID ? 1 : 0))
    .map((check): [string, unknown] => [check.CheckID, agentCheckJson(check)]);
  return filtered(ctx, entries, CHECK_FIELDS);
}

/** A short content hash of a JSON document (Consul uses hashstructure; any stable hash does). */
async function contentHash(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function agentService(ctx: HandlerContext) {
  const id = ctx.req.rest("/v1/agent/service/");
  const wait = parseWait(ctx.req);
  const hash = ctx.req.get("hash");
  const dc = ctx.deps.identity.datacenter;
  const deadline = ctx.deps.clock.monotonicMs() + queryTimeMs(wait.MaxQueryTime);
  for (;;) {
    const service = ctx.deps.state.service(id);
    if (!service) throw notFound(`unknown service ID: ${id}`);
    const reply = agentServiceJson(service, dc);
    const current = await contentHash(reply);
    const remainingMs = deadline - ctx.deps.clock.monotonicMs();
    const feed = ctx.deps.localChanges;
    if (hash === "" || hash !== current || !feed || remainingMs <= 0) {
      ctx.headers.set("X-Consul-ContentHash", current);
      return { ...reply, ContentHash: current };
    }
    const outcome = await feed.wait(ctx.deps.clock, remainingMs, ctx.signal);
    if (outcome === "aborted") throw new Error("The request was canceled before it completed");
  }
}

/** The agent read routes. */
export const AGENT_READ_ROUTES: readonly Route[] = [
  { path: "/v1/agent/self", methods: ["GET"], handler: agentSelf },
  { path: "/v1/agent/members", methods: ["GET"], handler: agentMembers },
  { path: "/v1/agent/services", methods: ["GET"], handler: agentServices },
  { path: "/v1/agent/service/", methods: ["GET"], handler: agentService },
  { path: "/v1/agent/checks", methods: ["GET"], handler: agentChecks },
];
