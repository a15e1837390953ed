/**
 * Durations written as Go's `time.ParseDuration` reads them, which is how Consul reads every
 * duration in its configuration: `"30s"`, `"1m30s"`, `"500ms"`, `"1.5h"`, `"-2s"`, `"0"`.
 *
 * @module
 */

/** Milliseconds per unit Go accepts (`us` and `µs`/`μs` are the same unit). */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

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
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid(text);
  let totalMs = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)/;
  while (rest !== "") {
    const match = part.exec(rest);
    if (!match || match[1] === "" || match[1] === ".") throw invalid(text);
    const unitMs = UNIT_MS[match[2]];
    if (unitMs === undefined) {
      throw new DurationError(
        `Unknown unit "${match[2]}" in duration "${text}"; use ns, us, ms, s, m or h`,
      );
    }
    totalMs += Number(match[1]) * unitMs;
    rest = rest.slice(match[0].length);
  }
  return sign * totalMs;
}

/** Formats milliseconds the way Go prints a duration, for messages (`90000` → `"1m30s"`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  const h = hours > 0 ? `${hours}h` : "";
  const m = hours > 0 || minutes > 0 ? `${minutes}m` : "";
  return `${sign}${h}${m}${seconds}s`;
}

function invalid(text: string): DurationError {
  return new DurationError(
    `Invalid duration "${text}"; use a number with a unit, e.g. "500ms", "30s", "1m30s", "1h"`,
  );
}
