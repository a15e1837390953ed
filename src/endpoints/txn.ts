/**
 * The `Txn.*` endpoints (Consul's `agent/consul/txn_endpoint.go`): atomic transactions of KV,
 * node, service, check and session operations through Raft, and read-only ones answered from
 * local state.
 *
 * @module
 */

import {
  MAX_TXN_OPS,
  readTxn,
  StateError,
  type TxnOp as StoreTxnOp,
  type TxnResponse as StoreTxnResponse,
} from "../state/mod.ts";
import { type Args, argsOf, optStr, optUint } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { toDirEntry, toNodeService } from "./_shapes.ts";
import { applyOrThrow, type EndpointDeps, type EndpointHandler } from "./deps.ts";
import { badRequest, EndpointError } from "./errors.ts";
import { valueToBase64 } from "./kvs.ts";
import type { TxnReadResponse, TxnResponse, TxnResult } from "./types.ts";

/** Converts one `structs.TxnOp` (KV carrying a DirEnt) to the store's operation shape. */
function storeOp(raw: unknown, opIndex: number): StoreTxnOp {
  const op = argsOf(raw, `Ops[${opIndex}]`);
  const kv = op.KV as Args | null | undefined;
  if (kv === undefined || kv === null) return op as unknown as StoreTxnOp;
  const entry = argsOf(argsOf(kv, "KV").DirEnt ?? {}, "DirEnt");
  const key = optStr(entry, "Key");
  return {
    KV: {
      Verb: optStr(kv, "Verb") as Extract<StoreTxnOp, { KV: unknown }>["KV"]["Verb"],
      Key: key,
      Value: valueToBase64(entry, key),
      Flags: optUint(entry, "Flags"),
      Index: optUint(entry, "ModifyIndex"),
      Session: optStr(entry, "Session"),
    },
  };
}

/** The checked operations of a request. @throws {EndpointError} on a bad list or too many. */
function opsOf(args: Args): StoreTxnOp[] {
  const ops = args.Ops;
  if (!Array.isArray(ops)) badRequest("Invalid argument: Ops must be a list of operations");
  if (ops.length > MAX_TXN_OPS) {
    throw new EndpointError(
      "too_large",
      `Transaction contains too many operations (${ops.length} > ${MAX_TXN_OPS})`,
    );
  }
  return ops.map(storeOp);
}

function toResponse(response: StoreTxnResponse): TxnResponse {
  const results = response.Results?.map((result): TxnResult => {
    if ("KV" in result) return { KV: toDirEntry(result.KV) };
    if ("Service" in result) return { Service: toNodeService(result.Service) };
    return result;
  });
  return { Results: results ?? null, Errors: response.Errors };
}

function apply(deps: EndpointDeps): EndpointHandler {
  return async (body) => {
    const ops = opsOf(argsOf(body, "TxnRequest"));
    const response = await applyOrThrow(deps, { type: "txn", nowMs: deps.clock.now(), ops });
    return toResponse(response);
  };
}

function read(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "TxnReadRequest");
    const ops = opsOf(args);
    // Consul does not block transaction reads; only consistency and meta apply.
    return runQuery(
      deps,
      { ...args, MinQueryIndex: 0 },
      context,
      () => {
        try {
          return { index: deps.store.appliedIndex, value: readTxn(deps.store, ops) };
        } catch (error) {
          if (error instanceof StateError) badRequest(error.message);
          throw error;
        }
      },
      (response, meta): TxnReadResponse => ({ ...toResponse(response), ...meta }),
    );
  };
}

/** The `Txn.*` handlers by method name. */
export function txnEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return { "Txn.Apply": apply(deps), "Txn.Read": read(deps) };
}
