/**
 * The one manual clock for tests: time moves only when a test advances it, so timeouts,
 * intervals and expiries are driven instead of slept.
 *
 * Two ways to advance: {@linkcode FakeClock.advance} fires every timer due by the target time
 * synchronously, in order; {@linkcode FakeClock.advanceSettled} fires them one at a time and
 * lets the promise chains each one starts run (and schedule further timers) before the next,
 * for code that awaits between timers.
 */
import type { Clock, Random, Timer } from "../../src/runtime/ports.ts";

/** Where `now()` starts: a fixed, realistic wall-clock time. */
export const FAKE_EPOCH_MS = 1_700_000_000_000;

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets promise chains started by timers (and real I/O callbacks) run before going on. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A {@linkcode Clock} whose time moves only when the test says so. */
export class FakeClock implements Clock {
  #mono = 0;
  #seq = 0;
  #timers: PendingTimer[] = [];

  now(): number {
    return FAKE_EPOCH_MS + this.#mono;
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
      if (signal?.aborted) return reject(signal.reason);
      const timer = this.setTimer(ms, resolve);
      signal?.addEventListener("abort", () => {
        timer.cancel();
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#live().length;
  }

  /** Delays of the live timers from now, soonest first. */
  pendingDelays(): number[] {
    return this.#live().map((timer) => timer.at - this.#mono);
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then — including ones scheduled by
   * the timers it fires — earliest first, synchronously.
   */
  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      const next = this.#live()[0];
      if (!next || next.at > target) break;
      this.#mono = Math.max(this.#mono, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.#mono = target;
  }

  /** Moves time forward by `ms`, settling after each timer it fires (see the module doc). */
  async advanceSettled(ms: number): Promise<void> {
    const target = this.#mono + ms;
    await settle();
    for (;;) {
      const next = this.#live()[0];
      if (!next || next.at > target) break;
      this.#mono = Math.max(this.#mono, next.at);
      next.cancelled = true;
      next.fn();
      await settle();
    }
    this.#mono = target;
    await settle();
  }

  #live(): PendingTimer[] {
    this.#timers = this.#timers.filter((timer) => !timer.cancelled);
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
