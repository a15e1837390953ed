/**
 * Sessions: creation with Consul's validation, invalidation (destroy) that releases or
 * deletes the session's locks per its Behavior and records lock delays, and reads.
 *
 * @module
 */

import { assert } from "./_assert.ts";
import { deepFreeze, optCount, optString, optStrings, requireName } from "./_rows_util.ts";
import { readGoDuration } from "../go_duration.ts";
import type { Tables } from "./_tables.ts";
import type { SessionInput } from "./commands.ts";
import { quote, StateError } from "./errors.ts";
import { kvDelete } from "./kv.ts";
import type { Indexed, SessionBehavior, SessionRow, SessionServiceCheck } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

/** Longest lock delay honoured, as Consul's `structs.MaxLockDelay`. */
export const MAX_LOCK_DELAY_MS = 60_000;

/** Consul's `SessionTTLMultiplier`: a TTL session expires after this many TTLs unrenewed. */
export const SESSION_TTL_MULTIPLIER = 2;

const NANOS_PER_MS = 1_000_000;

function behaviorOf(value: unknown): SessionBehavior {
  if (value === undefined || value === null || value === "" || value === "release") {
    return "release";
  }
  if (value === "delete") return "delete";
  throw new StateError("invalid_input", `Invalid session behavior: ${String(value)}`);
}

function serviceChecksOf(value: SessionInput["ServiceChecks"]): SessionServiceCheck[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new StateError("invalid_input", "Session ServiceChecks must be an array");
  }
  return value.map((check) => ({
    ID: requireName(check?.ID, "Session ServiceChecks ID"),
    Namespace: optString(check?.Namespace, "Session ServiceChecks Namespace"),
  }));
}

function normalizeSession(t: Tables, input: SessionInput): SessionRow {
  if (typeof input?.ID !== "string" || input.ID === "") {
    throw new StateError("invalid_input", "Missing session ID");
  }
  const ttl = optString(input.TTL, "Session TTL");
  if (ttl !== "" && !readGoDuration(ttl).ok) {
    throw new StateError(
      "invalid_input",
      `Session TTL ${quote(ttl)} is not a duration; use Go duration text such as "30s"`,
    );
  }
  const index = t.tx.index;
  return deepFreeze({
    ID: input.ID,
    Name: optString(input.Name, "Session Name"),
    Node: requireName(input.Node, "Session Node"),
    LockDelay: optCount(input.LockDelay, "Session LockDelay"),
    Behavior: behaviorOf(input.Behavior),
    TTL: ttl,
    NodeChecks: optStrings(input.NodeChecks, "Session NodeChecks"),
    ServiceChecks: serviceChecksOf(input.ServiceChecks),
    CreateIndex: index,
    ModifyIndex: index,
  });
}

function validateChecks(t: Tables, session: SessionRow): void {
  const ids = [...session.NodeChecks, ...session.ServiceChecks.map((check) => check.ID)];
  for (const id of ids) {
    const check = t.checks.get(session.Node, id);
    if (check === undefined) {
      throw new StateError("missing_check", `Missing check '${id}' registration`);
    }
    if (check.Status === "critical") {
      throw new StateError("check_critical", `Check '${id}' is in ${check.Status} state`);
    }
  }
}

/**
 * Creates a session and returns its ID.
 *
 * @throws {StateError} when the ID is missing or taken, the node or a check is missing, or a
 * check is critical.
 */
export function createSession(t: Tables, input: SessionInput): string {
  const session = normalizeSession(t, input);
  if (t.sessions.get(session.ID) !== undefined) {
    throw new StateError("session_exists", `Session ${quote(session.ID)} already exists`);
  }
  const node = t.nodes.get(session.Node);
  if (node === undefined) throw new StateError("missing_node", "Missing node registration");
  validateChecks(t, session);
  t.sessions.put(deepFreeze({ ...session, Node: node.Node }));
  return session.ID;
}

/**
 * Invalidates a session: removes it, then releases (Behavior "release") or deletes
 * (Behavior "delete") every key it holds and puts those keys in lock delay. No-op when the
 * session does not exist.
 */
export function destroySession(t: Tables, id: string): void {
  const session = t.sessions.get(id);
  if (session === undefined) return;
  t.sessions.remove(id);
  const delayMs = Math.min(session.LockDelay / NANOS_PER_MS, MAX_LOCK_DELAY_MS);
  const nowMs = t.tx.nowMs;
  const held = t.kvs.heldBy(id);
  assert(held.length === 0 || nowMs !== null, "commands invalidating sessions carry nowMs");
  for (const key of held) {
    if (session.Behavior === "delete") kvDelete(t, key);
    else {
      const row = t.kvs.get(key)!;
      t.kvs.put(deepFreeze({ ...row, Session: "", ModifyIndex: t.tx.index }));
    }
    if (delayMs > 0) t.lockDelays.set(key, nowMs! + delayMs);
  }
  if (nowMs !== null) t.lockDelays.prune(nowMs);
}

/** Invalidates every session that lists check `checkId` of `node`. */
export function invalidateSessionsOfCheck(t: Tables, node: string, checkId: string): void {
  for (const id of t.sessions.dependingOn(node, checkId)) destroySession(t, id);
}

/** A session with a TTL, for the leader's expiry timers. */
export interface TtlSession {
  readonly ID: string;
  /** The TTL itself; the leader expires the session after `ttlMs * SESSION_TTL_MULTIPLIER`. */
  readonly ttlMs: number;
}

/** Reads of the sessions table. */
export class SessionReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  /** One session by ID (`/v1/session/info/:id`). */
  info(id: string, ws?: WatchSet): Indexed<SessionRow | null> {
    ws?.addEncoded(`x:${id}`);
    return { index: this.#t.indexes.get("sessions"), value: this.#t.sessions.get(id) ?? null };
  }

  /** Sessions of one node, ordered by ID (`/v1/session/node/:node`). */
  ofNode(node: string, ws?: WatchSet): Indexed<SessionRow[]> {
    ws?.addEncoded("t:sessions");
    return { index: this.#t.indexes.get("sessions"), value: this.#t.sessions.ofNode(node) };
  }

  /** Every session, ordered by ID (`/v1/session/list`). */
  list(ws?: WatchSet): Indexed<SessionRow[]> {
    ws?.addEncoded("t:sessions");
    return { index: this.#t.indexes.get("sessions"), value: this.#t.sessions.all() };
  }

  /**
   * Sessions that expire unless renewed. Renewal is leader-local, as in Consul: a new leader
   * arms a timer of `ttlMs * SESSION_TTL_MULTIPLIER` for each, resets it on renew, and
   * proposes `session.destroy` when it fires (see `SessionExpiry`).
   */
  withTtl(): TtlSession[] {
    const out: TtlSession[] = [];
    for (const session of this.#t.sessions.all()) {
      const ttl = readGoDuration(session.TTL);
      if (ttl.ok && ttl.ms > 0) out.push({ ID: session.ID, ttlMs: ttl.ms });
    }
    return out;
  }
}
