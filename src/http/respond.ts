/**
 * JSON answers and query-meta headers the way Consul writes them: Go's encoding (bytes as
 * base64, `?pretty` indents four spaces and ends with a newline) and `X-Consul-Index` that is
 * never 0.
 *
 * A frozen body is encoded once per object and form: the state store hands out the same frozen
 * answer until the data under it changes (see `src/state/_read_memo.ts`), so a hot read
 * renders its JSON once, not per request. A frozen body must therefore be deeply immutable.
 */

import type { QueryMeta } from "../endpoints/mod.ts";
import { encodeBase64 } from "../state/mod.ts";

/** Go's `json.Marshal` conventions: `[]byte` is base64 text. */
function goJsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? encodeBase64(value) : value;
}

/**
 * A body that holds no byte arrays, rendered without the byte-array replacer: any replacer
 * takes `JSON.stringify` off its fast path, which costs more than the rest of a small read.
 */
export class PlainJson {
  /** @param value The body; every `[]byte` field must already be base64 text. */
  constructor(readonly value: unknown) {}
}

/** Rendered JSON of frozen bodies, compact and indented; held only as long as the body. */
const RENDERED_COMPACT = new WeakMap<object, string>();
const RENDERED_PRETTY = new WeakMap<object, string>();

function render(body: unknown, pretty: boolean): string {
  if (body instanceof PlainJson) {
    return pretty ? `${JSON.stringify(body.value, null, 4)}\n` : JSON.stringify(body.value);
  }
  return pretty
    ? `${JSON.stringify(body, goJsonReplacer, 4)}\n`
    : JSON.stringify(body, goJsonReplacer);
}

/** Encodes `body` as Consul does, indented when `pretty`; frozen bodies are rendered once. */
export function encodeJson(body: unknown, pretty: boolean): string {
  if (typeof body !== "object" || body === null || !Object.isFrozen(body)) {
    return render(body, pretty);
  }
  const rendered = pretty ? RENDERED_PRETTY : RENDERED_COMPACT;
  let text = rendered.get(body);
  if (text === undefined) {
    text = render(body, pretty);
    rendered.set(body, text);
  }
  return text;
}

/**
 * A JSON response (`Content-Type: application/json`) with `headers` added.
 *
 * The response is built with only its content type and the rest is set on it afterwards:
 * Deno's serve path spends several microseconds per request on a response built from a
 * separate `Headers` object, which dominated small reads (see docs/benchmarks.md).
 */
export function jsonResponse(
  body: unknown,
  options: { pretty: boolean; status?: number; headers?: Headers },
): Response {
  const response = new Response(encodeJson(body, options.pretty), {
    status: options.status ?? 200,
    headers: { "Content-Type": "application/json" },
  });
  if (options.headers !== undefined) {
    for (const [name, value] of options.headers) {
      if (name !== "content-type") response.headers.set(name, value);
    }
  }
  return response;
}

/** Header name and value pairs, applied in order. */
export type HeaderPairs = readonly (readonly [string, string])[];

/**
 * The query-meta headers: `X-Consul-Index` (0 becomes 1, so blocking clients never spin),
 * `X-Consul-LastContact`, `X-Consul-KnownLeader`, `X-Consul-Effective-Consistency` and
 * `X-Consul-Query-Backend`.
 */
export function queryMetaHeaders(meta: Partial<QueryMeta>): HeaderPairs {
  const pairs: [string, string][] = [
    ["X-Consul-Index", indexText(meta.Index ?? 0)],
    ["X-Consul-LastContact", String(Math.max(0, Math.floor(meta.LastContact ?? 0)))],
    ["X-Consul-KnownLeader", meta.KnownLeader === false ? "false" : "true"],
  ];
  if (meta.ConsistencyLevel) pairs.push(["X-Consul-Effective-Consistency", meta.ConsistencyLevel]);
  pairs.push(["X-Consul-Query-Backend", "blocking-query"]);
  return pairs;
}

/** Sets the query-meta headers of {@linkcode queryMetaHeaders} on `headers`. */
export function setMeta(headers: Headers, meta: Partial<QueryMeta>): void {
  for (const [name, value] of queryMetaHeaders(meta)) headers.set(name, value);
}

function indexText(index: number | bigint): string {
  const value = typeof index === "bigint" ? index : BigInt(Math.max(0, Math.floor(index)));
  return String(value === 0n ? 1n : value);
}

/** Sets `X-Consul-Index`, raising 0 to 1 as Consul does. */
export function setIndex(headers: Headers, index: number | bigint): void {
  headers.set("X-Consul-Index", indexText(index));
}
