/** A manual clock for HTTP tests: timers fire only when the test advances time. */

import type { Clock, Timer } from "../../src/runtime/ports.ts";

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A {@linkcode Clock} whose time moves only through {@linkcode FakeClock.advance}. */
export class FakeClock implements Clock {
  #mono = 0;
  #seq = 0;
  #timers: PendingTimer[] = [];

  now(): number {
    return 1_700_000_000_000 + this.#mono;
  }

  monotonicMs(): number {
    return this.#mono;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer = { at: this.#mono + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.setTimer(ms, resolve);
      signal?.addEventListener("abort", () => {
        timer.cancel();
        reject(signal.reason);
      });
    });
  }

  /** Number of timers not yet fired or canceled. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#mono = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.#mono = target;
  }
}
