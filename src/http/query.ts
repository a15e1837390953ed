/**
 * Consul's common query parameters: `?dc`, the token (`?token`, `X-Consul-Token`,
 * `Authorization: Bearer`), `?index`/`?wait`, `?stale`/`?consistent`/`?max_stale`, `?filter`,
 * `?node-meta`, with the texts Consul answers for bad values.
 */

import { readGoDuration } from "../go_duration.ts";
import type { QueryOptions, StringMap } from "../endpoints/mod.ts";
import { badRequest } from "./errors.ts";
import type { ApiRequest } from "./request.ts";

/**
 * The token of a request: `?token=`, else `X-Consul-Token`, else `Authorization: Bearer`,
 * else the agent's default.
 */
export function parseToken(req: ApiRequest, defaultToken = ""): string {
  const fromQuery = req.get("token");
  if (fromQuery !== "") return fromQuery;
  const fromHeader = req.raw.headers.get("X-Consul-Token") ?? "";
  if (fromHeader !== "") return fromHeader;
  const auth = (req.raw.headers.get("Authorization") ?? "").split(" ");
  if (auth.length === 2 && auth[0].toLowerCase() === "bearer") {
    const token = auth[1].trim();
    if (token !== "") return token;
  }
  return defaultToken;
}

/** `?dc=`, else the agent's datacenter. */
export function parseDc(req: ApiRequest, localDc: string): string {
  return req.get("dc") || localDc;
}

/** Go's `strconv.ParseBool`, or `undefined` when `text` is not a boolean. */
export function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Go's `strconv.ParseUint(text, 10, 64)` for values JavaScript numbers hold exactly. */
export function parseUint(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * A Go duration parameter in milliseconds.
 *
 * @throws {HttpError} 400 with `message` when the value is not a Go duration.
 */
export function parseDurationParam(text: string, message: string): number {
  const duration = readGoDuration(text);
  if (!duration.ok) throw badRequest(message);
  return duration.ms;
}

/** `?index=` and `?wait=` as `MinQueryIndex` and `MaxQueryTime` (ms). */
export function parseWait(req: ApiRequest): { MinQueryIndex?: number; MaxQueryTime?: number } {
  const out: { MinQueryIndex?: number; MaxQueryTime?: number } = {};
  const wait = req.get("wait");
  if (wait !== "") out.MaxQueryTime = parseDurationParam(wait, "Invalid wait time");
  const index = req.get("index");
  if (index !== "") {
    const parsed = parseUint(index);
    if (parsed === undefined) throw badRequest("Invalid index");
    out.MinQueryIndex = parsed;
  }
  return out;
}

/** `?stale`, `?consistent` and `?max_stale`, refusing the conflicting pair as Consul does. */
export function parseConsistency(req: ApiRequest): QueryOptions {
  const out: { AllowStale?: boolean; RequireConsistent?: boolean; MaxStaleDuration?: number } = {};
  if (req.has("stale")) out.AllowStale = true;
  if (req.has("consistent")) out.RequireConsistent = true;
  const maxStale = req.get("max_stale");
  if (maxStale !== "") {
    out.MaxStaleDuration = parseDurationParam(
      maxStale,
      `Invalid max_stale value ${JSON.stringify(maxStale)}`,
    );
    out.AllowStale = true;
  }
  if (out.AllowStale && out.RequireConsistent) {
    throw badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.");
  }
  return out;
}

/** `?node-meta=key:value`, repeated; `undefined` when absent. */
export function parseNodeMeta(req: ApiRequest): StringMap | undefined {
  const pairs = req.all("node-meta");
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    if (colon < 0) out[pair] = "";
    else out[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return out;
}

/** Everything Consul's `parse` reads for a datacenter-aware query. */
export interface ParsedQuery extends QueryOptions {
  readonly Datacenter: string;
  readonly Token: string;
}

/**
 * Parses the common parameters of a read (Consul's `HTTPHandlers.parse`).
 *
 * @throws {HttpError} 400 for a bad `wait`, `index`, `max_stale` or stale+consistent.
 */
export function parseQuery(
  req: ApiRequest,
  defaults: { datacenter: string; token: string },
): ParsedQuery {
  const filter = req.get("filter");
  return {
    Datacenter: parseDc(req, defaults.datacenter),
    Token: parseToken(req, defaults.token),
    ...parseConsistency(req),
    ...parseWait(req),
    ...(filter === "" ? {} : { Filter: filter }),
    ...(req.has("cached") ? { UseCache: true } : {}),
  };
}
