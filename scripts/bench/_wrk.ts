/**
 * Runs the `wrk` load generator against a loopback URL and parses its report.
 *
 * @module
 */

import type { Process } from "../../src/runtime/ports.ts";

/** Bytes of wrk output kept; its report is well under 2 KiB. */
const MAX_WRK_OUTPUT_BYTES = 64 * 1024;
/** Slack on top of the run's duration before wrk is killed. */
const WRK_EXTRA_TIMEOUT_MS = 30_000;

/** How hard and how long to load. */
export interface WrkLoad {
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

/** What one wrk run measured. */
export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Response bytes (headers included) per request. */
  readonly bytesPerResponse: number;
  readonly requests: number;
  /** Responses outside 2xx/3xx plus socket errors; a valid run has none. */
  readonly errors: number;
}

/** Raised when wrk is missing, fails, or prints a report that cannot be read. */
export class WrkError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "WrkError";
  }
}

/**
 * Loads `url` (127.0.0.1 only) with wrk and returns its figures.
 * @throws {WrkError} when the URL is not loopback or wrk fails.
 */
export async function runWrk(process: Process, url: string, load: WrkLoad): Promise<WrkResult> {
  if (!url.startsWith("http://127.0.0.1:")) {
    throw new WrkError(`Benchmarks load only 127.0.0.1, not ${url}`);
  }
  const argv = [
    "wrk",
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    "--timeout",
    "10s",
    "--latency",
    url,
  ];
  const result = await process.runCommand(argv, {
    timeoutMs: load.seconds * 1000 + WRK_EXTRA_TIMEOUT_MS,
    maxOutputBytes: MAX_WRK_OUTPUT_BYTES,
  });
  if (result.code !== 0 || result.timedOut) {
    throw new WrkError(`wrk failed (exit ${result.code}) on ${url}:\n${result.output}`);
  }
  return parseWrkReport(result.output);
}

/**
 * Reads the figures out of a `wrk --latency` report.
 * @throws {WrkError} when a figure is missing.
 */
export function parseWrkReport(report: string): WrkResult {
  const number = (pattern: RegExp, what: string): RegExpExecArray => {
    const match = pattern.exec(report);
    if (match === null) throw new WrkError(`wrk report has no ${what}:\n${report}`);
    return match;
  };
  const requestsPerSecond = Number(number(/^Requests\/sec:\s+([\d.]+)/m, "Requests/sec")[1]);
  const transfer = number(/^Transfer\/sec:\s+([\d.]+)([KMGT]?B)/m, "Transfer/sec");
  const requests = Number(number(/^\s+(\d+) requests in /m, "request count")[1]);
  const p50 = number(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m, "p50 latency");
  const p99 = number(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m, "p99 latency");
  const non2xx = Number(/^\s+Non-2xx or 3xx responses: (\d+)/m.exec(report)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    report,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const transferBytesPerSecond = Number(transfer[1]) * byteUnit(transfer[2]);
  return {
    requestsPerSecond,
    p50Ms: Number(p50[1]) * msUnit(p50[2]),
    p99Ms: Number(p99[1]) * msUnit(p99[2]),
    bytesPerResponse: requestsPerSecond > 0 ? transferBytesPerSecond / requestsPerSecond : 0,
    requests,
    errors: non2xx + socketErrors,
  };
}

function msUnit(unit: string): number {
  return ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
}

function byteUnit(unit: string): number {
  // wrk scales by 1024.
  return ({ B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 } as Record<
    string,
    number
  >)[unit];
}
