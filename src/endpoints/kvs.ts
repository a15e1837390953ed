/**
 * The `KVS.*` endpoints (Consul's `agent/consul/kvs_endpoint.go`): writes with set, CAS,
 * lock, unlock and deletes, and reads of a key, a prefix, or the keys under a prefix.
 *
 * @module
 */

import { encodeBase64, type KvOp, MAX_KV_VALUE_BYTES } from "../state/mod.ts";
import { type Args, argsOf, optObj, optStr, optUint } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { toDirEntry } from "./_shapes.ts";
import { applyOrThrow, type EndpointDeps, type EndpointHandler } from "./deps.ts";
import { badRequest, EndpointError } from "./errors.ts";
import type { IndexedDirEntries, IndexedKeyList } from "./types.ts";

const KVS_OPS: readonly KvOp[] = [
  "set",
  "cas",
  "lock",
  "unlock",
  "delete",
  "delete-tree",
  "delete-cas",
];

/**
 * A KV value as base64 for a command, or null.
 *
 * @throws {EndpointError} `bad_request` when it is not bytes; `too_large` over the limit.
 */
export function valueToBase64(entry: Args, key: string): string | null {
  const value = entry.Value;
  if (value === undefined || value === null) return null;
  if (!(value instanceof Uint8Array)) badRequest("Invalid argument: Value must be bytes");
  if (value.length > MAX_KV_VALUE_BYTES) {
    throw new EndpointError(
      "too_large",
      `Value for key ${
        JSON.stringify(key)
      } is too large (${value.length} > ${MAX_KV_VALUE_BYTES} bytes)`,
    );
  }
  return encodeBase64(value);
}

function apply(deps: EndpointDeps): EndpointHandler {
  return async (body) => {
    const args = argsOf(body, "KVSRequest");
    const op = optStr(args, "Op") as KvOp;
    if (!KVS_OPS.includes(op)) {
      badRequest(`Invalid KVS operation ${JSON.stringify(op)}; use one of ${KVS_OPS.join(", ")}`);
    }
    const entry = optObj(args, "DirEnt") ?? {};
    const key = optStr(entry, "Key");
    if (key === "" && op !== "delete-tree") badRequest("Must provide key");
    return await applyOrThrow(deps, {
      type: "kv.set",
      nowMs: deps.clock.now(),
      op,
      entry: {
        Key: key,
        Flags: optUint(entry, "Flags"),
        Value: valueToBase64(entry, key),
        Session: optStr(entry, "Session"),
        ModifyIndex: optUint(entry, "ModifyIndex"),
      },
    });
  };
}

function get(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "KeyRequest");
    const key = optStr(args, "Key");
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.kv.get(key, ws),
      (row, meta): IndexedDirEntries => ({
        Entries: row === null ? null : [toDirEntry(row)],
        ...meta,
      }),
    );
  };
}

function list(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "KeyRequest");
    const prefix = optStr(args, "Key");
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.kv.list(prefix, ws),
      (rows, meta): IndexedDirEntries => ({
        Entries: rows.length === 0 ? null : rows.map(toDirEntry),
        ...meta,
      }),
    );
  };
}

function listKeys(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "KeyListRequest");
    const prefix = optStr(args, "Prefix");
    const separator = optStr(args, "Seperator");
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.kv.keys(prefix, separator, ws),
      (keys, meta): IndexedKeyList => ({ Keys: keys, ...meta }),
    );
  };
}

/** The `KVS.*` handlers by method name. */
export function kvsEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    "KVS.Apply": apply(deps),
    "KVS.Get": get(deps),
    "KVS.List": list(deps),
    "KVS.ListKeys": listKeys(deps),
  };
}
