/**
 * Consul's `/v1` HTTP API for Consulate agents, so that Consul clients (the npm `consul`
 * package, python-consul, Patroni, consul-template-style watchers) work unchanged.
 *
 * {@linkcode createApi} returns a Hono app with the agent, catalog, health, KV, transaction,
 * session, event and status endpoints: Consul's paths, methods (405 with `Allow` otherwise),
 * JSON shapes, headers (`X-Consul-Index`, `X-Consul-KnownLeader`, `X-Consul-LastContact`,
 * `X-Consul-Effective-Consistency`), query parameters (`?dc`, `?index`/`?wait` blocking,
 * `?stale`/`?consistent`, `?filter`, `?pretty`, tokens) and error texts and codes.
 *
 * Reads and catalog writes go to the server endpoints through a {@linkcode ServerRpc} the
 * agent wiring supplies; `/v1/agent/*` works on the agent's own `LocalAgent`/`LocalState`.
 *
 * What it is not: it never listens on a socket (serve `app.fetch` with `runtime.http.serve`),
 * enforces no ACLs yet (tokens are parsed and passed on), has no UI, and until gossip exists
 * reports this agent as the only member and answers join/force-leave with 501.
 *
 * @example
 * ```ts
 * import { createApi, LocalChangeFeed, selfMember } from "./mod.ts";
 *
 * const app = createApi({ rpc, agent, state, identity, clock, random, self: selfMember(info) });
 * const res = await app.request("/v1/catalog/services");
 * console.log(res.headers.get("X-Consul-Index"), await res.json());
 * ```
 *
 * @module
 */

export { API_ROUTES, createApi } from "./api.ts";
export type { AgentIdentity, AgentMember, ApiDeps, Membership, ServerRpc } from "./deps.ts";
export { agentCheckJson, agentServiceJson, selfMember } from "./agent_read.ts";
export {
  EventBuffer,
  USER_EVENT_BUFFER_SIZE,
  USER_EVENT_SIZE_LIMIT_BYTES,
  type UserEvent,
  uuidToIndex,
} from "./event_buffer.ts";
export { type FeedWaitOutcome, LocalChangeFeed, MAX_FEED_WAITERS } from "./local_changes.ts";
export {
  badRequest,
  errorResponse,
  HttpError,
  methodNotAllowed,
  notFound,
  statusOf,
} from "./errors.ts";
export { MAX_JSON_BODY_BYTES } from "./request.ts";
export {
  MAX_CHECKS_PER_SERVICE,
  MAX_META_KEY_CHARS,
  MAX_META_PAIRS,
  MAX_META_VALUE_CHARS,
  parseServiceDefinition,
  type ServiceRegistration,
} from "./service_definition.ts";
export { DEFAULT_LOCK_DELAY_NS, SERF_HEALTH_CHECK_ID } from "./session.ts";
