/**
 * Go's `time.Duration` text, which Consul uses for every duration it reads or prints: in
 * configuration files, check definitions, session TTLs and query parameters (`"30s"`,
 * `"1m30s"`, `"250ms"`, `"1.5h"`, `"-2s"`, `"0"`). Durations are carried as milliseconds
 * (fractional below one) everywhere else in Consulate.
 *
 * {@linkcode readGoDuration} says why a text is not a duration, so each caller can word the
 * error its own users expect; {@linkcode parseGoDuration} throws Go's own messages.
 *
 * @module
 */

const NS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5 micro sign
  "μs": 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** The units Go accepts, for messages. */
export const GO_DURATION_UNITS = "ns, us, ms, s, m or h";

/** One `<number><unit>` part: digits, an optional fraction, then everything up to a digit. */
const PART = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/;

/** Why a text is not a Go duration, in Go's terms. */
export type GoDurationFault =
  | { readonly kind: "invalid" }
  | { readonly kind: "missing-unit" }
  | { readonly kind: "unknown-unit"; readonly unit: string };

/** Either the duration in milliseconds or why there is none. */
export type GoDurationResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly fault: GoDurationFault };

/**
 * Reads Go duration text into milliseconds, as Go's `time.ParseDuration` does: an optional
 * sign, then one or more `<number><unit>` parts; `"0"` alone needs no unit.
 */
export function readGoDuration(text: string): GoDurationResult {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return { ok: true, ms: 0 };
  if (rest === "") return fault({ kind: "invalid" });
  let totalNs = 0;
  while (rest !== "") {
    const match = PART.exec(rest)!;
    const [part, whole, fraction = "", unit] = match;
    if (whole === "" && fraction === "") return fault({ kind: "invalid" });
    if (unit === "") return fault({ kind: "missing-unit" });
    const nsPerUnit = NS_PER_UNIT[unit];
    if (nsPerUnit === undefined) return fault({ kind: "unknown-unit", unit });
    totalNs += Number(`${whole || "0"}.${fraction || "0"}`) * nsPerUnit;
    rest = rest.slice(part.length);
  }
  return { ok: true, ms: (sign * totalNs) / 1e6 };
}

function fault(reason: GoDurationFault): GoDurationResult {
  return { ok: false, fault: reason };
}

/** A text that is not a Go duration; the message is Go's (`time: invalid duration "x"`). */
export class InvalidDurationError extends Error {
  override readonly name = "InvalidDurationError";
  /** Builds the error with Go's wording for `fault`. */
  constructor(readonly text: string, fault: GoDurationFault = { kind: "invalid" }) {
    super(goMessage(text, fault));
  }
}

/** Go's error text for a fault. */
export function goMessage(text: string, fault: GoDurationFault): string {
  const quoted = JSON.stringify(text);
  switch (fault.kind) {
    case "invalid":
      return `time: invalid duration ${quoted}`;
    case "missing-unit":
      return `time: missing unit in duration ${quoted}`;
    case "unknown-unit":
      return `time: unknown unit ${JSON.stringify(fault.unit)} in duration ${quoted}`;
  }
}

/**
 * Parses Go duration text into milliseconds.
 *
 * @throws {InvalidDurationError} with Go's message when `text` is not a duration.
 * @example
 * ```ts
 * parseGoDuration("1m30s"); // 90000
 * parseGoDuration("250us"); // 0.25
 * ```
 */
export function parseGoDuration(text: string): number {
  const result = readGoDuration(text);
  if (!result.ok) throw new InvalidDurationError(text, result.fault);
  return result.ms;
}

/** Formats milliseconds as Go's `Duration.String()` does ("0s", "1.5s", "1m0s", "250ms"). */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  ns = Math.abs(ns);
  if (ns < 1e9) {
    if (ns < 1e3) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${trimFraction(ns / 1e3)}µs`;
    return `${sign}${trimFraction(ns / 1e6)}ms`;
  }
  const hours = Math.floor(ns / 3600e9);
  ns -= hours * 3600e9;
  const minutes = Math.floor(ns / 60e9);
  ns -= minutes * 60e9;
  const seconds = `${trimFraction(ns / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trimFraction(value: number): string {
  // Nine decimals is nanosecond precision; anything beyond is float noise.
  return value.toFixed(9).replace(/\.?0+$/, "");
}
