/**
 * Cross-DC read benchmark (issues 4 and 5): the same read asked of dc1's HTTP API three ways,
 * measured side by side in one run —
 *
 * 1. local: `GET /v1/kv/<key>` answered by dc1's server;
 * 2. direct WAN: `GET /v1/kv/<key>?dc=dc2`, forwarded by dc1's server straight to dc2's;
 * 3. via gateways: the same `?dc=dc2` read with WAN federation through mesh gateways
 *    (dc1's gateway → dc2's gateway → dc2's server).
 *
 * The same three for `GET /v1/catalog/service/<name>`. Every server and gateway is a child
 * process (`consulate agent`, `consulate mesh-gateway`) on the runtime named by `--runtimes`,
 * on 127.0.0.1 ports. A sequential client gives p50/p90/p99; wrk gives req/s under
 * concurrency and, from `/proc`, the CPU each process on the path spent per request. The goal
 * check is p50 ≤ 2× local.
 *
 * Run: `bash scripts/bench/cross_dc.sh` (Deno, then Bun), or directly
 * `deno run -A scripts/bench/cross_dc.ts [flags]` / `bun scripts/bench/cross_dc.ts [flags]`
 * (see `USAGE`). Linux only (reads `/proc`, needs wrk unless `--skip-load`).
 *
 * @module
 */

import { currentRuntime } from "../../src/runtime/current.ts";
import type { Runtime } from "../../src/runtime/ports.ts";
import { clockTicksPerSecond } from "./_proc_stats.ts";
import { type ServerRuntime } from "./_server_child.ts";
import {
  CROSS_DC_KV_KEY,
  CROSS_DC_SERVICE,
  type CrossDcCluster,
  kvValueFor,
  serviceNodeFor,
  startCrossDc,
} from "./_cross_dc_setup.ts";
import { measureLoad, measureSequential, type Route } from "./_cross_dc_measure.ts";
import { type EndpointReport, formatEndpoint, formatGoal } from "./_cross_dc_report.ts";

const USAGE = `Usage: cross_dc.ts [--runtimes=<this runtime>] [--endpoints=kv,catalog]
  [--reads=2000] [--warmup-reads=200] [--threads=2] [--connections=32] [--seconds=5]
  [--warmup-seconds=1] [--skip-load]`;

type Endpoint = "kv" | "catalog";

interface Options {
  readonly runtimes: ServerRuntime[];
  readonly endpoints: Endpoint[];
  readonly reads: number;
  readonly warmupReads: number;
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly skipLoad: boolean;
}

const NUMBER_FLAGS = [
  "reads",
  "warmup-reads",
  "threads",
  "connections",
  "seconds",
  "warmup-seconds",
] as const;

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

function listFlag<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const values = raw.split(",");
  for (const value of values) {
    if (!allowed.includes(value as T)) {
      throw new UsageError(`--${name} takes ${allowed.join(" and/or ")}, got "${value}"`);
    }
  }
  return values as T[];
}

function parseOptions(args: readonly string[], self: ServerRuntime): Options {
  const values = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new UsageError(`Unexpected argument "${arg}"`);
    values.set(match[1], match[2] ?? "true");
  }
  const known = new Set<string>([...NUMBER_FLAGS, "runtimes", "endpoints", "skip-load"]);
  for (const name of values.keys()) {
    if (!known.has(name)) throw new UsageError(`Unknown flag --${name}`);
  }
  const num = (name: (typeof NUMBER_FLAGS)[number], fallback: number, min: number) => {
    const value = Number(values.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < min) {
      throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${values.get(name)}"`);
    }
    return value;
  };
  return {
    runtimes: listFlag("runtimes", values.get("runtimes") ?? self, ["deno", "bun"]),
    endpoints: listFlag("endpoints", values.get("endpoints") ?? "kv,catalog", ["kv", "catalog"]),
    reads: num("reads", 2000, 1),
    warmupReads: num("warmup-reads", 200, 0),
    threads: num("threads", 2, 1),
    connections: num("connections", 32, 1),
    seconds: num("seconds", 5, 1),
    warmupSeconds: num("warmup-seconds", 1, 0),
    skipLoad: values.has("skip-load"),
  };
}

