/**
 * The finite state machine: applies one committed command at a Raft index, atomically.
 * Deterministic: the same commands at the same indexes give the same state on every replica.
 *
 * @module
 */

import { assert } from "./_assert.ts";
import { requireNumber } from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import { deleteCheck, deleteNode, deleteService, ensureRegistration } from "./catalog_write.ts";
import { type Command, COMMAND_TYPES } from "./commands.ts";
import { batchUpdateCoordinates } from "./coordinates.ts";
import { StateError } from "./errors.ts";
import { deleteFederationState, upsertFederationState } from "./federation_states.ts";
import { applyKvOp } from "./kv.ts";
import { createSession, destroySession } from "./sessions.ts";
import { type StateStore, storeInternals } from "./store.ts";
import { applyTxn, isReadOnlyTxn, TxnAborted, type TxnResponse } from "./txn.ts";
import type { TxnOp } from "./commands.ts";

/** What each command type answers when it applies. */
export interface CommandResults {
  "catalog.register": null;
  "catalog.deregister": null;
  /** What Consul's KVS.Apply answers: false when a CAS, lock or unlock did not happen. */
  "kv.set": boolean;
  /** How many tombstones were reaped. */
  "kv.reapTombstones": number;
  /** The session ID. */
  "session.create": string;
  "session.destroy": null;
  /** Results when committed; Errors (and nothing kept) when any operation failed. */
  txn: TxnResponse;
  "federationState.upsert": null;
  "federationState.delete": null;
  "coordinate.batchUpdate": null;
}

/** The outcome of applying a command: its result, or why the store refused it. */
export type ApplyResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: StateError };

/** Command types that may invalidate sessions or acquire locks, so need the leader's time. */
const TIMED_COMMANDS: ReadonlySet<string> = new Set([
  "catalog.register",
  "catalog.deregister",
  "kv.set",
  "session.destroy",
  "txn",
]);

function dispatch(t: Tables, command: Command): CommandResults[Command["type"]] {
  if (TIMED_COMMANDS.has(command.type)) {
    requireNumber((command as { nowMs?: unknown }).nowMs, "Command nowMs");
  }
  switch (command.type) {
    case "catalog.register":
      ensureRegistration(t, command);
      return null;
    case "catalog.deregister":
      if (command.serviceId) deleteService(t, command.node, command.serviceId);
      else if (command.checkId) deleteCheck(t, command.node, command.checkId);
      else deleteNode(t, command.node);
      return null;
    case "kv.set":
      return applyKvOp(t, command.op, command.entry);
    case "kv.reapTombstones":
      return t.tombstones.reap(requireNumber(command.upToIndex, "upToIndex"));
    case "session.create":
      return createSession(t, command.session);
    case "session.destroy":
      destroySession(t, command.id);
      return null;
    case "txn":
      return applyTxn(t, command.ops);
    case "federationState.upsert":
      upsertFederationState(t, command.state);
      return null;
    case "federationState.delete":
      deleteFederationState(t, command.datacenter);
      return null;
    case "coordinate.batchUpdate":
      batchUpdateCoordinates(t, command.updates);
      return null;
    default:
      throw new StateError(
        "bad_command",
        `Command type ${JSON.stringify((command as { type?: unknown }).type)} is unknown; ` +
          `expected one of ${COMMAND_TYPES.join(", ")}`,
      );
  }
}

/**
 * Applies `command` at Raft `index`. All of its changes happen or none do; watchers of the
 * changed data are woken after it commits. A refused command still consumes the index.
 *
 * @throws {Error} only on a broken invariant (e.g. `index` not above `store.appliedIndex`).
 */
export function applyCommand<C extends Command>(
  store: StateStore,
  index: number,
  command: C,
): ApplyResult<CommandResults[C["type"]]> {
  assert(
    Number.isSafeInteger(index) && index > store.appliedIndex,
    `apply index ${index} must be above the applied index ${store.appliedIndex}`,
  );
  const { tables, watches, setAppliedIndex } = storeInternals(store);
  const nowMs = "nowMs" in command && typeof command.nowMs === "number" ? command.nowMs : null;
  tables.tx.begin(index, nowMs);
  let value: CommandResults[C["type"]];
  try {
    value = dispatch(tables, command) as CommandResults[C["type"]];
  } catch (error) {
    tables.tx.rollback();
    setAppliedIndex(index);
    if (error instanceof TxnAborted) {
      return { ok: true, value: error.response as CommandResults[C["type"]] };
    }
    if (error instanceof StateError) return { ok: false, error };
    throw error;
  }
  const touched = tables.tx.commit();
  setAppliedIndex(index);
  // Before waking anyone, so that a woken blocking query reads fresh data.
  tables.memo.invalidate(touched);
  watches.notify(touched);
  return { ok: true, value };
}

/**
 * Runs a transaction made only of reads against the current state, without Raft (Consul's
 * read-only `/v1/txn` path). Nothing is written.
 *
 * @throws {StateError} when an operation writes, or there are too many operations.
 */
export function readTxn(store: StateStore, ops: readonly TxnOp[]): TxnResponse {
  if (!Array.isArray(ops) || !isReadOnlyTxn(ops)) {
    throw new StateError(
      "invalid_input",
      "Read-only transactions may contain only get and check operations",
    );
  }
  const { tables } = storeInternals(store);
  tables.tx.begin(store.appliedIndex, null);
  try {
    return applyTxn(tables, ops);
  } catch (error) {
    if (error instanceof TxnAborted) return error.response;
    throw error;
  } finally {
    tables.tx.rollback();
  }
}
