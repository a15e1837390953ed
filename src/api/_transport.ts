/**
 * The one place the client touches the network: builds Consul-style URLs and headers, sends
 * them with `fetch`, reads bounded bodies, and turns failures into the client's typed errors.
 *
 * @module
 */
import { readAllBounded } from "../runtime/read_all.ts";
import type { ResolvedClientConfig } from "./config.ts";
import { ApiConnectionError, ApiError, ApiResponseError } from "./errors.ts";
import {
  appendQueryOptions,
  parseQueryMeta,
  type QueryMeta,
  type QueryOptions,
  type QueryParams,
  type WriteOptions,
} from "./query.ts";

/** The largest response body read; bigger answers are refused rather than buffered. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024 * 1024;

/** HTTP methods the Consul API uses. */
export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/** A body to send: JSON (`Content-Type: application/json`) or raw bytes (KV values). */
export type RequestBody = { readonly json: unknown } | { readonly raw: Uint8Array | string };

/** One request before it is sent. */
export interface RequestSpec {
  readonly method: HttpMethod;
  /** Path below the base URL, already escaped, e.g. `/v1/kv/a%20b`. */
  readonly path: string;
  /** Endpoint-specific parameters; `dc`, token and query options are added by the transport. */
  readonly params?: QueryParams;
  readonly body?: RequestBody;
  readonly options?: QueryOptions | WriteOptions;
}

/** A response whose body has been read. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly method: HttpMethod;
  readonly url: string;
}

/** Sends requests for one resolved client configuration. */
export class HttpTransport {
  readonly #config: ResolvedClientConfig;
  readonly #fetch: typeof fetch;

  /** @param fetchImpl defaults to the global `fetch`. */
  constructor(config: ResolvedClientConfig, fetchImpl?: typeof fetch) {
    this.#config = config;
    this.#fetch = fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /**
   * Sends a request and reads the whole body, whatever the status.
   *
   * @throws {ApiConnectionError} when no answer arrives.
   * @throws {ApiResponseError} when the body exceeds {@linkcode MAX_RESPONSE_BODY_BYTES}.
   */
  async send(spec: RequestSpec): Promise<RawResponse> {
    const url = this.#url(spec);
    const headers = new Headers();
    const token = spec.options?.token || this.#config.token;
    if (token) headers.set("X-Consul-Token", token);
    let body: BodyInit | undefined;
    if (spec.body && "json" in spec.body) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(spec.body.json);
    } else if (spec.body) {
      headers.set("Content-Type", "application/octet-stream");
      body = spec.body.raw as BodyInit;
    }
    try {
      const response = await this.#fetch(url, {
        method: spec.method,
        headers,
        body,
        signal: spec.options?.signal,
      });
      const bytes = await readBounded(response, spec.method, url);
      const { status, headers: replyHeaders } = response;
      return { status, headers: replyHeaders, body: bytes, method: spec.method, url };
    } catch (error) {
      if (error instanceof ApiResponseError || spec.options?.signal?.aborted) throw error;
      throw connectionError(error, spec.method, url, this.#config.dialAddress);
    }
  }

  /**
   * Sends a read and decodes its JSON. A 404 yields `null` when `notFoundIsNull` is set.
   *
   * @throws {ApiError} for any other status than 200 (or that 404).
   */
  async query<T>(
    spec: RequestSpec,
    notFoundIsNull = false,
  ): Promise<{ value: T | null; meta: QueryMeta }> {
    const response = await this.send(spec);
    const meta = parseQueryMeta(response.headers);
    if (notFoundIsNull && response.status === 404) return { value: null, meta };
    requireOk(response);
    return { value: decodeJson<T>(response), meta };
  }

  /** Sends a write and decodes its JSON answer (`null` for an empty body). */
  async write<T>(spec: RequestSpec): Promise<T | null> {
    const response = await this.send(spec);
    requireOk(response);
    return response.body.byteLength === 0 ? null : decodeJson<T>(response);
  }

  #url(spec: RequestSpec): string {
    const params: QueryParams = [];
    const dc = spec.options?.dc || this.#config.datacenter;
    if (dc) params.push(["dc", dc]);
    params.push(...(spec.params ?? []));
    if (spec.options) appendQueryOptions(params, spec.options);
    return `${this.#config.baseUrl}${spec.path}${encodeQuery(params)}`;
  }
}

/** Escapes a key or name for use as path segments, keeping its `/` separators. */
export function escapePath(value: string): string {
  return value.split("/").map(encodeURIComponent).join("/");
}

/** Like Go's `url.Values.Encode`: sorted by name (stable), `name=` for empty values. */
function encodeQuery(params: QueryParams): string {
  if (params.length === 0) return "";
  const sorted = params
    .map((pair, position) => ({ pair, position }))
    .sort((a, b) =>
      a.pair[0] < b.pair[0] ? -1 : a.pair[0] > b.pair[0] ? 1 : a.position - b.position
    );
  const search = new URLSearchParams();
  for (const { pair } of sorted) search.append(pair[0], pair[1]);
  return `?${search.toString()}`;
}

/** Throws {@linkcode ApiError} unless the status is 200. */
export function requireOk(response: RawResponse): void {
  if (response.status === 200) return;
  throw new ApiError({
    status: response.status,
    body: new TextDecoder().decode(response.body),
    method: response.method,
    url: response.url,
  });
}

/** Parses a response body as JSON. */
export function decodeJson<T>(response: RawResponse): T {
  const text = new TextDecoder().decode(response.body);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ApiResponseError(
      `Invalid JSON in the answer to ${response.method} ${response.url}: ${detail}`,
    );
  }
}

function readBounded(response: Response, method: HttpMethod, url: string) {
  if (!response.body) return Promise.resolve(new Uint8Array(0));
  return readAllBounded(response.body, MAX_RESPONSE_BODY_BYTES, () =>
    new ApiResponseError(
      `The answer to ${method} ${url} exceeds ${MAX_RESPONSE_BODY_BYTES} bytes; ` +
        "narrow the query (prefix, filter) to fetch less",
    ));
}

/**
 * Words a fetch failure as Go's `net/http` does (`Get "<url>": dial tcp <addr>: connect:
 * connection refused`), since scripts written for Consul's CLI match on that text. Deno and
 * Bun report the same failures differently: Deno in the `cause` message, Bun in `code`.
 */
function connectionError(
  error: unknown,
  method: HttpMethod,
  url: string,
  dialAddress: string,
): Error {
  const code = String((error as { code?: unknown })?.code ?? "");
  const text = `${describe(error)} ${describe((error as { cause?: unknown })?.cause)}`;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  let detail: string;
  if (code === "ECONNREFUSED" || /connection refused/i.test(text)) {
    detail = `dial tcp ${dialAddress}: connect: connection refused`;
  } else if (code === "ENOTFOUND" || /dns error|failed to lookup|ENOTFOUND/i.test(text)) {
    detail = `dial tcp: lookup ${dialAddress.replace(/:\d+$/, "")}: no such host`;
  } else if (code === "ECONNRESET" || /connection reset/i.test(text)) {
    detail = "read: connection reset by peer";
  } else {
    detail = describe((error as { cause?: unknown })?.cause) || describe(error);
  }
  return new ApiConnectionError(`${verb} "${url}": ${detail}`, url, { cause: error });
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return "";
  return value instanceof Error ? value.message : String(value);
}
