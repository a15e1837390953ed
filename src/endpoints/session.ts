/**
 * The `Session.*` endpoints (Consul's `agent/consul/session_endpoint.go`): create and destroy
 * with Consul's checks (TTL bounds, behavior, node), reads, and renewal of TTL sessions on the
 * leader's timers.
 *
 * @module
 */

import { randomUuid } from "../runtime/random.ts";
import { formatGoDuration, goMessage, readGoDuration } from "../go_duration.ts";
import { type Args, argsOf, optObj, optStr, optStrList, optUint, requireStr } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { FILTER_FIELDS } from "./_shapes.ts";
import { applyOrThrow, type EndpointDeps, type EndpointHandler } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { filterRows } from "./filter.ts";
import type { IndexedSessions } from "./types.ts";

/** Shortest session TTL by default (Consul's `session_ttl_min`). */
export const DEFAULT_SESSION_TTL_MIN_MS = 10_000;

/** Longest session TTL (Consul's `structs.SessionTTLMax`). */
export const SESSION_TTL_MAX_MS = 24 * 3_600_000;

/** Most attempts at an unused random session ID before giving up. */
const MAX_SESSION_ID_ATTEMPTS = 8;

/**
 * The TTL of a session in milliseconds (0 for none), checked as Consul does.
 *
 * @throws {EndpointError} `bad_request` with Consul's "Session TTL '5s' invalid: ..." text.
 */
export function sessionTtlMs(ttl: string, minMs: number): number {
  if (ttl === "") return 0;
  const parsed = readGoDuration(ttl);
  if (!parsed.ok) badRequest(`Session TTL '${ttl}' invalid: ${goMessage(ttl, parsed.fault)}`);
  const ms = parsed.ms;
  if (ms !== 0 && (ms < minMs || ms > SESSION_TTL_MAX_MS)) {
    badRequest(
      `Session TTL '${ttl}' invalid: must be between ${formatGoDuration(minMs)} and ${
        formatGoDuration(SESSION_TTL_MAX_MS)
      }`,
    );
  }
  return ms;
}

async function create(deps: EndpointDeps, session: Args): Promise<string> {
  const node = requireStr(session, "Node", "Must provide Node");
  const behavior = optStr(session, "Behavior");
  if (behavior !== "" && behavior !== "release" && behavior !== "delete") {
    badRequest(`Invalid Behavior setting '${behavior}'`);
  }
  const ttl = optStr(session, "TTL");
  const ttlMs = sessionTtlMs(ttl, deps.sessionTtlMinMs ?? DEFAULT_SESSION_TTL_MIN_MS);
  const nodeChecks = [...optStrList(session, "NodeChecks"), ...optStrList(session, "Checks")];
  const serviceChecks = session.ServiceChecks ?? [];
  if (!Array.isArray(serviceChecks)) badRequest("Invalid argument: ServiceChecks must be a list");
  let id = "";
  for (let attempt = 0; id === "" && attempt < MAX_SESSION_ID_ATTEMPTS; attempt++) {
    const candidate = deps.newSessionId?.() ?? randomUuid(deps.random);
    if (deps.store.sessions.info(candidate).value === null) id = candidate;
  }
  if (id === "") badRequest("Could not pick an unused session ID; try again");
  await applyOrThrow(deps, {
    type: "session.create",
    session: {
      ID: id,
      Name: optStr(session, "Name"),
      Node: node,
      LockDelay: optUint(session, "LockDelay"),
      Behavior: behavior as "" | "release" | "delete",
      TTL: ttl,
      NodeChecks: [...new Set(nodeChecks)],
      ServiceChecks: serviceChecks,
    },
  });
  if (ttlMs > 0) deps.sessionTimers?.reset(id, ttlMs);
  return id;
}

function apply(deps: EndpointDeps): EndpointHandler {
  return async (body) => {
    const args = argsOf(body, "SessionRequest");
    const op = optStr(args, "Op");
    const session = optObj(args, "Session") ?? {};
    if (op === "create") return await create(deps, session);
    if (op !== "destroy") {
      badRequest(`Invalid session operation ${JSON.stringify(op)}; use "create" or "destroy"`);
    }
    const id = requireStr(session, "ID", "Must provide ID");
    await applyOrThrow(deps, { type: "session.destroy", nowMs: deps.clock.now(), id });
    deps.sessionTimers?.clear(id);
    return id;
  };
}

function sessionReply(rows: IndexedSessions["Sessions"], meta: Omit<IndexedSessions, "Sessions">) {
  return { Sessions: rows, ...meta };
}

function get(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "SessionSpecificRequest");
    const id = requireStr(args, "SessionID", "Must provide session ID");
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.sessions.info(id, ws),
      (row, meta): IndexedSessions => sessionReply(row === null ? [] : [row], meta),
    );
  };
}

function list(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "DCSpecificRequest");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.session);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.sessions.list(ws),
      (rows, meta): IndexedSessions => sessionReply(keep(rows), meta),
    );
  };
}

function nodeSessions(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "NodeSpecificRequest");
    const node = requireStr(args, "Node", "Must provide node");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.session);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.sessions.ofNode(node, ws),
      (rows, meta): IndexedSessions => sessionReply(keep(rows), meta),
    );
  };
}

/** Renewal restarts the leader's timer; the reply is the session, or none when it is gone. */
function renew(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "SessionSpecificRequest");
    const id = requireStr(args, "SessionID", "Must provide session ID");
    return runQuery(
      deps,
      { ...args, MinQueryIndex: 0 },
      context,
      () => deps.store.sessions.info(id),
      (row, meta): IndexedSessions => {
        if (row === null) return sessionReply([], meta);
        const ttl = readGoDuration(row.TTL);
        const ttlMs = ttl.ok ? ttl.ms : 0;
        if (ttlMs > 0) deps.sessionTimers?.reset(row.ID, ttlMs);
        return sessionReply([row], meta);
      },
    );
  };
}

/** The `Session.*` handlers by method name. */
export function sessionEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    "Session.Apply": apply(deps),
    "Session.Get": get(deps),
    "Session.List": list(deps),
    "Session.NodeSessions": nodeSessions(deps),
    "Session.Renew": renew(deps),
  };
}
