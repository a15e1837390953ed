/**
 * Go `time.Duration` text ("15s", "1m30s", "250ms"), which Consul uses for session TTLs and
 * check intervals.
 *
 * @module
 */

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

const PART_PATTERN = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses Go duration text into milliseconds, or returns null when it is not one. "0" is 0;
 * negative durations are refused because nothing in the store can use them.
 */
export function parseDurationMs(text: string): number | null {
  if (text === "0") return 0;
  if (text === "") return null;
  let total = 0;
  PART_PATTERN.lastIndex = 0;
  while (PART_PATTERN.lastIndex < text.length) {
    const match = PART_PATTERN.exec(text);
    if (match === null) return null;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}

/** Formats milliseconds as Go would print the duration ("1m30s", "250ms", "0s"). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${rest / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
