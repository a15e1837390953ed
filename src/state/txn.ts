/**
 * Transactions (`/v1/txn`): a list of KV, node, service, check and session operations
 * applied all-or-nothing. Every operation runs so that every failure is reported, with
 * Consul's error texts; if any failed, nothing is kept.
 *
 * @module
 */

import type { Tables } from "./_tables.ts";
import {
  deleteCheck,
  deleteNode,
  deleteService,
  ensureCheck,
  ensureNode,
  ensureService,
} from "./catalog_write.ts";
import type { KvEntryInput, TxnCatalogVerb, TxnOp } from "./commands.ts";
import { quote, StateError } from "./errors.ts";
import {
  exportKv,
  kvCas,
  kvDelete,
  kvDeleteCas,
  kvDeleteTree,
  kvLock,
  kvSet,
  kvUnlock,
} from "./kv.ts";
import type { CheckRow, KvRow, NodeRow, ServiceRow } from "./rows.ts";
import { destroySession } from "./sessions.ts";
import { requireName } from "./_rows_util.ts";

/** Most operations in one transaction (Consul's `maxTxnOps`). */
export const MAX_TXN_OPS = 128;

/** One result of a successful transaction, shaped as Consul's `TxnResult`. */
export type TxnResult =
  | { readonly KV: KvRow }
  | { readonly Node: NodeRow }
  | { readonly Service: ServiceRow }
  | { readonly Check: CheckRow };

/** One failed operation, shaped as Consul's `TxnError`. */
export interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

/** What a transaction answers: results when it committed, errors when it rolled back. */
export interface TxnResponse {
  readonly Results: readonly TxnResult[] | null;
  readonly Errors: readonly TxnError[] | null;
}

/** Thrown inside the FSM so the whole transaction rolls back; carries the response. */
export class TxnAborted extends Error {
  /** The response to hand back (Errors set). */
  readonly response: TxnResponse;

  /** Creates the signal for `errors`. */
  constructor(errors: TxnError[]) {
    super("Transaction rolled back");
    this.name = "TxnAborted";
    this.response = { Results: null, Errors: errors };
  }
}

const READ_VERBS = new Set([
  "get",
  "get-or-empty",
  "get-tree",
  "check-session",
  "check-index",
  "check-not-exists",
]);

function fail(message: string): never {
  throw new StateError("invalid_input", message);
}

function blank(row: KvRow): TxnResult {
  return { KV: Object.freeze({ ...row, Value: null }) };
}

function runKv(t: Tables, op: Extract<TxnOp, { KV: unknown }>["KV"]): TxnResult[] {
  const entry: KvEntryInput = { ...op, ModifyIndex: op.Index };
  const key = op.Key;
  switch (op.Verb) {
    case "set":
      return [blank(kvSet(t, entry))];
    case "cas":
      return [blank(kvCas(t, entry) ?? fail(`failed to set key ${quote(key)}, index is stale`))];
    case "lock":
      return [
        blank(kvLock(t, entry) ?? fail(`failed to lock key ${quote(key)}, lock is already held`)),
      ];
    case "unlock":
      return [blank(
        kvUnlock(t, entry) ??
          fail(
            `failed to unlock key ${quote(key)}, lock isn't held, or is held by another session`,
          ),
      )];
    case "get": {
      const row = t.kvs.get(key) ?? fail(`key ${quote(key)} doesn't exist`);
      return [{ KV: exportKv(row) }];
    }
    case "get-or-empty": {
      const row = t.kvs.get(key);
      if (row !== undefined) return [{ KV: exportKv(row) }];
      const empty = { Key: key, Flags: 0, Value: null, Session: "", LockIndex: 0 };
      return [{ KV: Object.freeze({ ...empty, CreateIndex: 0, ModifyIndex: 0 }) }];
    }
    case "get-tree":
      return [...t.kvs.withPrefix(key)].map((row) => ({ KV: exportKv(row) }));
    case "check-session": {
      const row = t.kvs.get(key) ??
        fail(`failed to check session, key ${quote(key)} doesn't exist`);
      const session = op.Session ?? "";
      if (row.Session !== session) {
        fail(
          `failed session check for key ${quote(key)}, current session ${quote(row.Session)} != ${
            quote(session)
          }`,
        );
      }
      return [blank(row)];
    }
    case "check-index": {
      const row = t.kvs.get(key) ?? fail(`failed to check index, key ${quote(key)} doesn't exist`);
      if (row.ModifyIndex !== (op.Index ?? 0)) {
        fail(
          `failed index check for key ${quote(key)}, current modify index ${row.ModifyIndex} != ${
            op.Index ?? 0
          }`,
        );
      }
      return [blank(row)];
    }
    case "check-not-exists":
      if (t.kvs.get(key) !== undefined) fail(`key ${quote(key)} exists`);
      return [];
    case "delete":
      kvDelete(t, requireName(key, "KV Key"));
      return [];
    case "delete-tree":
      kvDeleteTree(t, key ?? "");
      return [];
    case "delete-cas":
      if (!kvDeleteCas(t, entry)) fail(`failed to delete key ${quote(key)}, index is stale`);
      return [];
    default:
      return fail(`unknown KV verb ${quote(String(op.Verb))}`);
  }
}

