/**
 * What a handler receives: the request, headers to answer with, the agent's dependencies and
 * shortcuts for the common query parameters and RPC calls.
 */

import type {
  EndpointMethod,
  EndpointReplies,
  EndpointRequests,
  QueryMeta,
} from "../endpoints/mod.ts";
import type { ApiDeps } from "./deps.ts";
import type { EventBuffer } from "./event_buffer.ts";
import { parseDc, type ParsedQuery, parseQuery, parseToken } from "./query.ts";
import type { ApiRequest } from "./request.ts";
import { setMeta } from "./respond.ts";

/** One request in flight. */
export class HandlerContext {
  readonly req: ApiRequest;
  readonly deps: ApiDeps;
  readonly events: EventBuffer;
  /** Response headers; the wrapper sends them with whatever the handler returns. */
  readonly headers: Headers = new Headers();

  constructor(req: ApiRequest, deps: ApiDeps, events: EventBuffer) {
    this.req = req;
    this.deps = deps;
    this.events = events;
  }

  /** True when the answer is indented (`?pretty`, or always in dev mode). */
  get pretty(): boolean {
    return this.req.has("pretty") || this.deps.devMode === true;
  }

  /** The request's token, or the agent's default. */
  token(): string {
    return parseToken(this.req, this.deps.tokens?.userToken() ?? "");
  }

  /** `?dc=` or the agent's datacenter. */
  datacenter(): string {
    return parseDc(this.req, this.deps.identity.datacenter);
  }

  /** The common read parameters (dc, token, index/wait, consistency, filter). */
  query(): ParsedQuery {
    return parseQuery(this.req, {
      datacenter: this.deps.identity.datacenter,
      token: this.deps.tokens?.userToken() ?? "",
    });
  }

  /** Write arguments: datacenter and token. */
  writeArgs(): { Datacenter: string; Token: string } {
    return { Datacenter: this.datacenter(), Token: this.token() };
  }

  /** Calls a server endpoint, aborted when the client goes away. */
  call<M extends EndpointMethod>(
    method: M,
    args: EndpointRequests[M],
  ): Promise<EndpointReplies[M]> {
    const raw = args as unknown as Record<string, unknown>;
    return this.deps.rpc.call(method, raw, this.req.signal) as Promise<EndpointReplies[M]>;
  }

  /**
   * Calls a read endpoint and sets the query-meta headers from its reply. The consistency
   * header falls back to what the request asked for.
   */
  async read<M extends EndpointMethod>(
    method: M,
    args: ParsedQuery & EndpointRequests[M],
  ): Promise<EndpointReplies[M]> {
    const reply = await this.call(method, args);
    const meta = reply as Partial<QueryMeta>;
    setMeta(this.headers, {
      ...meta,
      ConsistencyLevel: meta.ConsistencyLevel ?? consistencyOf(args),
    });
    return reply;
  }
}

function consistencyOf(args: ParsedQuery): QueryMeta["ConsistencyLevel"] {
  if (args.AllowStale) return "stale";
  if (args.RequireConsistent) return "consistent";
  return "leader";
}