/** The three routes of one endpoint; the local one first. */
function routesFor(cluster: CrossDcCluster, endpoint: Endpoint): Route[] {
  const path = endpoint === "kv"
    ? `/v1/kv/${CROSS_DC_KV_KEY}`
    : `/v1/catalog/service/${CROSS_DC_SERVICE}`;
  const expect = (dc: string) =>
    endpoint === "kv" ? btoa(kvValueFor(dc)) : `"Node":"${serviceNodeFor(dc)}"`;
  const { direct, viaGateways } = cluster;
  const url = (port: number, query: string) => `http://127.0.0.1:${port}${path}${query}`;
  return [
    {
      name: "local (dc1)",
      url: url(direct.dc1.httpPort, ""),
      expect: expect("dc1"),
      path: [{ role: "dc1 server", pid: direct.dc1.child.pid }],
    },
    {
      name: "?dc=dc2 direct WAN",
      url: url(direct.dc1.httpPort, "?dc=dc2"),
      expect: expect("dc2"),
      path: [
        { role: "dc1 server", pid: direct.dc1.child.pid },
        { role: "dc2 server", pid: direct.dc2.child.pid },
      ],
    },
    {
      name: "?dc=dc2 via 2 gateways",
      url: url(viaGateways.dc1.httpPort, "?dc=dc2"),
      expect: expect("dc2"),
      path: [
        { role: "dc1 server", pid: viaGateways.dc1.child.pid },
        ...viaGateways.gateways.map((g) => ({ role: "gateways", pid: g.pid })),
        { role: "dc2 server", pid: viaGateways.dc2.child.pid },
      ],
    },
  ];
}

async function benchEndpoint(
  runtime: Runtime,
  cluster: CrossDcCluster,
  options: Options & { server: ServerRuntime; endpoint: Endpoint; ticksPerSecond: number },
): Promise<EndpointReport> {
  const progress = (line: string) => runtime.process.writeStderr(`${line}\n`);
  const routes = routesFor(cluster, options.endpoint);
  progress(`${options.server} ${options.endpoint}: ${options.reads} sequential reads per route`);
  const sequential = await measureSequential(runtime.clock, routes, options);
  const load = options.skipLoad ? null : await measureLoad(runtime, routes, {
    load: { threads: options.threads, connections: options.connections, seconds: options.seconds },
    warmupSeconds: options.warmupSeconds,
    ticksPerSecond: options.ticksPerSecond,
    progress,
  });
  return {
    runtime: options.server,
    endpoint: routes[0].url.replace(/^http:\/\/[^/]+/, "GET "),
    routes: routes.map((r) => r.name),
    sequential,
    load,
  };
}

function describeRun(runtime: Runtime, options: Options): string {
  return [
    `Cross-DC reads, driven from ${runtime.name}: one server per datacenter, every server and ` +
    `gateway a child process on 127.0.0.1; TLS between servers (and through the gateways).`,
    `Sequential: ${options.reads} reads per route after ${options.warmupReads} warm-up reads, ` +
    `routes alternating in batches. Loaded: wrk -t${options.threads} -c${options.connections} ` +
    `-d${options.seconds}s after ${options.warmupSeconds} s of warm-up; the local route is ` +
    `loaded before and after the others (mean shown). CPU µs/req: /proc CPU time of each ` +
    `process on the path during the wrk run ÷ requests. wrk and the driver share the cores.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  let options: Options;
  try {
    options = parseOptions(runtime.process.args, runtime.name === "bun" ? "bun" : "deno");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    runtime.process.writeStderr(`${error.message}\n`);
    return runtime.process.exit(2);
  }
  const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
  const ticksPerSecond = await clockTicksPerSecond(runtime.process);
  const tmp = runtime.process.env("TMPDIR") ?? "/tmp";
  const workDir = `${tmp}/consulate-cross-dc-${runtime.random.int(1_000_000_000)}`;
  let cluster: CrossDcCluster | null = null;
  const onSignal = async () => {
    await cluster?.stop();
    runtime.process.exit(130);
  };
  runtime.process.onSignal("SIGINT", onSignal);
  runtime.process.onSignal("SIGTERM", onSignal);
  const out: string[] = [describeRun(runtime, options)];
  try {
    for (const server of options.runtimes) {
      const progress = (line: string) => runtime.process.writeStderr(`${line}\n`);
      cluster = await startCrossDc(runtime, { server, root, workDir, progress });
      try {
        for (const endpoint of options.endpoints) {
          const report = await benchEndpoint(runtime, cluster, {
            ...options,
            server,
            endpoint,
            ticksPerSecond,
          });
          out.push("", `${server} servers — ${report.endpoint}`, "", formatEndpoint(report), "");
          out.push(...formatGoal(report));
        }
      } finally {
        await cluster.stop();
        cluster = null;
      }
    }
  } finally {
    await runtime.fs.remove(workDir, { recursive: true }).catch(() => {});
  }
  runtime.process.writeStdout(out.join("\n") + "\n");
  // A missed goal is a finding printed above, not a failure of the run.
  runtime.process.exit(0);
}

if (import.meta.main) await main();