/** CAS precondition shared by nodes, services and checks: 0 means "must not exist". */
function casAllows(existing: { ModifyIndex: number } | undefined, expected = 0): boolean {
  return expected === 0 ? existing === undefined : existing?.ModifyIndex === expected;
}

function unknownVerb(kind: string, verb: TxnCatalogVerb): never {
  return fail(`unknown ${kind} verb ${quote(String(verb))}`);
}

function runNode(t: Tables, op: Extract<TxnOp, { Node: unknown }>["Node"]): TxnResult[] {
  const name = requireName(op.Node?.Node, "Node");
  const existing = t.nodes.get(name);
  switch (op.Verb) {
    case "get":
      return [{ Node: existing ?? fail(`node ${quote(name)} doesn't exist`) }];
    case "cas":
      if (!casAllows(existing, op.Node.ModifyIndex)) {
        fail(`failed to set node ${quote(name)}, index is stale`);
      }
      return [{ Node: ensureNode(t, op.Node) }];
    case "set":
      return [{ Node: ensureNode(t, op.Node) }];
    case "delete-cas":
      if (existing === undefined || existing.ModifyIndex !== op.Node.ModifyIndex) {
        fail(`failed to delete node ${quote(name)}, index is stale`);
      }
      deleteNode(t, name);
      return [];
    case "delete":
      deleteNode(t, name);
      return [];
    default:
      return unknownVerb("Node", op.Verb);
  }
}

function runService(t: Tables, op: Extract<TxnOp, { Service: unknown }>["Service"]): TxnResult[] {
  const node = requireName(op.Node, "Service operation Node");
  const id = op.Service?.ID || requireName(op.Service?.Service, "Service name");
  const existing = t.services.get(node, id);
  const where = `service ${quote(id)} on node ${quote(node)}`;
  switch (op.Verb) {
    case "get":
      return [{ Service: existing ?? fail(`${where} doesn't exist`) }];
    case "cas":
      if (!casAllows(existing, op.Service.ModifyIndex)) {
        fail(`failed to set ${where}, index is stale`);
      }
      return [{ Service: ensureService(t, node, op.Service) }];
    case "set":
      return [{ Service: ensureService(t, node, op.Service) }];
    case "delete-cas":
      if (existing === undefined || existing.ModifyIndex !== op.Service.ModifyIndex) {
        fail(`failed to delete ${where}, index is stale`);
      }
      deleteService(t, node, id);
      return [];
    case "delete":
      deleteService(t, node, id);
      return [];
    default:
      return unknownVerb("Service", op.Verb);
  }
}

