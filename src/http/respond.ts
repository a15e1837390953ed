/**
 * JSON answers and query-meta headers the way Consul writes them: Go's encoding (bytes as
 * base64, `?pretty` indents four spaces and ends with a newline) and `X-Consul-Index` that is
 * never 0.
 */

import type { QueryMeta } from "../endpoints/mod.ts";
import { encodeBase64 } from "../state/mod.ts";

/** Go's `json.Marshal` conventions: `[]byte` is base64 text. */
function goJsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? encodeBase64(value) : value;
}

/** Encodes `body` as Consul does, indented when `pretty`. */
export function encodeJson(body: unknown, pretty: boolean): string {
  return pretty
    ? `${JSON.stringify(body, goJsonReplacer, 4)}\n`
    : JSON.stringify(body, goJsonReplacer);
}

/** A JSON response (`Content-Type: application/json`). */
export function jsonResponse(
  body: unknown,
  options: { pretty: boolean; status?: number; headers?: Headers },
): Response {
  const headers = options.headers ?? new Headers();
  headers.set("Content-Type", "application/json");
  return new Response(encodeJson(body, options.pretty), {
    status: options.status ?? 200,
    headers,
  });
}

/**
 * Sets `X-Consul-Index` (0 becomes 1, so blocking clients never spin), `X-Consul-LastContact`,
 * `X-Consul-KnownLeader`, `X-Consul-Effective-Consistency` and `X-Consul-Query-Backend`.
 */
export function setMeta(headers: Headers, meta: Partial<QueryMeta>): void {
  setIndex(headers, meta.Index ?? 0);
  headers.set("X-Consul-LastContact", String(Math.max(0, Math.floor(meta.LastContact ?? 0))));
  headers.set("X-Consul-KnownLeader", meta.KnownLeader === false ? "false" : "true");
  if (meta.ConsistencyLevel) headers.set("X-Consul-Effective-Consistency", meta.ConsistencyLevel);
  headers.set("X-Consul-Query-Backend", "blocking-query");
}

/** Sets `X-Consul-Index`, raising 0 to 1 as Consul does. */
export function setIndex(headers: Headers, index: number | bigint): void {
  const value = typeof index === "bigint" ? index : BigInt(Math.max(0, Math.floor(index)));
  headers.set("X-Consul-Index", String(value === 0n ? 1n : value));
}
