/**
 * Durations in configuration, read as Go's `time.ParseDuration` reads them (which is how Consul
 * reads every duration in its configuration), with errors worded for someone editing a file.
 *
 * @module
 */

import { GO_DURATION_UNITS, readGoDuration } from "../go_duration.ts";

/** Longest duration text accepted, so a hostile value cannot make the scan slow. */
export const MAX_DURATION_TEXT_LENGTH = 64;

/** A duration string that does not follow Go's syntax. */
export class DurationError extends Error {
  override readonly name = "DurationError";
}

/**
 * Parses a Go duration string into milliseconds (fractional for sub-millisecond units).
 *
 * @throws {DurationError} when the text is not a duration, e.g. a bare number or unknown unit.
 * @example
 * ```ts
 * parseDuration("1m30s"); // 90000
 * parseDuration("250us"); // 0.25
 * ```
 */
export function parseDuration(text: string): number {
  if (text.length > MAX_DURATION_TEXT_LENGTH) {
    throw new DurationError(`Duration "${text.slice(0, 20)}..." is too long`);
  }
  const result = readGoDuration(text);
  if (result.ok) return result.ms;
  if (result.fault.kind === "unknown-unit") {
    throw new DurationError(
      `Unknown unit "${result.fault.unit}" in duration "${text}"; use ${GO_DURATION_UNITS}`,
    );
  }
  throw new DurationError(
    `Invalid duration "${text}"; use a number with a unit, e.g. "500ms", "30s", "1m30s", "1h"`,
  );
}
