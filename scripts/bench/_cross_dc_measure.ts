/**
 * The two measurements of the cross-DC read benchmark: a sequential client (one request in
 * flight, latency percentiles) and wrk with many connections (throughput), with the CPU time
 * each process in the path spent per request.
 *
 * Sequential reads of every route alternate in small batches, so that slow phases of a shared
 * machine touch all routes alike; wrk runs the local route before and after the others and
 * the mean of the two is the baseline.
 *
 * @module
 */

import type { Clock, Runtime } from "../../src/runtime/ports.ts";
import { sampleProcess } from "./_proc_stats.ts";
import { runWrk, type WrkLoad } from "./_wrk.ts";

/** Sequential reads of one route before switching to the next. */
export const SEQUENTIAL_BATCH_READS = 50;
/** Pause after a failed sequential read, so a flapping path is not hammered. */
const ERROR_PAUSE_MS = 100;
/** Failed sequential reads tolerated per route before the run is abandoned. */
const MAX_SEQUENTIAL_ERRORS = 20;

/** A process on a route's path whose CPU time is charged to the route's requests. */
export interface PathProcess {
  /** Its role, e.g. "dc1 server", "gateways" (processes of one role are summed). */
  readonly role: string;
  readonly pid: number;
}

/** One measured way of reading the same data. */
export interface Route {
  /** Short name, e.g. "local", "direct WAN". */
  readonly name: string;
  /** Loopback URL read. */
  readonly url: string;
  /** Text the body must hold: it proves which datacenter answered. */
  readonly expect: string;
  /** Processes the request passes through. */
  readonly path: readonly PathProcess[];
}

/** Latency of sequential reads, ms. */
export interface SequentialFigures {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly reads: number;
  readonly errors: number;
  readonly firstError: string | null;
}

/** What wrk measured on one route, and the CPU per request of each role on its path. */
export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** CPU time per request in microseconds, by role. */
  readonly cpuUsPerRequest: Readonly<Record<string, number>>;
}

/** The value at percentile `p` (0–100) of `samples`, nearest-rank; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * Reads `route` once and returns how long it took, ms.
 * @throws when the answer is not 200 or does not come from the expected datacenter.
 */
async function timedRead(clock: Clock, route: Route): Promise<number> {
  const startMs = clock.monotonicMs();
  const response = await fetch(route.url);
  const body = await response.text();
  const elapsedMs = clock.monotonicMs() - startMs;
  if (response.status !== 200 || !body.includes(route.expect)) {
    throw new Error(`GET ${route.url} answered ${response.status}: ${body.slice(0, 200)}`);
  }
  return elapsedMs;
}

/**
 * Times `reads` sequential reads of every route after `warmupReads` untimed ones each.
 * @throws when a route fails more than a few times (the path is broken, not slow).
 */
export async function measureSequential(
  clock: Clock,
  routes: readonly Route[],
  options: { reads: number; warmupReads: number },
): Promise<SequentialFigures[]> {
  const state = routes.map(() => ({
    samples: [] as number[],
    errors: 0,
    first: null as string | null,
  }));
  const readOnce = async (i: number, keep: boolean) => {
    try {
      const ms = await timedRead(clock, routes[i]);
      if (keep) state[i].samples.push(ms);
    } catch (error) {
      const s = state[i];
      s.errors++;
      s.first ??= (error as Error).message;
      if (s.errors > MAX_SEQUENTIAL_ERRORS) {
        throw new Error(
          `${routes[i].name}: more than ${MAX_SEQUENTIAL_ERRORS} failed reads; first: ${s.first}`,
        );
      }
      await clock.sleep(ERROR_PAUSE_MS);
    }
  };
  for (let i = 0; i < routes.length; i++) {
    for (let n = 0; n < options.warmupReads; n++) await readOnce(i, false);
  }
  const warmupErrors = state.map((s) => s.errors);
  for (let done = 0; done < options.reads; done += SEQUENTIAL_BATCH_READS) {
    const batch = Math.min(SEQUENTIAL_BATCH_READS, options.reads - done);
    for (let i = 0; i < routes.length; i++) {
      for (let n = 0; n < batch; n++) await readOnce(i, true);
    }
  }
  return state.map((s, i) => ({
    p50Ms: percentile(s.samples, 50),
    p90Ms: percentile(s.samples, 90),
    p99Ms: percentile(s.samples, 99),
    reads: s.samples.length,
    errors: s.errors - warmupErrors[i],
    firstError: s.first,
  }));
}

async function cpuTicksByRole(runtime: Runtime, path: readonly PathProcess[]) {
  const ticks: Record<string, number> = {};
  for (const p of path) {
    const sample = await sampleProcess(runtime.fs, p.pid);
    ticks[p.role] = (ticks[p.role] ?? 0) + sample.cpuTicks;
  }
  return ticks;
}

async function loadOnce(
  runtime: Runtime,
  route: Route,
  options: { load: WrkLoad; warmupSeconds: number; ticksPerSecond: number },
): Promise<LoadFigures> {
  if (options.warmupSeconds > 0) {
    await runWrk(runtime.process, route.url, { ...options.load, seconds: options.warmupSeconds });
  }
  const before = await cpuTicksByRole(runtime, route.path);
  const result = await runWrk(runtime.process, route.url, options.load);
  const after = await cpuTicksByRole(runtime, route.path);
  const cpuUsPerRequest: Record<string, number> = {};
  for (const role of Object.keys(before)) {
    const cpuUs = ((after[role] - before[role]) / options.ticksPerSecond) * 1e6;
    cpuUsPerRequest[role] = result.requests > 0 ? cpuUs / result.requests : NaN;
  }
  return {
    requestsPerSecond: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    cpuUsPerRequest,
  };
}

function meanFigures(a: LoadFigures, b: LoadFigures): LoadFigures {
  const mean = (x: number, y: number) => (x + y) / 2;
  const cpu: Record<string, number> = {};
  for (const role of Object.keys(a.cpuUsPerRequest)) {
    cpu[role] = mean(a.cpuUsPerRequest[role], b.cpuUsPerRequest[role]);
  }
  return {
    requestsPerSecond: mean(a.requestsPerSecond, b.requestsPerSecond),
    p50Ms: mean(a.p50Ms, b.p50Ms),
    p99Ms: mean(a.p99Ms, b.p99Ms),
    errors: a.errors + b.errors,
    cpuUsPerRequest: cpu,
  };
}

/**
 * Loads every route with wrk; the first route (the baseline) is loaded before and after the
 * others and its figures are the mean of both runs.
 */
export async function measureLoad(
  runtime: Runtime,
  routes: readonly Route[],
  options: {
    load: WrkLoad;
    warmupSeconds: number;
    ticksPerSecond: number;
    progress: (line: string) => void;
  },
): Promise<LoadFigures[]> {
  const [baseline, ...others] = routes;
  options.progress(`  wrk: ${baseline.name} (before)`);
  const first = await loadOnce(runtime, baseline, options);
  const measured: LoadFigures[] = [];
  for (const route of others) {
    options.progress(`  wrk: ${route.name}`);
    measured.push(await loadOnce(runtime, route, options));
  }
  options.progress(`  wrk: ${baseline.name} (after)`);
  const last = await loadOnce(runtime, baseline, options);
  return [meanFigures(first, last), ...measured];
}
