/**
 * Invariant checks for the Raft storage code. A failed assertion means a bug here, never bad
 * input or a bad disk, so it throws and is not caught.
 *
 * @module
 */

/** Throws when `condition` is false: an internal invariant broke. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Raft storage invariant violated: ${message}`);
}
