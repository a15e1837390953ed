/**
 * Text tables for the catalog read benchmark's results.
 *
 * @module
 */

import type { IdleWatcherResult } from "./_idle_watchers.ts";
import type { EndpointResult } from "./_read_load.ts";

/** Everything measured on one runtime. */
export interface RuntimeReport {
  readonly runtime: string;
  /** Writes done while seeding, and how long they took. */
  readonly seedWrites: number;
  readonly seedMs: number;
  readonly reads: readonly EndpointResult[] | null;
  readonly watchers: IdleWatcherResult | null;
}

const MIB = 1024 * 1024;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** The read-throughput table, one row per runtime and endpoint. */
export function formatReads(reports: readonly RuntimeReport[]): string {
  const rows: string[][] = [];
  for (const report of reports) {
    for (const r of report.reads ?? []) {
      rows.push([
        report.runtime,
        r.endpoint,
        r.requestsPerSecond.toFixed(0),
        r.p50Ms.toFixed(2),
        r.p99Ms.toFixed(2),
        r.bytesPerResponse.toFixed(0),
        r.serverCpuPercent.toFixed(0),
        r.ratio.toFixed(2),
        r.requestsPerCpuSecond.toFixed(0),
        r.cpuRatio.toFixed(2),
      ]);
    }
  }
  return table(
    [
      "runtime",
      "endpoint",
      "req/s",
      "p50 ms",
      "p99 ms",
      "bytes/resp",
      "server CPU%",
      "ratio",
      "req/CPU-s",
      "CPU ratio",
    ],
    rows,
  );
}

/** The idle-watcher table, one row per runtime, plus notes on anything that went wrong. */
export function formatWatchers(reports: readonly RuntimeReport[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const report of reports) {
    const w = report.watchers;
    if (w === null) continue;
    rows.push([
      report.runtime,
      String(w.watchers),
      (w.settleMs / 1000).toFixed(1),
      w.idleCpuPercent.toFixed(2),
      (w.rssBeforeBytes / MIB).toFixed(1),
      (w.rssAfterBytes / MIB).toFixed(1),
      w.bytesPerWatcher.toFixed(0),
      String(w.earlyAnswers),
      w.wakeCheckPassed ? "ok" : "FAILED",
    ]);
    if (w.earlyAnswers > 0) {
      const kinds = Object.entries(w.earlyKinds).map(([k, n]) => `${n} × ${k}`).join("; ");
      notes.push(`${report.runtime}: watchers answered before any write: ${kinds}`);
    }
    if (!w.wakeCheckPassed) {
      notes.push(
        `${report.runtime}: writing watch/${w.wakeTarget} woke [${
          w.wokenWatchers.slice(0, 10).join(", ")
        }${w.wokenWatchers.length > 10 ? ", …" : ""}] (${w.wokenWatchers.length} watchers)`,
      );
    }
  }
  const header = [
    "runtime",
    "watchers",
    "settle s",
    "idle CPU%",
    "RSS before MiB",
    "RSS after MiB",
    "bytes/watcher",
    "early answers",
    "wake check",
  ];
  return [table(header, rows), ...notes].join("\n");
}

/** The seeding line per runtime. */
export function formatSeeding(reports: readonly RuntimeReport[]): string {
  return reports.map((r) =>
    `${r.runtime}: ${r.seedWrites} writes in ${(r.seedMs / 1000).toFixed(1)} s ` +
    `(${(r.seedWrites / (r.seedMs / 1000)).toFixed(0)} writes/s, 16 in flight)`
  ).join("\n");
}
