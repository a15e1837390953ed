/**
 * A Clock whose time moves only when the test says so, counting the timers it holds, so
 * blocking-query timeouts are driven instead of slept.
 *
 * @module
 */

import type { Clock, Timer } from "../../src/runtime/ports.ts";

interface FakeTimer {
  readonly dueMs: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A manual clock: `advance(ms)` fires due timers in order. */
export class FakeClock implements Clock {
  #nowMs = 1_700_000_000_000;
  #timers: FakeTimer[] = [];

  now(): number {
    return this.#nowMs;
  }

  monotonicMs(): number {
    return this.#nowMs;
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer: FakeTimer = { dueMs: this.#nowMs + Math.max(0, ms), fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => timer.cancelled = true };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.setTimer(ms, resolve);
      signal?.addEventListener("abort", () => {
        timer.cancel();
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    const due = this.#timers
      .filter((timer) => !timer.cancelled && timer.dueMs <= target)
      .sort((a, b) => a.dueMs - b.dueMs);
    for (const timer of due) {
      if (timer.cancelled) continue;
      this.#nowMs = timer.dueMs;
      timer.cancelled = true;
      timer.fn();
    }
    this.#nowMs = target;
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
  }
}
