import type { Clock, Timer } from "../../src/runtime/ports.ts";

/** A Clock whose time moves only when the test calls `advance`. */
export class FakeClock implements Clock {
  #nowMs = 1_000_000;
  #timers: Array<{ dueMs: number; fn: () => void; cancelled: boolean }> = [];

  now(): number {
    return this.#nowMs;
  }

  monotonicMs(): number {
    return this.#nowMs;
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer = { dueMs: this.#nowMs + ms, fn, cancelled: false };
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

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.dueMs <= target)
        .sort((a, b) => a.dueMs - b.dueMs)[0];
      if (!due) break;
      this.#nowMs = due.dueMs;
      due.cancelled = true;
      due.fn();
    }
    this.#nowMs = target;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }
}
