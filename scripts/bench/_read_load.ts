/**
 * The load half of the catalog read benchmark: wrk against each read endpoint of a seeded
 * agent and against the trivial Hono route, with the server's CPU use measured over each run.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { cpuPercent, sampleProcess } from "./_proc_stats.ts";
import { kvKeyName, serviceName } from "./_seed.ts";
import type { ServerChild } from "./_server_child.ts";
import { runWrk, type WrkLoad, type WrkResult } from "./_wrk.ts";

/** One measured endpoint. */
export interface EndpointResult extends WrkResult {
  readonly endpoint: string;
  /** CPU of the serving process during the run, in % of one core. */
  readonly serverCpuPercent: number;
  /** req/s divided by the trivial route's (mean of its runs before and after). */
  readonly ratio: number;
  /**
   * Requests per second of server CPU time: what one request costs the server, whatever
   * share of the cores other processes on a shared machine took during the run.
   */
  readonly requestsPerCpuSecond: number;
  /** requestsPerCpuSecond divided by the trivial route's (mean of its two runs). */
  readonly cpuRatio: number;
}

type Measured = Omit<EndpointResult, "ratio" | "requestsPerCpuSecond" | "cpuRatio">;

/** What the load phase needs. */
export interface LoadPlan {
  readonly load: WrkLoad;
  /** Seconds of unmeasured load before each measured run, to warm the JIT; 0 skips it. */
  readonly warmupSeconds: number;
  /** Service and key numbers the single-item endpoints read. */
  readonly serviceIndex: number;
  readonly kvKeyIndex: number;
  readonly ticksPerSecond: number;
}

interface Target {
  readonly endpoint: string;
  readonly server: ServerChild;
  readonly path: string;
}

async function measure(runtime: Runtime, target: Target, plan: LoadPlan): Promise<Measured> {
  const url = target.server.baseUrl + target.path;
  if (plan.warmupSeconds > 0) {
    await runWrk(runtime.process, url, { ...plan.load, seconds: plan.warmupSeconds });
  }
  const before = await sampleProcess(runtime.fs, target.server.pid);
  const startedMs = runtime.clock.monotonicMs();
  const result = await runWrk(runtime.process, url, plan.load);
  const after = await sampleProcess(runtime.fs, target.server.pid);
  const elapsedMs = runtime.clock.monotonicMs() - startedMs;
  if (result.errors > 0) {
    throw new Error(`${target.endpoint}: ${result.errors} errors or non-2xx answers under load`);
  }
  return {
    ...result,
    endpoint: target.endpoint,
    serverCpuPercent: cpuPercent(before, after, {
      elapsedMs,
      ticksPerSecond: plan.ticksPerSecond,
    }),
  };
}

/**
 * Measures every endpoint, the trivial route first and last (the machine is shared, so the
 * baseline is taken on both sides of the agent's runs and averaged).
 */
export async function measureReads(
  runtime: Runtime,
  servers: { agent: ServerChild; trivial: ServerChild },
  plan: LoadPlan,
  progress: (line: string) => void,
): Promise<EndpointResult[]> {
  const service = serviceName(plan.serviceIndex);
  const targets: Target[] = [
    { endpoint: "trivial GET /json (before)", server: servers.trivial, path: "/json" },
    { endpoint: "GET /v1/catalog/services", server: servers.agent, path: "/v1/catalog/services" },
    {
      endpoint: `GET /v1/catalog/service/${service}`,
      server: servers.agent,
      path: `/v1/catalog/service/${service}`,
    },
    {
      endpoint: `GET /v1/health/service/${service}?passing`,
      server: servers.agent,
      path: `/v1/health/service/${service}?passing`,
    },
    {
      endpoint: `GET /v1/kv/${kvKeyName(plan.kvKeyIndex)}`,
      server: servers.agent,
      path: `/v1/kv/${kvKeyName(plan.kvKeyIndex)}`,
    },
    { endpoint: "trivial GET /json (after)", server: servers.trivial, path: "/json" },
  ];
  const measured: Measured[] = [];
  for (const target of targets) {
    progress(`  load: ${target.endpoint}`);
    measured.push(await measure(runtime, target, plan));
  }
  const perCpu = (r: Measured) => r.requestsPerSecond / Math.max(0.01, r.serverCpuPercent / 100);
  const trivial = measured.filter((r) => r.endpoint.startsWith("trivial"));
  const mean = (f: (r: Measured) => number) =>
    trivial.reduce((sum, r) => sum + f(r), 0) / trivial.length;
  const baseline = mean((r) => r.requestsPerSecond);
  const cpuBaseline = mean(perCpu);
  return measured.map((r) => ({
    ...r,
    ratio: r.requestsPerSecond / baseline,
    requestsPerCpuSecond: perCpu(r),
    cpuRatio: perCpu(r) / cpuBaseline,
  }));
}
