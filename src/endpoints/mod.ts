/**
 * Server RPC endpoints: the layer between the HTTP API (or a forwarded RPC) and the state
 * store, as Consul's `agent/consul/*_endpoint.go`. Each `Service.Method` checks its argument
 * (Consul's structs and texts), runs reads as blocking queries over the store's watches, and
 * submits writes as commands through the `apply` function it is given.
 *
 * - {@linkcode registerEndpoints} puts every method on an {@linkcode RpcRegistry};
 *   {@linkcode Endpoints} calls them in-process with types (what the HTTP layer uses).
 * - Requests naming another datacenter go to `deps.forward` (issue 4); without it they fail
 *   with Consul's "No path to datacenter".
 * - Consistency: a single server is always the leader. `AllowStale` skips the leader check,
 *   `RequireConsistent` calls `deps.verifyLeader` (Raft's VerifyLeader when there is one).
 *
 * What it is not: no HTTP shapes or query-string parsing (src/http), no ACL enforcement yet
 * (tokens are carried), no Raft (writes go through `apply`), no timers of its own beyond one
 * Clock timer per waiting blocking query.
 *
 * @example
 * ```ts
 * const store = new StateStore();
 * let index = 0;
 * const endpoints = new Endpoints({
 *   store, clock, random, datacenter: "dc1", nodeName: "s1", serverAddr: "10.0.0.1:8300",
 *   knownLeader: () => true,
 *   apply: (command) => Promise.resolve(applyCommand(store, ++index, command)),
 * });
 * await endpoints.call("KVS.Apply", { Op: "set", DirEnt: { Key: "a", Value: bytes } });
 * const { Entries, Index } = await endpoints.call("KVS.Get", { Key: "a", MinQueryIndex: 1 });
 * ```
 *
 * @module
 */

import type { RpcRegistry } from "../rpc/endpoints.ts";
import { catalogEndpoints } from "./catalog.ts";
import { coordinateEndpoints } from "./coordinate.ts";
import type { CallContext, EndpointDeps, EndpointHandler } from "./deps.ts";
import { EndpointError, NO_PATH_TEXT } from "./errors.ts";
import { federationStateEndpoints } from "./federation_state.ts";
import { healthEndpoints } from "./health.ts";
import { kvsEndpoints } from "./kvs.ts";
import { sessionEndpoints } from "./session.ts";
import { statusEndpoints } from "./status.ts";
import { txnEndpoints } from "./txn.ts";
import type { EndpointReplies, EndpointRequests } from "./signatures.ts";
import { ENDPOINT_METHODS, type EndpointMethod } from "./types.ts";

export * from "./types.ts";
export type { EndpointReplies, EndpointRequests } from "./signatures.ts";
export { EndpointError, NO_LEADER_TEXT, NO_PATH_TEXT } from "./errors.ts";
export type { EndpointErrorKind } from "./errors.ts";
export type {
  ApplyFn,
  CallContext,
  EndpointDeps,
  EndpointHandler,
  ForwardFn,
  SessionTimers,
} from "./deps.ts";
export {
  blockingQuery,
  DEFAULT_QUERY_TIME_MS,
  JITTER_FRACTION,
  MAX_QUERY_TIME_MS,
  queryTimeMs,
} from "./blocking.ts";
export type { BlockingDeps, BlockingResult } from "./blocking.ts";
export { compileFilter, filterRows, MAX_FILTER_CHARS, MAX_FILTER_DEPTH } from "./filter.ts";
export { FILTER_FIELDS } from "./_shapes.ts";
export type { RowFilter } from "./filter.ts";
export { DEFAULT_SESSION_TTL_MIN_MS, SESSION_TTL_MAX_MS, sessionTtlMs } from "./session.ts";

/** Sends requests for another datacenter to `deps.forward`, others to `handler`. */
function routed(deps: EndpointDeps, method: string, handler: EndpointHandler): EndpointHandler {
  return (body, context) => {
    const dc = typeof body === "object" && body !== null
      ? (body as { Datacenter?: unknown }).Datacenter
      : undefined;
    if (typeof dc !== "string" || dc === "" || dc === deps.datacenter) {
      return handler(body, context);
    }
    if (deps.forward === undefined) {
      return Promise.reject(new EndpointError("no_path", NO_PATH_TEXT));
    }
    return deps.forward(dc, method, body, context.signal);
  };
}

/** Every endpoint handler by method name, with datacenter routing. */
export function createEndpointHandlers(deps: EndpointDeps): Map<EndpointMethod, EndpointHandler> {
  const all: Record<string, EndpointHandler> = {
    ...catalogEndpoints(deps),
    ...healthEndpoints(deps),
    ...kvsEndpoints(deps),
    ...txnEndpoints(deps),
    ...sessionEndpoints(deps),
    ...statusEndpoints(deps),
    ...coordinateEndpoints(deps),
    ...federationStateEndpoints(deps),
  };
  const handlers = new Map<EndpointMethod, EndpointHandler>();
  for (const method of ENDPOINT_METHODS) {
    const handler = all[method];
    if (handler === undefined) throw new Error(`endpoint ${method} has no handler`);
    handlers.set(method, routed(deps, method, handler));
  }
  return handlers;
}

/** The endpoints, called in-process with their request and reply types. */
export class Endpoints {
  readonly #handlers: Map<EndpointMethod, EndpointHandler>;

  /** Builds every handler from `deps`. */
  constructor(deps: EndpointDeps) {
    this.#handlers = createEndpointHandlers(deps);
  }

  /**
   * Calls one method.
   *
   * @throws {EndpointError} when the request is refused (see its `kind`).
   */
  call<M extends EndpointMethod>(
    method: M,
    body: EndpointRequests[M],
    context: CallContext = {},
  ): Promise<EndpointReplies[M]> {
    return this.#handlers.get(method)!(body, context) as Promise<EndpointReplies[M]>;
  }
}

/**
 * Registers every endpoint method (see `ENDPOINT_METHODS`) on `registry`; a refused request
 * becomes the call's error text.
 *
 * @throws {Error} when a method is already registered.
 */
export function registerEndpoints(registry: RpcRegistry, deps: EndpointDeps): void {
  for (const [method, handler] of createEndpointHandlers(deps)) {
    registry.register(method, (body, context) => handler(body, { signal: context.signal }));
  }
}
