/**
 * Leader-side bookkeeping of session TTL deadlines. Pure: the caller passes the time in and
 * owns the single timer that fires at {@linkcode SessionExpiry.nextDeadlineMs}.
 *
 * @module
 */

import { SESSION_TTL_MULTIPLIER, type TtlSession } from "./sessions.ts";

/** Deadlines of TTL sessions; renewals move them, the leader destroys the ones due. */
export class SessionExpiry {
  readonly #deadlines = new Map<string, number>();
  readonly #ttls = new Map<string, number>();

  /** Number of tracked sessions. */
  get size(): number {
    return this.#deadlines.size;
  }

  /** Starts (or restarts) the clock of a session: it is due `ttlMs * 2` after `nowMs`. */
  arm(id: string, ttlMs: number, nowMs: number): void {
    this.#ttls.set(id, ttlMs);
    this.#deadlines.set(id, nowMs + ttlMs * SESSION_TTL_MULTIPLIER);
  }

  /** Renews a tracked session; false when it is not tracked (expired or unknown). */
  renew(id: string, nowMs: number): boolean {
    const ttlMs = this.#ttls.get(id);
    if (ttlMs === undefined) return false;
    this.arm(id, ttlMs, nowMs);
    return true;
  }

  /** Stops tracking a session. */
  remove(id: string): void {
    this.#ttls.delete(id);
    this.#deadlines.delete(id);
  }

  /**
   * Reconciles with the store's TTL sessions: arms sessions not yet tracked (a new leader
   * gives each a full period, as Consul does) and drops sessions that no longer exist.
   */
  sync(sessions: readonly TtlSession[], nowMs: number): void {
    const live = new Set(sessions.map((session) => session.ID));
    for (const id of [...this.#deadlines.keys()]) if (!live.has(id)) this.remove(id);
    for (const session of sessions) {
      if (!this.#deadlines.has(session.ID)) this.arm(session.ID, session.ttlMs, nowMs);
    }
  }

  /** IDs whose deadline is at or before `nowMs`, sorted; they stay tracked until removed. */
  due(nowMs: number): string[] {
    const ids: string[] = [];
    for (const [id, deadline] of this.#deadlines) if (deadline <= nowMs) ids.push(id);
    return ids.sort();
  }

  /** The earliest deadline, or null when nothing is tracked. */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    for (const deadline of this.#deadlines.values()) {
      if (next === null || deadline < next) next = deadline;
    }
    return next;
  }
}
