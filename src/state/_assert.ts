/**
 * Invariant checks for the state store. A failed assertion means a bug in this module, never
 * bad input, so it throws and is not caught.
 *
 * @module
 */

/** Throws when `condition` is false: an internal invariant broke. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`State store invariant violated: ${message}`);
}