function runCheck(t: Tables, op: Extract<TxnOp, { Check: unknown }>["Check"]): TxnResult[] {
  const node = requireName(op.Check?.Node, "Check Node");
  const id = requireName(op.Check.CheckID, "CheckID");
  const existing = t.checks.get(node, id);
  const where = `check ${quote(id)} on node ${quote(node)}`;
  switch (op.Verb) {
    case "get":
      return [{ Check: existing ?? fail(`${where} doesn't exist`) }];
    case "cas":
      if (!casAllows(existing, op.Check.ModifyIndex)) {
        fail(`failed to set ${where}, index is stale`);
      }
      return [{ Check: ensureCheck(t, node, op.Check) }];
    case "set":
      return [{ Check: ensureCheck(t, node, op.Check) }];
    case "delete-cas":
      if (existing === undefined || existing.ModifyIndex !== op.Check.ModifyIndex) {
        fail(`failed to delete ${where}, index is stale`);
      }
      deleteCheck(t, node, id);
      return [];
    case "delete":
      deleteCheck(t, node, id);
      return [];
    default:
      return unknownVerb("Check", op.Verb);
  }
}

/**
 * Deletes a session. Consul's txn only removes the session row and leaves its locks held by
 * a session that no longer exists; here it is a full invalidation, like `session.destroy`.
 */
function runSession(t: Tables, op: Extract<TxnOp, { Session: unknown }>["Session"]): TxnResult[] {
  if (op.Verb !== "delete") fail(`unknown Session verb ${quote(String(op.Verb))}`);
  const id = requireName(op.Session?.ID, "Session ID");
  if (t.sessions.get(id) === undefined) {
    fail(`failed to delete session: session ${quote(id)} doesn't exist`);
  }
  destroySession(t, id);
  return [];
}

function runOp(t: Tables, op: TxnOp): TxnResult[] {
  if (typeof op !== "object" || op === null) return fail("no operation specified");
  if ("KV" in op && op.KV) return runKv(t, op.KV);
  if ("Node" in op && op.Node) return runNode(t, op.Node);
  if ("Service" in op && op.Service) return runService(t, op.Service);
  if ("Check" in op && op.Check) return runCheck(t, op.Check);
  if ("Session" in op && op.Session) return runSession(t, op.Session);
  return fail("no operation specified");
}

/** Validates the operation count. @throws {StateError} `txn_too_large`. */
export function checkTxnSize(ops: readonly TxnOp[]): void {
  if (!Array.isArray(ops)) {
    throw new StateError("invalid_input", "Transaction ops must be an array");
  }
  if (ops.length > MAX_TXN_OPS) {
    throw new StateError(
      "txn_too_large",
      `Transaction contains too many operations (${ops.length} > ${MAX_TXN_OPS})`,
    );
  }
}

/**
 * Runs every operation inside the open transaction.
 *
 * @throws {TxnAborted} when any operation failed; the caller rolls back.
 */
export function applyTxn(t: Tables, ops: readonly TxnOp[]): TxnResponse {
  checkTxnSize(ops);
  const results: TxnResult[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, opIndex) => {
    try {
      results.push(...runOp(t, op));
    } catch (error) {
      if (!(error instanceof StateError)) throw error;
      errors.push({ OpIndex: opIndex, What: error.message });
    }
  });
  if (errors.length > 0) throw new TxnAborted(errors);
  return { Results: results, Errors: null };
}

/** True when every operation only reads, so the transaction can skip Raft (Consul's TxnRO). */
export function isReadOnlyTxn(ops: readonly TxnOp[]): boolean {
  return ops.every((op) => {
    if ("KV" in op && op.KV) return READ_VERBS.has(op.KV.Verb);
    if ("Node" in op && op.Node) return op.Node.Verb === "get";
    if ("Service" in op && op.Service) return op.Service.Verb === "get";
    if ("Check" in op && op.Check) return op.Check.Verb === "get";
    return false;
  });
}
