/**
 * `/v1/kv/<key>`: GET (one key, `?recurse`, `?keys` with `?separator`, `?raw`), PUT (body is
 * the raw value; `?cas`, `?flags`, `?acquire`, `?release`; answers true/false) and DELETE
 * (`?recurse`, `?cas`), as Consul's `kvs_endpoint.go`.
 */

import type { KvDirEntry, KVSOp } from "../endpoints/mod.ts";
import { encodeBase64, MAX_KV_VALUE_BYTES } from "../state/mod.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, HttpError } from "./errors.ts";
import { parseUint } from "./query.ts";
import { PlainJson } from "./respond.ts";
import type { Route } from "./router.ts";

const PREFIX = "/v1/kv/";

/**
 * A KV entry in Consul's `DirEntry` JSON field order, the value as base64 text; `Session`
 * only when held.
 */
export function dirEntryJson(entry: KvDirEntry) {
  return {
    LockIndex: entry.LockIndex,
    Key: entry.Key,
    Flags: entry.Flags,
    Value: entry.Value === null ? null : encodeBase64(entry.Value),
    ...(entry.Session ? { Session: entry.Session } : {}),
    CreateIndex: entry.CreateIndex,
    ModifyIndex: entry.ModifyIndex,
  };
}

/** The key from the path; keys that climb out of the tree are refused. */
function keyOf(ctx: HandlerContext): string {
  const key = ctx.req.rest(PREFIX);
  if (key.includes("../") || key.includes("..\\")) {
    throw badRequest("key contains path traversal sequence");
  }
  return key;
}

/** Go's `url.Values.Encode`: keys sorted, values escaped. */
function encodeQuery(query: URLSearchParams): string {
  const sorted = [...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new URLSearchParams(sorted).toString();
}

function refuseConflicts(ctx: HandlerContext, ...flags: string[]): void {
  if (flags.filter((flag) => ctx.req.has(flag)).length > 1) {
    throw badRequest(`Conflicting flags: ${encodeQuery(ctx.req.query)}\n`);
  }
}

function uintParam(ctx: HandlerContext, name: string): number {
  const raw = ctx.req.get(name);
  const value = parseUint(raw);
  if (value === undefined) {
    throw badRequest(`strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`);
  }
  return value;
}

async function kvGet(ctx: HandlerContext) {
  const key = keyOf(ctx);
  if (ctx.req.has("keys")) return await kvKeys(ctx, key);
  const recurse = ctx.req.has("recurse");
  if (!recurse && key === "") throw badRequest("Missing key name");
  const reply = await ctx.read(recurse ? "KVS.List" : "KVS.Get", { ...ctx.query(), Key: key });
  const entries = reply.Entries ?? [];
  if (entries.length === 0) return new Response(null, { status: 404, headers: ctx.headers });
  if (ctx.req.has("raw") && !recurse) {
    const body = (entries[0].Value ?? new Uint8Array(0)).slice() as Uint8Array<ArrayBuffer>;
    const headers = new Headers(ctx.headers);
    headers.set("Content-Type", "text/plain");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Content-Security-Policy", "sandbox");
    return new Response(body, { status: 200, headers });
  }
  return new PlainJson(entries.map(dirEntryJson));
}

async function kvKeys(ctx: HandlerContext, prefix: string) {
  const separator = ctx.req.has("separator") ? ctx.req.get("separator") : ctx.req.get("seperator");
  const reply = await ctx.read("KVS.ListKeys", {
    ...ctx.query(),
    Prefix: prefix,
    Seperator: separator,
  });
  const keys = reply.Keys ?? [];
  if (keys.length === 0 && prefix !== "") {
    return new Response(null, { status: 404, headers: ctx.headers });
  }
  return keys;
}

async function kvPut(ctx: HandlerContext) {
  const key = keyOf(ctx);
  if (key === "") throw badRequest("Missing key name");
  refuseConflicts(ctx, "cas", "acquire", "release");
  let op: KVSOp = "set";
  const dirEnt: { Key: string; Flags: number; Session?: string; ModifyIndex?: number } = {
    Key: key,
    Flags: ctx.req.has("flags") ? uintParam(ctx, "flags") : 0,
  };
  if (ctx.req.has("cas")) {
    op = "cas";
    dirEnt.ModifyIndex = uintParam(ctx, "cas");
  }
  if (ctx.req.has("acquire")) {
    op = "lock";
    dirEnt.Session = ctx.req.get("acquire");
  }
  if (ctx.req.has("release")) {
    op = "unlock";
    dirEnt.Session = ctx.req.get("release");
  }
  const maxBytes = ctx.deps.kvMaxValueBytes ?? MAX_KV_VALUE_BYTES;
  const value = await ctx.req.bytes(
    maxBytes,
    (size) =>
      `Request body(${size} bytes) too large, max size: ${maxBytes} bytes. See ` +
      "https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.",
  );
  const applied = await ctx.call("KVS.Apply", {
    ...ctx.writeArgs(),
    Op: op,
    DirEnt: { ...dirEnt, Value: value.length === 0 ? null : value },
  });
  return op === "set" ? true : applied;
}

async function kvDelete(ctx: HandlerContext) {
  const key = keyOf(ctx);
  refuseConflicts(ctx, "recurse", "cas");
  let op: KVSOp = "delete";
  let modifyIndex: number | undefined;
  if (ctx.req.has("recurse")) op = "delete-tree";
  else if (key === "") throw badRequest("Missing key name");
  if (ctx.req.has("cas")) {
    op = "delete-cas";
    modifyIndex = uintParam(ctx, "cas");
  }
  const applied = await ctx.call("KVS.Apply", {
    ...ctx.writeArgs(),
    Op: op,
    DirEnt: { Key: key, ...(modifyIndex === undefined ? {} : { ModifyIndex: modifyIndex }) },
  });
  return op === "delete-cas" ? applied : true;
}

async function kvEndpoint(ctx: HandlerContext) {
  switch (ctx.req.method) {
    case "GET":
      return await kvGet(ctx);
    case "PUT":
      return await kvPut(ctx);
    case "DELETE":
      return await kvDelete(ctx);
    default:
      throw new HttpError(405, `method ${ctx.req.method} not allowed`);
  }
}

/** The KV route. */
export const KV_ROUTES: readonly Route[] = [
  { path: PREFIX, methods: ["GET", "PUT", "DELETE"], handler: kvEndpoint },
];
