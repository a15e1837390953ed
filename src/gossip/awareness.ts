/**
 * Lifeguard local health awareness: a score that rises when this member misses acks it should
 * have had (or must refute accusations) and falls when probes succeed. Timeouts are scaled by
 * score + 1, so a member that is itself slow backs off instead of accusing healthy peers.
 *
 * @module
 */

/** The local health score, from 0 (healthy) to `maxMultiplier - 1`. */
export class Awareness {
  readonly #maxMultiplier: number;
  #score = 0;

  /** Starts healthy; `maxMultiplier` bounds how far timeouts stretch. */
  constructor(maxMultiplier: number) {
    this.#maxMultiplier = maxMultiplier;
  }

  /** The current score; 0 is healthy. */
  get score(): number {
    return this.#score;
  }

  /** Adds `delta`, clamped to the allowed range. */
  applyDelta(delta: number): void {
    this.#score = Math.min(Math.max(this.#score + delta, 0), this.#maxMultiplier - 1);
  }

  /** `timeoutMs` stretched by the current score. */
  scaleTimeoutMs(timeoutMs: number): number {
    return timeoutMs * (this.#score + 1);
  }
}
