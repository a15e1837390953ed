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
import { type HeaderPairs, queryMetaHeaders } from "./respond.ts";

/** One request in flight. */
export class HandlerContext {
  readonly req: ApiRequest;
  readonly deps: ApiDeps;
  readonly events: EventBuffer;
  // Most reads only need the query-meta headers; a `Headers` object costs several
  // microseconds per request on Deno's serve path, so it is made only when a handler asks.
  #headers: Headers | null = null;
  #metaHeaders: HeaderPairs = [];

  constructor(req: ApiRequest, deps: ApiDeps, events: EventBuffer) {
    this.req = req;
    this.deps = deps;
    this.events = events;
  }

  /**
   * Response headers (the query meta of the last `read` included); the wrapper sends them
   * with whatever the handler returns. Created on first use.
   */
  get headers(): Headers {
    if (this.#headers === null) {
      this.#headers = new Headers();
      for (const [name, value] of this.#metaHeaders) this.#headers.set(name, value);
    }
    return this.#headers;
  }

  /**
   * Adds this request's response headers to `target`, keeping any `target` already has.
   * `fresh` says `target` holds nothing but a Content-Type, which spares a lookup per header.
   */
  applyHeaders(target: Headers, fresh = false): void {
    if (this.#headers === null) {
      for (const [name, value] of this.#metaHeaders) {
        if (fresh || !target.has(name)) target.set(name, value);
      }
      return;
    }
    for (const [name, value] of this.#headers) {
      if (fresh ? name !== "content-type" : !target.has(name)) target.set(name, value);
    }
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

  /** Aborted when the client goes away or the agent shuts down. */
  get signal(): AbortSignal {
    const stopping = this.deps.stopping;
    return stopping ? AbortSignal.any([this.req.signal, stopping]) : this.req.signal;
  }

  /**
   * Calls a server endpoint, aborted when the client goes away, and for a blocking query
   * also when the agent shuts down.
   */
  call<M extends EndpointMethod>(
    method: M,
    args: EndpointRequests[M],
  ): Promise<EndpointReplies[M]> {
    const raw = args as unknown as Record<string, unknown>;
    // Only a blocking query can hold a shutdown for minutes. Combining two signals costs
    // about 6 µs per request on Deno (a quarter of a cached read), so other calls, which end
    // on their own or with the RPC pool, take the client's signal alone.
    const blocking = typeof raw.MinQueryIndex === "number" && raw.MinQueryIndex > 0;
    const signal = blocking ? this.signal : this.req.signal;
    return this.deps.rpc.call(method, raw, signal) as Promise<EndpointReplies[M]>;
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
    const pairs = queryMetaHeaders({
      Index: meta.Index,
      LastContact: meta.LastContact,
      KnownLeader: meta.KnownLeader,
      ConsistencyLevel: meta.ConsistencyLevel ?? consistencyOf(args),
    });
    if (this.#headers === null) this.#metaHeaders = pairs;
    else for (const [name, value] of pairs) this.#headers.set(name, value);
    return reply;
  }
}

function consistencyOf(args: ParsedQuery): QueryMeta["ConsistencyLevel"] {
  if (args.AllowStale) return "stale";
  if (args.RequireConsistent) return "consistent";
  return "leader";
}
