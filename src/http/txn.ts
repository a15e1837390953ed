/**
 * `PUT /v1/txn`: Consul's transaction API. KV operations arrive with base64 values and are
 * turned into the endpoint's DirEnt form; transactions of reads only go to `Txn.Read` (with
 * query meta), the rest to `Txn.Apply`. A rolled-back transaction answers 409 with its errors.
 */

import type { TxnOp, TxnResult } from "../endpoints/mod.ts";
import { decodeBase64, MAX_KV_VALUE_BYTES, StateError } from "../state/mod.ts";
import { Fields, isRecord } from "./_fields.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest, HttpError } from "./errors.ts";
import { dirEntryJson } from "./kv.ts";
import { jsonResponse } from "./respond.ts";
import type { Route } from "./router.ts";

/** KV verbs that only read. */
const KV_READ_VERBS = new Set([
  "get",
  "get-or-empty",
  "get-tree",
  "check-session",
  "check-index",
  "check-not-exists",
]);

function kvOp(raw: unknown, opIndex: number, maxValueBytes: number): TxnOp {
  const fields = new Fields(raw, `Ops[${opIndex}].KV`);
  const key = fields.string("Key");
  let value: Uint8Array | null = null;
  const encoded = fields.string("Value");
  if (encoded !== "") {
    try {
      value = decodeBase64(encoded);
    } catch (error) {
      if (error instanceof StateError) {
        throw badRequest(
          `Failed to parse body: Value of key ${JSON.stringify(key)}: ${error.message}`,
        );
      }
      throw error;
    }
  }
  if (value !== null && value.length > maxValueBytes) {
    throw new HttpError(
      413,
      `Value for key ${
        JSON.stringify(key)
      } is too large (${value.length} > ${maxValueBytes} bytes)`,
    );
  }
  return {
    KV: {
      Verb: fields.string("Verb") as NonNullable<TxnOp["KV"]>["Verb"],
      DirEnt: {
        Key: key,
        Value: value,
        Flags: fields.int("Flags"),
        Session: fields.string("Session"),
        ModifyIndex: fields.int("Index"),
      },
    },
  };
}

function isReadOnly(ops: readonly TxnOp[]): boolean {
  return ops.every((op) => {
    if (op.KV) return KV_READ_VERBS.has(op.KV.Verb);
    if (op.Node) return op.Node.Verb === "get";
    if (op.Service) return op.Service.Verb === "get";
    if (op.Check) return op.Check.Verb === "get";
    return false;
  });
}

function convertOps(body: unknown, maxValueBytes: number): TxnOp[] {
  if (!Array.isArray(body)) throw badRequest("Failed to parse body: expected a list of operations");
  return body.map((raw, opIndex) => {
    if (!isRecord(raw)) throw badRequest(`Failed to parse body: Ops[${opIndex}] must be an object`);
    const kv = new Fields(raw, `Ops[${opIndex}]`).raw("KV");
    return kv === undefined ? raw as TxnOp : kvOp(kv, opIndex, maxValueBytes);
  });
}

function resultsJson(results: readonly TxnResult[] | null) {
  return results?.map((result) => result.KV ? { KV: dirEntryJson(result.KV) } : result) ?? null;
}

async function txn(ctx: HandlerContext) {
  const ops = convertOps(await ctx.req.json(), ctx.deps.kvMaxValueBytes ?? MAX_KV_VALUE_BYTES);
  const reply = isReadOnly(ops)
    ? await ctx.read("Txn.Read", { ...ctx.query(), Ops: ops })
    : await ctx.call("Txn.Apply", { ...ctx.writeArgs(), Ops: ops });
  const failed = (reply.Errors?.length ?? 0) > 0;
  return jsonResponse(
    { Results: failed ? null : resultsJson(reply.Results), Errors: reply.Errors ?? null },
    { pretty: ctx.pretty, status: failed ? 409 : 200, headers: ctx.headers },
  );
}

/** The transaction route. */
export const TXN_ROUTES: readonly Route[] = [
  { path: "/v1/txn", methods: ["PUT"], handler: txn },
];
