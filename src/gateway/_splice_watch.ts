/**
 * What the proxy watches on a spliced connection: when bytes last moved, to close idle
 * connections. Byte counts come from `Net.splice`'s `onBytes`, which also touches this timer.
 *
 * @module
 */
import type { Clock, Timer } from "../runtime/ports.ts";

/** Closes a connection once no byte has moved for `timeoutMs`; cheap to touch per chunk. */
export class IdleTimer {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onIdle: () => void;
  #lastActivityMs: number;
  #timer: Timer | null;

  /** Starts timing from now. */
  constructor(clock: Clock, timeoutMs: number, onIdle: () => void) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
    this.#lastActivityMs = clock.monotonicMs();
    this.#timer = clock.setTimer(timeoutMs, () => this.#check());
  }

  /** Records traffic now. */
  touch(): void {
    this.#lastActivityMs = this.#clock.monotonicMs();
  }

  /** Stops the timer for good. */
  cancel(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  // Re-arming on expiry instead of on every chunk keeps busy connections free of timer churn.
  #check(): void {
    if (this.#timer === null) return;
    const idleMs = this.#clock.monotonicMs() - this.#lastActivityMs;
    if (idleMs >= this.#timeoutMs) {
      this.#timer = null;
      this.#onIdle();
      return;
    }
    this.#timer = this.#clock.setTimer(this.#timeoutMs - idleMs, () => this.#check());
  }
}
