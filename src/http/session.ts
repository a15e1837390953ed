/**
 * `/v1/session/*`: create (Consul's defaults: this agent's node, the `serfHealth` check,
 * 15 s lock delay, "release"), destroy, renew, info, node and list.
 */

import type { SessionInputBody } from "../endpoints/mod.ts";
import { Fields, type Json } from "./_fields.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, notFound } from "./errors.ts";
import type { Route } from "./router.ts";
import { parseDurationParam } from "./query.ts";

/** Consul's `structs.SerfCheckID`: the gossip health check every node has. */
export const SERF_HEALTH_CHECK_ID = "serfHealth";

/** Lock delay when the request names none (Consul's 15 s), in nanoseconds. */
export const DEFAULT_LOCK_DELAY_NS = 15e9;

/** Consul's `lockDelayMinThreshold`: smaller numbers are taken as seconds. */
const LOCK_DELAY_SECONDS_BELOW = 1000;

const NS_PER_MS = 1e6;

/** Consul's `FixupLockDelay`: Go duration text or nanoseconds; tiny values mean seconds. */
export function lockDelayNs(value: Json | undefined): number {
  if (value === undefined) return DEFAULT_LOCK_DELAY_NS;
  let ns: number;
  if (typeof value === "string") {
    ns = Math.round(
      parseDurationParam(value, `Request decode failed: time: invalid duration "${value}"`) *
        NS_PER_MS,
    );
  } else if (typeof value === "number" && Number.isFinite(value)) {
    ns = Math.trunc(value);
  } else {
    throw badRequest("Request decode failed: LockDelay must be a duration or a number");
  }
  return ns < LOCK_DELAY_SECONDS_BELOW ? ns * 1e9 : ns;
}

function serviceChecks(fields: Fields) {
  const raw = fields.array("ServiceChecks");
  if (raw === undefined) return undefined;
  return raw.map((item, index) => {
    const check = new Fields(item, `ServiceChecks[${index}]`);
    return { ID: check.string("ID"), Namespace: check.string("Namespace") };
  });
}

/** The session a create request asks for, with Consul's defaults filled in. */
export function sessionFromBody(body: unknown, nodeName: string): SessionInputBody {
  if (body === undefined) {
    return {
      Node: nodeName,
      Checks: [SERF_HEALTH_CHECK_ID],
      LockDelay: DEFAULT_LOCK_DELAY_NS,
      Behavior: "release",
    };
  }
  const fields = new Fields(body, "Session");
  const nodeChecks = fields.strings("NodeChecks");
  const services = serviceChecks(fields);
  return {
    Name: fields.string("Name"),
    Node: fields.string("Node") || nodeName,
    LockDelay: lockDelayNs(fields.raw("LockDelay")),
    Behavior: (fields.string("Behavior") || "release") as SessionInputBody["Behavior"],
    TTL: fields.string("TTL"),
    // Naming "Checks" at all (even empty) replaces the serfHealth default, as in Consul.
    Checks: hasKey(body, "checks") ? fields.strings("Checks") ?? [] : [SERF_HEALTH_CHECK_ID],
    ...(nodeChecks ? { NodeChecks: nodeChecks } : {}),
    ...(services ? { ServiceChecks: services } : {}),
  };
}

function hasKey(body: unknown, lowerName: string): boolean {
  return typeof body === "object" && body !== null &&
    Object.keys(body).some((key) => key.toLowerCase() === lowerName);
}

async function create(ctx: HandlerContext) {
  const session = sessionFromBody(
    await ctx.req.json({ optional: true }),
    ctx.deps.identity.nodeName,
  );
  const id = await ctx.call("Session.Apply", {
    ...ctx.writeArgs(),
    Op: "create",
    Session: session,
  });
  return { ID: id };
}

function sessionId(ctx: HandlerContext, prefix: string): string {
  const id = ctx.req.rest(prefix);
  if (id === "") throw badRequest("Missing session");
  return id;
}

async function destroy(ctx: HandlerContext) {
  const id = sessionId(ctx, "/v1/session/destroy/");
  await ctx.call("Session.Apply", { ...ctx.writeArgs(), Op: "destroy", Session: { ID: id } });
  return true;
}

async function renew(ctx: HandlerContext) {
  const id = sessionId(ctx, "/v1/session/renew/");
  const reply = await ctx.call("Session.Renew", { ...ctx.query(), SessionID: id });
  if (!reply.Sessions || reply.Sessions.length === 0) {
    throw notFound(`Session id '${id}' not found`);
  }
  return reply.Sessions;
}

async function info(ctx: HandlerContext) {
  const id = sessionId(ctx, "/v1/session/info/");
  const reply = await ctx.read("Session.Get", { ...ctx.query(), SessionID: id });
  return reply.Sessions ?? [];
}

async function ofNode(ctx: HandlerContext) {
  const node = ctx.req.rest("/v1/session/node/");
  if (node === "") throw badRequest("Missing node name");
  const reply = await ctx.read("Session.NodeSessions", { ...ctx.query(), Node: node });
  return reply.Sessions ?? [];
}

async function list(ctx: HandlerContext) {
  const reply = await ctx.read("Session.List", ctx.query());
  return reply.Sessions ?? [];
}

/** The session routes. */
export const SESSION_ROUTES: readonly Route[] = [
  { path: "/v1/session/create", methods: ["PUT"], handler: create },
  { path: "/v1/session/destroy/", methods: ["PUT"], handler: destroy },
  { path: "/v1/session/renew/", methods: ["PUT"], handler: renew },
  { path: "/v1/session/info/", methods: ["GET"], handler: info },
  { path: "/v1/session/node/", methods: ["GET"], handler: ofNode },
  { path: "/v1/session/list", methods: ["GET"], handler: list },
];
