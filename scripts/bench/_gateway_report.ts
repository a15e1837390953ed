/**
 * Turns the gateway benchmark's raw samples into its table: per path (direct, Consulate,
 * HAProxy) bulk MiB/s, round-trip and connection-setup percentiles, the latency each proxy adds
 * over the direct path, proxy CPU per GiB, and the Consulate/HAProxy ratios checked against
 * issue 5's goals.
 *
 * @module
 */

import { percentile } from "./_gateway_load.ts";

/** The three paths, in table order. */
export const PATH_NAMES = ["direct", "consulate", "haproxy"] as const;

/** One of {@linkcode PATH_NAMES}. */
export type PathName = (typeof PATH_NAMES)[number];

/** Issue 5: Consulate's bulk throughput must be at least this fraction of HAProxy's. */
export const MIN_THROUGHPUT_RATIO = 0.9;
/** Issue 5: the p50 latency Consulate adds per hop may be at most this multiple of HAProxy's. */
export const MAX_ADDED_LATENCY_RATIO = 1.5;

const BYTES_PER_MIB = 1024 * 1024;
const BYTES_PER_GIB = 1024 * BYTES_PER_MIB;

/** Everything measured on one path. */
export interface PathSamples {
  /** Milliseconds per bulk upload run. */
  readonly uploadMs: number[];
  /** Milliseconds per bulk download run. */
  readonly downloadMs: number[];
  /** Round-trip times, ms. */
  readonly roundTripMs: number[];
  /** Connection setup times, ms. */
  readonly connectMs: number[];
  /** Proxy CPU seconds spent during the bulk runs (0 for the direct path). */
  proxyCpuSeconds: number;
  /** Bytes moved by the bulk runs. */
  bulkBytes: number;
}

/** An empty {@linkcode PathSamples}. */
export function emptySamples(): PathSamples {
  return {
    uploadMs: [],
    downloadMs: [],
    roundTripMs: [],
    connectMs: [],
    proxyCpuSeconds: 0,
    bulkBytes: 0,
  };
}

/** The figures of one path, derived from its samples. */
export interface PathFigures {
  readonly uploadMibPerS: number;
  readonly downloadMibPerS: number;
  readonly rttP50Us: number;
  readonly rttP99Us: number;
  readonly connectP50Ms: number;
  readonly connectP99Ms: number;
  readonly proxyCpuMsPerGib: number;
}

/** Median MiB/s over runs, p50/p99 over every sample. */
export function figuresOf(samples: PathSamples, bulkBytes: number): PathFigures {
  const rate = (ms: number) => bulkBytes / BYTES_PER_MIB / (ms / 1000);
  return {
    uploadMibPerS: percentile(samples.uploadMs.map(rate), 50),
    downloadMibPerS: percentile(samples.downloadMs.map(rate), 50),
    rttP50Us: percentile(samples.roundTripMs, 50) * 1000,
    rttP99Us: percentile(samples.roundTripMs, 99) * 1000,
    connectP50Ms: percentile(samples.connectMs, 50),
    connectP99Ms: percentile(samples.connectMs, 99),
    proxyCpuMsPerGib: samples.bulkBytes === 0
      ? NaN
      : (samples.proxyCpuSeconds * 1000) / (samples.bulkBytes / BYTES_PER_GIB),
  };
}

/** Whether the ratios met issue 5's goals. */
export interface GoalVerdict {
  /** Measured bulk MiB/s, both directions, at least {@linkcode MIN_THROUGHPUT_RATIO}. */
  readonly throughput: boolean;
  /** MiB/s per core of proxy CPU at least {@linkcode MIN_THROUGHPUT_RATIO} of HAProxy's. */
  readonly capacity: boolean;
  readonly rttLatency: boolean;
  readonly connectLatency: boolean;
}

type Figures = Readonly<Record<PathName, PathFigures>>;

const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
const minGoal = (ratio: number) =>
  `>= ${MIN_THROUGHPUT_RATIO}: ${ratio >= MIN_THROUGHPUT_RATIO ? "met" : "MISSED"}`;
const maxGoal = (ratio: number) =>
  `<= ${MAX_ADDED_LATENCY_RATIO}: ${ratio <= MAX_ADDED_LATENCY_RATIO ? "met" : "MISSED"}`;

