/**
 * `/v1/event/fire/:name` and `/v1/event/list` over the agent's local event buffer, and
 * `/v1/status/leader|peers` over the server endpoints.
 *
 * Events are local until gossip exists: firing stores the event in this agent's buffer (when
 * its filters match this agent) and nowhere else.
 */

import { queryTimeMs } from "../endpoints/mod.ts";
import { NO_PATH_TEXT } from "../endpoints/mod.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, HttpError } from "./errors.ts";
import { USER_EVENT_SIZE_LIMIT_BYTES, type UserEvent, uuidToIndex } from "./event_buffer.ts";
import { parseDurationParam } from "./query.ts";
import { setIndex } from "./respond.ts";
import type { Route } from "./router.ts";

function compileFilter(kind: string, pattern: string): RegExp | undefined {
  if (pattern === "") return undefined;
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw badRequest(`Invalid ${kind} filter: ${(error as Error).message}`);
  }
}

/** Consul's `shouldProcessUserEvent`: does this agent match the event's filters? */
function matchesThisAgent(ctx: HandlerContext, event: Omit<UserEvent, "ID" | "LTime" | "Version">) {
  const node = compileFilter("node", event.NodeFilter);
  const service = compileFilter("service", event.ServiceFilter);
  const tag = compileFilter("tag", event.TagFilter);
  if (node && !node.test(ctx.deps.identity.nodeName)) return false;
  if (!service) return true;
  return ctx.deps.state.listServices().some((candidate) =>
    service.test(candidate.Service) && (!tag || (candidate.Tags ?? []).some((t) => tag.test(t)))
  );
}

async function fire(ctx: HandlerContext) {
  const name = ctx.req.rest("/v1/event/fire/");
  if (name === "") throw badRequest("Missing name");
  if (ctx.datacenter() !== ctx.deps.identity.datacenter) throw new HttpError(500, NO_PATH_TEXT);
  const payload = await ctx.req.bytes(USER_EVENT_SIZE_LIMIT_BYTES);
  const event = {
    Name: name,
    Payload: payload.length === 0 ? null : payload,
    NodeFilter: ctx.req.get("node"),
    ServiceFilter: ctx.req.get("service"),
    TagFilter: ctx.req.get("tag"),
  };
  if (event.TagFilter !== "" && event.ServiceFilter === "") {
    throw badRequest("Cannot provide tag filter without service filter");
  }
  const size = new TextEncoder().encode(name).length + payload.length;
  if (size > USER_EVENT_SIZE_LIMIT_BYTES) {
    throw badRequest(
      `user event exceeds configured limit of ${USER_EVENT_SIZE_LIMIT_BYTES} bytes before encoding`,
    );
  }
  if (matchesThisAgent(ctx, event)) return ctx.events.add(event);
  // Fired but not for this agent: Consul returns the event all the same.
  return { ID: "", ...event, Version: 1, LTime: 0 };
}

/** `?index=` for events: a 64-bit value (UUID halves XOR-ed), so parsed as a bigint. */
function eventIndex(ctx: HandlerContext): bigint {
  const raw = ctx.req.get("index");
  if (raw === "") return 0n;
  if (!/^\d+$/.test(raw) || BigInt(raw) >= 1n << 64n) throw badRequest("Invalid index");
  return BigInt(raw);
}

async function list(ctx: HandlerContext) {
  const minIndex = eventIndex(ctx);
  const wait = ctx.req.get("wait");
  const waitMs = wait === "" ? undefined : parseDurationParam(wait, "Invalid wait time");
  const name = ctx.req.get("name");
  const { clock } = ctx.deps;
  const deadline = clock.monotonicMs() + queryTimeMs(waitMs);
  for (;;) {
    const events = ctx.events.list().filter((event) => name === "" || event.Name === name);
    const index = events.length === 0 ? 1n : uuidToIndex(events[events.length - 1].ID);
    const remainingMs = deadline - clock.monotonicMs();
    // The index is not monotonic, so only an exact match blocks, as in Consul.
    if (minIndex === 0n || index !== minIndex || remainingMs <= 0) {
      setIndex(ctx.headers, index);
      return events;
    }
    const outcome = await ctx.events.changes.wait(clock, remainingMs, ctx.signal);
    if (outcome === "aborted") throw new Error("The request was canceled before it completed");
  }
}

async function leader(ctx: HandlerContext) {
  return await ctx.call("Status.Leader", { Datacenter: ctx.datacenter() } as never);
}

async function peers(ctx: HandlerContext) {
  return await ctx.call("Status.Peers", { Datacenter: ctx.datacenter() } as never) ?? [];
}

/** The event and status routes. */
export const EVENT_STATUS_ROUTES: readonly Route[] = [
  { path: "/v1/event/fire/", methods: ["PUT"], handler: fire },
  { path: "/v1/event/list", methods: ["GET"], handler: list },
  { path: "/v1/status/leader", methods: ["GET"], handler: leader },
  { path: "/v1/status/peers", methods: ["GET"], handler: peers },
];
