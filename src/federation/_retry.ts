/**
 * The pacing every federation loop shares: a token bucket on the Clock port (Consul's
 * `rate.Limiter`) and a retry loop with exponential backoff (Consul's `retryLoopBackoff`).
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import type { FederationLog } from "./types.ts";

/** First backoff after a failed round; it doubles per consecutive failure. */
export const FIRST_BACKOFF_MS = 1_000;

/** Longest backoff between failed rounds (Consul's `maxRetryBackoff`, 256 s). */
export const MAX_BACKOFF_MS = 256_000;

/** Resolves after `ms`, or returns false (instead of rejecting) when `signal` aborts. */
export async function sleepUnlessAborted(
  clock: Clock,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}

/** A token bucket: `ratePerSec` tokens a second, holding at most `burst`. Starts full. */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #ratePerSec: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  /** @param options Refill rate (tokens per second, > 0) and bucket size (>= 1). */
  constructor(clock: Clock, options: { ratePerSec: number; burst: number }) {
    if (!(options.ratePerSec > 0) || !(options.burst >= 1)) {
      throw new RangeError("A token bucket needs a positive rate and a burst of at least 1");
    }
    this.#clock = clock;
    this.#ratePerSec = options.ratePerSec;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#lastMs = clock.monotonicMs();
  }

  #refill(): void {
    const nowMs = this.#clock.monotonicMs();
    const earned = ((nowMs - this.#lastMs) / 1000) * this.#ratePerSec;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#lastMs = nowMs;
  }

  /** Takes one token, waiting for it if needed; false when `signal` aborted first. */
  async take(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return true;
      }
      const waitMs = Math.ceil(((1 - this.#tokens) / this.#ratePerSec) * 1000);
      if (!await sleepUnlessAborted(this.#clock, waitMs, signal)) return false;
    }
  }
}

/** How a {@linkcode retryLoop} is paced. */
export interface RetryLoopOptions {
  readonly clock: Clock;
  /** Rounds per second allowed in steady state. */
  readonly ratePerSec: number;
  /** Rounds allowed back to back before the rate applies. */
  readonly burst: number;
  /** Cap of the exponential backoff after failures; default {@linkcode MAX_BACKOFF_MS}. */
  readonly maxBackoffMs?: number;
  /** Stops the loop (between rounds, or during a wait). */
  readonly signal: AbortSignal;
  /** Told about each failed round and how long the loop will wait before the next. */
  readonly onError: (error: unknown, backoffMs: number) => void;
}

/** The wait after `failures` consecutive failed rounds: 1 s, 2 s, 4 s, … up to the cap. */
export function backoffMs(failures: number, maxMs: number = MAX_BACKOFF_MS): number {
  return Math.min(maxMs, FIRST_BACKOFF_MS * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

/**
 * Runs `round` until `signal` aborts: each round first takes a token from the rate limiter;
 * a round that throws is reported and followed by an exponential backoff, a round that
 * succeeds resets the backoff.
 */
export async function retryLoop(
  options: RetryLoopOptions,
  round: () => Promise<void>,
): Promise<void> {
  const { clock, signal } = options;
  const bucket = new TokenBucket(clock, { ratePerSec: options.ratePerSec, burst: options.burst });
  let failures = 0;
  while (await bucket.take(signal)) {
    try {
      await round();
      failures = 0;
    } catch (error) {
      if (signal.aborted) return;
      failures++;
      const waitMs = backoffMs(failures, options.maxBackoffMs);
      options.onError(error, waitMs);
      if (!await sleepUnlessAborted(clock, waitMs, signal)) return;
    }
  }
}

/** A log function that discards everything. */
export const DISCARD_FEDERATION_LOG: FederationLog = () => {};

/** The message of anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
