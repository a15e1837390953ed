/**
 * Per-call options and the metadata Consul returns with every read: the `?dc=`, consistency
 * and blocking-query parameters a caller may set, and the `X-Consul-*` headers read back.
 *
 * @module
 */
import { ApiResponseError } from "./errors.ts";

/** Options every call accepts. */
export interface WriteOptions {
  /** Datacenter to send the request to (`?dc=`); default: the client's, else the agent's. */
  readonly dc?: string;
  /** Token for this call only, overriding the client's. */
  readonly token?: string;
  /** Aborts the request. */
  readonly signal?: AbortSignal;
}

/** Options of reads: consistency, filtering and blocking queries. */
export interface QueryOptions extends WriteOptions {
  /** Blocking query: wait until the result's index exceeds this one (`?index=`). */
  readonly index?: number;
  /** Blocking query: the longest the server may hold the request (`?wait=<ms>ms`). */
  readonly waitMs?: number;
  /** Any server may answer, possibly with stale data (`?stale`). */
  readonly stale?: boolean;
  /** The leader must confirm leadership before answering (`?consistent`). */
  readonly consistent?: boolean;
  /** A Consul filter expression (`?filter=`). */
  readonly filter?: string;
  /** Sort by round-trip time from this node (`?near=`; `_agent` for the agent's node). */
  readonly near?: string;
  /** Only nodes with these metadata pairs (`?node-meta=key:value`, one per pair). */
  readonly nodeMeta?: Readonly<Record<string, string>>;
}

/** What the server said about the data it returned. */
export interface QueryMeta {
  /** `X-Consul-Index`: pass it as `index` to block until the data changes. 0 when absent. */
  readonly lastIndex: number;
  /** `X-Consul-LastContact`: milliseconds since the answering server heard from the leader. */
  readonly lastContactMs: number;
  /** `X-Consul-KnownLeader`: whether the answering server knew of a leader. */
  readonly knownLeader: boolean;
  /** `X-Consul-Results-Filtered-By-ACLs`: whether ACLs hid part of the result. */
  readonly resultsFilteredByAcls: boolean;
}

/** A read's value together with its {@linkcode QueryMeta}. */
export interface QueryResult<T> {
  /** What the endpoint returned. */
  readonly value: T;
  /** The `X-Consul-*` headers of the answer. */
  readonly meta: QueryMeta;
}

/** Query parameters as ordered name/value pairs; a name may repeat. */
export type QueryParams = Array<readonly [string, string]>;

/** Appends the parameters that {@linkcode QueryOptions} asks for. */
export function appendQueryOptions(params: QueryParams, options: QueryOptions): void {
  if (options.stale) params.push(["stale", ""]);
  if (options.consistent) params.push(["consistent", ""]);
  if (options.index !== undefined && options.index > 0) {
    params.push(["index", String(options.index)]);
  }
  if (options.waitMs !== undefined && options.waitMs > 0) {
    params.push(["wait", `${Math.ceil(options.waitMs)}ms`]);
  }
  if (options.filter) params.push(["filter", options.filter]);
  if (options.near) params.push(["near", options.near]);
  for (const [key, value] of Object.entries(options.nodeMeta ?? {})) {
    params.push(["node-meta", `${key}:${value}`]);
  }
}

/**
 * Reads the `X-Consul-*` headers of a response.
 *
 * @throws {ApiResponseError} when a numeric header is not a non-negative integer.
 */
export function parseQueryMeta(headers: Headers): QueryMeta {
  return {
    lastIndex: readCount(headers, "X-Consul-Index"),
    lastContactMs: readCount(headers, "X-Consul-LastContact"),
    knownLeader: headers.get("X-Consul-KnownLeader") === "true",
    resultsFilteredByAcls: headers.get("X-Consul-Results-Filtered-By-ACLs") === "true",
  };
}

function readCount(headers: Headers, name: string): number {
  const raw = headers.get(name);
  if (raw === null || raw === "") return 0;
  if (!/^\d+$/.test(raw)) {
    throw new ApiResponseError(`Failed to parse ${name}: "${raw}" is not a non-negative integer`);
  }
  return Number(raw);
}