/** MiB a proxy moves per second of its own CPU: its ceiling on one core. */
export function mibPerCoreSecond(cpuMsPerGib: number): number {
  return (1024 * 1000) / cpuMsPerGib;
}

/** The table's rows (Markdown) and the verdict. */
export function renderReport(figures: Figures): { lines: string[]; verdict: GoalVerdict } {
  const { consulate, haproxy } = figures;
  const uploadRatio = consulate.uploadMibPerS / haproxy.uploadMibPerS;
  const downloadRatio = consulate.downloadMibPerS / haproxy.downloadMibPerS;
  const capacityRatio = haproxy.proxyCpuMsPerGib / consulate.proxyCpuMsPerGib;
  const latency = latencyRows(figures);
  const verdict: GoalVerdict = {
    throughput: uploadRatio >= MIN_THROUGHPUT_RATIO && downloadRatio >= MIN_THROUGHPUT_RATIO,
    capacity: capacityRatio >= MIN_THROUGHPUT_RATIO,
    rttLatency: latency.rttRatio <= MAX_ADDED_LATENCY_RATIO,
    connectLatency: latency.connectRatio <= MAX_ADDED_LATENCY_RATIO,
  };
  const capacity = (f: PathFigures) => mibPerCoreSecond(f.proxyCpuMsPerGib);
  const lines = [
    row(["metric", "direct", "consulate", "haproxy", "consulate/haproxy", "goal"]),
    row(["---", "---:", "---:", "---:", "---:", "---"]),
    row([
      "bulk upload MiB/s",
      ...triple(figures, (f) => f.uploadMibPerS, 0),
      fix(uploadRatio),
      minGoal(uploadRatio),
    ]),
    row([
      "bulk download MiB/s",
      ...triple(figures, (f) => f.downloadMibPerS, 0),
      fix(downloadRatio),
      minGoal(downloadRatio),
    ]),
    row([
      "proxy CPU ms per GiB",
      "-",
      fix(consulate.proxyCpuMsPerGib, 0),
      fix(haproxy.proxyCpuMsPerGib, 0),
      fix(consulate.proxyCpuMsPerGib / haproxy.proxyCpuMsPerGib),
      "",
    ]),
    row([
      "proxy MiB/s per CPU-second",
      "-",
      fix(capacity(consulate), 0),
      fix(capacity(haproxy), 0),
      fix(capacityRatio),
      minGoal(capacityRatio),
    ]),
    ...latency.lines,
  ];
  return { lines, verdict };
}

/** Round-trip and connect rows, and the added-latency ratios. */
function latencyRows(figures: Figures): {
  lines: string[];
  rttRatio: number;
  connectRatio: number;
} {
  const { direct, consulate, haproxy } = figures;
  const rttAdded = (f: PathFigures) => f.rttP50Us - direct.rttP50Us;
  const connectAdded = (f: PathFigures) => f.connectP50Ms - direct.connectP50Ms;
  const rttRatio = rttAdded(consulate) / rttAdded(haproxy);
  const connectRatio = connectAdded(consulate) / connectAdded(haproxy);
  const plain = (name: string, pick: (f: PathFigures) => number, digits: number) =>
    row([name, ...triple(figures, pick, digits), fix(pick(consulate) / pick(haproxy)), ""]);
  const added = (name: string, pick: (f: PathFigures) => number, digits: number, ratio: number) =>
    row([
      name,
      "-",
      fix(pick(consulate), digits),
      fix(pick(haproxy), digits),
      fix(ratio),
      maxGoal(ratio),
    ]);
  const lines = [
    plain("RTT p50 µs", (f) => f.rttP50Us, 1),
    plain("RTT p99 µs", (f) => f.rttP99Us, 1),
    added("RTT p50 added per hop µs", rttAdded, 1, rttRatio),
    plain("connect p50 ms", (f) => f.connectP50Ms, 2),
    plain("connect p99 ms", (f) => f.connectP99Ms, 2),
    added("connect p50 added per hop ms", connectAdded, 2, connectRatio),
  ];
  return { lines, rttRatio, connectRatio };
}

function triple(
  figures: Readonly<Record<PathName, PathFigures>>,
  pick: (f: PathFigures) => number,
  digits: number,
): string[] {
  return PATH_NAMES.map((name) => fix(pick(figures[name]), digits));
}

function fix(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
