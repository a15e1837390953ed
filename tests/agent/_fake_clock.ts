/** A manual clock for agent tests: timers fire only when the test advances time. */

import type { Clock, Random, Timer } from "../../src/runtime/ports.ts";

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets promise chains started by timers (and real I/O callbacks) run before going on. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
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

  /** Delays of the live timers from now, soonest first. */
  pendingDelays(): number[] {
    return this.#live().map((t) => t.at - this.#mono);
  }

  /** Moves time forward by `ms`, firing due timers in order and settling after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#mono + ms;
    await settle();
    for (;;) {
      const next = this.#live()[0];
      if (!next || next.at > target) break;
      this.#mono = next.at;
      next.cancelled = true;
      next.fn();
      await settle();
    }
    this.#mono = target;
  }

  #live(): PendingTimer[] {
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    return [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

/** A {@linkcode Random} whose `float()` always returns `value` (so stagger = value × span). */
export function fixedRandom(value: number): Random {
  return {
    float: () => value,
    int: (n) => Math.floor(value * n),
    bytes: (n) => new Uint8Array(n),
  };
}
