/**
 * Pings awaiting their answer: ids, timeouts and the RTT of the latest answer.
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import { MAX_U32 } from "./yamux_frame.ts";
import { PingTimeoutError, SessionClosedError } from "./yamux_errors.ts";

/** Pings awaiting their answer at once. */
export const MAX_PENDING_PINGS = 64;

interface PendingPing {
  readonly answered: () => void;
  readonly fail: (error: Error) => void;
}

/** Hands out ping ids and settles each ping by its answer, its timeout or session close. */
export class PingTracker {
  #clock: Clock;
  #timeoutMs: number;
  #pending = new Map<number, PendingPing>();
  #nextId = 0;
  #lastRttMs: number | null = null;

  /** Pings time out after `timeoutMs` on `clock`. */
  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** RTT of the latest answered ping, or null before the first. */
  get lastRttMs(): number | null {
    return this.#lastRttMs;
  }

  /**
   * Registers a ping; send `id` in the Ping frame. `rttMs` resolves on the answer.
   * @throws {SessionClosedError} when {@linkcode MAX_PENDING_PINGS} pings are unanswered.
   */
  start(): { id: number; rttMs: Promise<number> } {
    if (this.#pending.size >= MAX_PENDING_PINGS) {
      throw new SessionClosedError(
        `More than ${MAX_PENDING_PINGS} pings are unanswered; the peer is not responding`,
      );
    }
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) % (MAX_U32 + 1);
    const startMs = this.#clock.monotonicMs();
    const rttMs = new Promise<number>((resolve, reject) => {
      const timer = this.#clock.setTimer(this.#timeoutMs, () => {
        this.#pending.delete(id);
        reject(new PingTimeoutError(this.#timeoutMs));
      });
      this.#pending.set(id, {
        answered: () => {
          timer.cancel();
          this.#lastRttMs = this.#clock.monotonicMs() - startMs;
          resolve(this.#lastRttMs);
        },
        fail: (error) => {
          timer.cancel();
          reject(error);
        },
      });
    });
    return { id, rttMs };
  }

  /** Settles the ping with `id`; answers nobody asked for are ignored. */
  answer(id: number): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.answered();
  }

  /** Fails every pending ping with `error`. */
  failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.fail(error);
    this.#pending.clear();
  }
}
