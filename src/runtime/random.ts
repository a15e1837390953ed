/**
 * Deterministic randomness for tests and simulations: a seeded sfc32 generator behind the
 * {@linkcode Random} port. Not for keys or anything secret; production uses the OS source.
 *
 * @module
 */

import type { Random } from "./ports.ts";

/** Outputs discarded after seeding so that nearby seeds give unrelated sequences. */
const SEED_WARMUP_ROUNDS = 15;

/**
 * Returns a {@linkcode Random} whose whole output is fixed by `seed` (sfc32, 32-bit state words).
 *
 * @param seed Any finite number; only its low 32 bits of integer part and its sign matter.
 * @throws {RangeError} when `seed` is not finite.
 * @example
 * ```ts
 * const a = createSeededRandom(42), b = createSeededRandom(42);
 * a.int(10) === b.int(10); // true
 * ```
 */
export function createSeededRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`Seed must be a finite number, got ${seed}`);
  const next = sfc32(seed);
  return {
    float: () => next() / 4294967296,
    int(n: number): number {
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw new RangeError(`Random.int needs a positive integer bound, got ${n}`);
      }
      return uniformInt(next, n);
    },
    bytes(n: number): Uint8Array {
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new RangeError(`Random.bytes needs a non-negative integer count, got ${n}`);
      }
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        let word = next();
        for (let j = i; j < Math.min(i + 4, n); j++) {
          out[j] = word & 0xff;
          word >>>= 8;
        }
      }
      return out;
    },
  };
}

/** The sfc32 generator (Chris Doty-Humphrey's small fast counter); yields uint32 values. */
function sfc32(seed: number): () => number {
  const low = Math.trunc(seed) >>> 0;
  const high = Math.trunc(seed / 4294967296) >>> 0;
  let a = 0x9e3779b9 ^ high;
  let b = low;
  let c = high ^ 0x243f6a88;
  let counter = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < SEED_WARMUP_ROUNDS; i++) next();
  return next;
}

/** Uniform integer in [0, n) without modulo bias, for n up to 2^53. */
function uniformInt(next: () => number, n: number): number {
  if (n <= 4294967296) {
    // Rejection sampling over the largest multiple of n below 2^32.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const value = next();
      if (value < limit) return value % n;
    }
  }
  for (;;) {
    const value = (next() >>> 11) * 4294967296 + next(); // 53 random bits
    const limit = 9007199254740992 - (9007199254740992 % n);
    if (value < limit) return value % n;
  }
}

/**
 * A random (version 4) UUID drawn from `random`: seeded in tests and simulations, from the OS
 * in production. Node IDs, session IDs and event IDs all come from here.
 *
 * @example
 * ```ts
 * randomUuid(createSeededRandom(1)); // the same UUID for the same seed
 * ```
 */
export function randomUuid(random: Random): string {
  const bytes = random.bytes(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}
