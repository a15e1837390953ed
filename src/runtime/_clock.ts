/**
 * The system clock and OS randomness, identical on Deno and Bun (both are web-standard globals).
 *
 * @module
 */

import type { Clock, Random, Timer } from "./ports.ts";

/** Returns the {@linkcode Clock} backed by `Date.now`, `performance.now` and `setTimeout`. */
export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    monotonicMs: () => performance.now(),
    setTimer(ms: number, fn: () => void): Timer {
      const id = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(id) };
    },
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          clearTimeout(id);
          reject(signal?.reason);
        };
        const id = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}

/** Largest request `crypto.getRandomValues` serves in one call (a web-crypto limit). */
const MAX_RANDOM_VALUES_BYTES = 65536;

/** Returns the {@linkcode Random} backed by `crypto.getRandomValues`. */
export function createOsRandom(): Random {
  const word = new Uint32Array(2);
  const float = (): number => {
    crypto.getRandomValues(word);
    // 53 random bits scaled into [0, 1).
    return ((word[0] >>> 5) * 67108864 + (word[1] >>> 6)) / 9007199254740992;
  };
  return {
    float,
    int(n: number): number {
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw new RangeError(`Random.int needs a positive integer bound, got ${n}`);
      }
      return Math.floor(float() * n);
    },
    bytes(n: number): Uint8Array {
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new RangeError(`Random.bytes needs a non-negative integer count, got ${n}`);
      }
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += MAX_RANDOM_VALUES_BYTES) {
        crypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_RANDOM_VALUES_BYTES)));
      }
      return out;
    },
  };
}
