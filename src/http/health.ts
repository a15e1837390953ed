/**
 * `/v1/health/*`: a node's checks, a service's checks, checks in a state, and service
 * instances with their health (`?passing`, `?tag`, `?node-meta`, `?filter`).
 */

import type { HandlerContext } from "./context.ts";
import { badRequest } from "./errors.ts";
import { tagFilter } from "./catalog.ts";
import { parseGoBool, parseNodeMeta } from "./query.ts";
import type { Route } from "./router.ts";

const STATES = ["any", "passing", "warning", "critical"] as const;

async function nodeChecks(ctx: HandlerContext) {
  const node = ctx.req.rest("/v1/health/node/");
  if (node === "") throw badRequest("Missing node name");
  const reply = await ctx.read("Health.NodeChecks", { ...ctx.query(), Node: node });
  return reply.HealthChecks ?? [];
}

async function serviceChecks(ctx: HandlerContext) {
  const name = ctx.req.rest("/v1/health/checks/");
  if (name === "") throw badRequest("Missing service name");
  const reply = await ctx.read("Health.ServiceChecks", {
    ...ctx.query(),
    ServiceName: name,
    NodeMetaFilters: parseNodeMeta(ctx.req),
  });
  return reply.HealthChecks ?? [];
}

async function checksInState(ctx: HandlerContext) {
  const state = ctx.req.rest("/v1/health/state/");
  if (state === "") throw badRequest("Missing check state");
  const known = STATES.find((candidate) => candidate === state);
  if (known === undefined) throw badRequest("Invalid check state");
  const reply = await ctx.read("Health.ChecksInState", {
    ...ctx.query(),
    State: known,
    NodeMetaFilters: parseNodeMeta(ctx.req),
  });
  return reply.HealthChecks ?? [];
}

/** `?passing`, bare or with a Go boolean. */
function passingOnly(ctx: HandlerContext): boolean {
  if (!ctx.req.has("passing")) return false;
  const raw = ctx.req.get("passing");
  if (raw === "") return true;
  const value = parseGoBool(raw);
  if (value === undefined) throw badRequest("Invalid value for ?passing");
  return value;
}

async function serviceNodes(ctx: HandlerContext) {
  const name = ctx.req.rest("/v1/health/service/");
  if (name === "") throw badRequest("Missing service name");
  const reply = await ctx.read("Health.ServiceNodes", {
    ...ctx.query(),
    ServiceName: name,
    NodeMetaFilters: parseNodeMeta(ctx.req),
    PassingOnly: passingOnly(ctx),
    ...tagFilter(ctx),
  });
  return reply.Nodes ?? [];
}

/** The health routes. */
export const HEALTH_ROUTES: readonly Route[] = [
  { path: "/v1/health/node/", methods: ["GET"], handler: nodeChecks },
  { path: "/v1/health/checks/", methods: ["GET"], handler: serviceChecks },
  { path: "/v1/health/state/", methods: ["GET"], handler: checksInState },
  { path: "/v1/health/service/", methods: ["GET"], handler: serviceNodes },
];
