/**
 * Go `time.Duration` text, as Consul's JSON accepts and prints it ("10s", "1m30s", "500ms").
 * Durations are carried as milliseconds (possibly fractional) everywhere else in Consulate.
 */

const NS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const DURATION_PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** A duration string that is not Go syntax; the message is Go's (`time: invalid duration "x"`). */
export class InvalidDurationError extends Error {
  override readonly name = "InvalidDurationError";
  constructor(readonly text: string) {
    super(`time: invalid duration "${text}"`);
  }
}

/**
 * Parses Go duration syntax into milliseconds.
 *
 * @throws {InvalidDurationError} when `text` is not a Go duration.
 */
export function parseGoDuration(text: string): number {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new InvalidDurationError(text);
  let totalNs = 0;
  while (rest !== "") {
    const match = DURATION_PART.exec(rest);
    if (!match || (match[1] === "" && (match[2] ?? "") === "")) {
      throw new InvalidDurationError(text);
    }
    const whole = match[1] === "" ? 0 : Number(match[1]);
    const fraction = match[2] ? Number(`0.${match[2]}`) : 0;
    totalNs += (whole + fraction) * NS_PER_UNIT[match[3]];
    rest = rest.slice(match[0].length);
  }
  return (sign * totalNs) / 1e6;
}

/** Formats milliseconds the way Go's `Duration.String()` does ("0s", "1.5s", "1m0s", "250ms"). */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return "0s";
  const negative = ns < 0;
  ns = Math.abs(ns);
  const sign = negative ? "-" : "";
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
