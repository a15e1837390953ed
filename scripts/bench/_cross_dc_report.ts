/**
 * The cross-DC read benchmark's results as Markdown tables with ratios to the local read, and
 * the goal check (sequential p50 of a `?dc=` read at most twice the local p50).
 *
 * @module
 */

import type { LoadFigures, SequentialFigures } from "./_cross_dc_measure.ts";

/** The goal: a cross-DC p50 at most this many times the local p50. */
export const P50_GOAL_RATIO = 2;

/** Roles whose CPU per request is shown, in path order. */
export const CPU_ROLES = ["dc1 server", "gateways", "dc2 server"] as const;

/** Everything measured for one endpoint on one runtime; index 0 is the local route. */
export interface EndpointReport {
  readonly runtime: string;
  readonly endpoint: string;
  readonly routes: readonly string[];
  readonly sequential: readonly SequentialFigures[];
  /** `null` when the load phase was skipped. */
  readonly load: readonly LoadFigures[] | null;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "–");
const us = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(0);

/** One Markdown table for one endpoint on one runtime. */
export function formatEndpoint(report: EndpointReport): string {
  const header = [
    "route",
    "seq p50 ms",
    "seq p90 ms",
    "seq p99 ms",
    "p50 vs local",
    "req/s",
    "req/s vs local",
    "loaded p50 ms",
    ...CPU_ROLES.map((role) => `CPU µs/req ${role}`),
  ];
  const local = report.sequential[0];
  const localLoad = report.load?.[0];
  const rows = report.routes.map((name, i) => {
    const s = report.sequential[i];
    const l = report.load?.[i];
    return [
      name,
      ms(s.p50Ms),
      ms(s.p90Ms),
      ms(s.p99Ms),
      ratio(s.p50Ms / local.p50Ms),
      l ? l.requestsPerSecond.toFixed(0) : "–",
      l && localLoad ? ratio(l.requestsPerSecond / localLoad.requestsPerSecond) : "–",
      l ? ms(l.p50Ms) : "–",
      ...CPU_ROLES.map((role) => us(l?.cpuUsPerRequest[role])),
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const align = header.map((_, i) => (i === 0 ? "---" : "---:"));
  return [line(header), line(align), ...rows.map(line)].join("\n");
}

/** The goal verdict of every non-local route, and any failures seen. */
export function formatGoal(report: EndpointReport): string[] {
  const local = report.sequential[0];
  const lines: string[] = [];
  for (let i = 1; i < report.routes.length; i++) {
    const r = report.sequential[i].p50Ms / local.p50Ms;
    const verdict = r <= P50_GOAL_RATIO ? "met" : "MISSED";
    lines.push(
      `goal p50 ≤ ${P50_GOAL_RATIO}× local, ${report.routes[i]}: ${r.toFixed(2)}× — ${verdict}`,
    );
  }
  report.sequential.forEach((s, i) => {
    if (s.errors > 0) {
      lines.push(`${report.routes[i]}: ${s.errors} failed timed reads; first: ${s.firstError}`);
    }
  });
  report.load?.forEach((l, i) => {
    if (l.errors > 0) lines.push(`${report.routes[i]}: ${l.errors} wrk errors or non-2xx`);
  });
  return lines;
}

/** Whether every non-local route met the p50 goal. */
export function goalMet(report: EndpointReport): boolean {
  const local = report.sequential[0].p50Ms;
  return report.sequential.slice(1).every((s) => s.p50Ms / local <= P50_GOAL_RATIO);
}
