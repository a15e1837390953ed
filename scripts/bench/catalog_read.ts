/**
 * Catalog read benchmark (issue 3): a `consulate agent -server -bootstrap` child (`-dev` with
 * `--mode=dev`) holding 1,000 services × 10 instances and 1,000 KV keys is loaded with wrk on
 * its catalog, health and KV reads, side by side with a trivial Hono JSON route served by the
 * same runtime adapter in the same run; then 10,000 blocking queries are parked on it to
 * measure what idle watchers cost.
 *
 * Prints req/s, p50/p99 latency, bytes per response, the server's CPU during the run and the
 * ratio to the trivial route (goal ≥ 0.5); then idle CPU %, RSS and bytes per watcher, and a
 * check that one KV write wakes exactly the watcher of that key.
 *
 * Run: `bash scripts/bench/catalog_read.sh` (installs wrk, raises the fd limit), or directly
 * `deno run -A scripts/bench/catalog_read.ts [--runtimes=deno,bun] [--mode=server] …`
 * (see `USAGE`). The runtime running this script only drives the load; the servers run on the
 * runtimes named by `--runtimes`. Linux only (reads `/proc`); targets only 127.0.0.1.
 *
 * @module
 */

import { currentRuntime } from "../../src/runtime/current.ts";
import type { Runtime } from "../../src/runtime/ports.ts";
import { measureIdleWatchers } from "./_idle_watchers.ts";
import { clockTicksPerSecond } from "./_proc_stats.ts";
import { measureReads } from "./_read_load.ts";
import { formatReads, formatSeeding, formatWatchers, type RuntimeReport } from "./_read_report.ts";
import { seedAgent, type SeedShape } from "./_seed.ts";
import { type ServerChild, type ServerRuntime, spawnServer } from "./_server_child.ts";

const USAGE =
  `Usage: catalog_read.ts [--runtimes=deno,bun] [--mode=server|dev] [--seconds=10] [--warmup=2]
  [--threads=2] [--connections=64] [--watchers=10000] [--idle-seconds=10]
  [--services=1000] [--instances=10] [--nodes=100] [--kv-keys=1000]
  [--skip-load] [--skip-watchers]`;

/**
 * How the agent runs: "server" is a normal single server (`-server -bootstrap -data-dir`,
 * Raft log on disk, compact JSON); "dev" is `-dev` (in memory, every answer pretty-printed).
 */
type AgentMode = "server" | "dev";

/** What one invocation measures. */
interface Options {
  readonly runtimes: ServerRuntime[];
  readonly mode: AgentMode;
  readonly seconds: number;
  readonly warmup: number;
  readonly threads: number;
  readonly connections: number;
  readonly watchers: number;
  readonly idleSeconds: number;
  readonly shape: SeedShape;
  readonly skipLoad: boolean;
  readonly skipWatchers: boolean;
}

const NUMBER_FLAGS = [
  "seconds",
  "warmup",
  "threads",
  "connections",
  "watchers",
  "idle-seconds",
  "services",
  "instances",
  "nodes",
  "kv-keys",
] as const;

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = "UsageError";
  }
}

function parseOptions(args: readonly string[]): Options {
  const values = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (match === null) throw new UsageError(`Unexpected argument "${arg}"`);
    values.set(match[1], match[2] ?? "true");
  }
  const known = new Set<string>([
    ...NUMBER_FLAGS,
    "runtimes",
    "mode",
    "skip-load",
    "skip-watchers",
  ]);
  for (const name of values.keys()) {
    if (!known.has(name)) throw new UsageError(`Unknown flag --${name}`);
  }
  const num = (name: (typeof NUMBER_FLAGS)[number], fallback: number): number => {
    const value = Number(values.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 0) {
      throw new UsageError(`--${name} must be a whole number, got "${values.get(name)}"`);
    }
    return value;
  };
  const runtimes = (values.get("runtimes") ?? "deno,bun").split(",");
  for (const name of runtimes) {
    if (name !== "deno" && name !== "bun") {
      throw new UsageError(`--runtimes takes deno and/or bun, got "${name}"`);
    }
  }
  const mode = values.get("mode") ?? "server";
  if (mode !== "server" && mode !== "dev") {
    throw new UsageError(`--mode takes server or dev, got "${mode}"`);
  }
  return {
    runtimes: runtimes as ServerRuntime[],
    mode,
    seconds: Math.max(1, num("seconds", 10)),
    warmup: num("warmup", 2),
    threads: Math.max(1, num("threads", 2)),
    connections: Math.max(1, num("connections", 64)),
    watchers: Math.max(1, num("watchers", 10_000)),
    idleSeconds: Math.max(1, num("idle-seconds", 10)),
    shape: {
      services: Math.max(1, num("services", 1000)),
      instancesPerService: Math.max(1, num("instances", 10)),
      nodes: Math.max(1, num("nodes", 100)),
      kvKeys: Math.max(1, num("kv-keys", 1000)),
    },
    skipLoad: values.has("skip-load"),
    skipWatchers: values.has("skip-watchers"),
  };
}

/** `count` distinct free loopback ports (all held open together, so none repeats). */
async function freePorts(runtime: Runtime, count: number): Promise<number[]> {
  const listeners = [];
  for (let i = 0; i < count; i++) {
    listeners.push(await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 }));
  }
  await Promise.all(listeners.map((listener) => listener.close()));
  return listeners.map((listener) => listener.addr.port);
}

/**
 * Agent listeners besides HTTP. Each gets a free port, so that an agent already running on
 * Consul's default ports (another test, another benchmark) does not stop this one.
 */
const AGENT_PORT_FLAGS = ["serf-lan-port", "serf-wan-port", "server-port", "dns-port"];

/** The agent's mode flags; a server gets a fresh data directory under the system temp dir. */
async function modeFlags(runtime: Runtime, mode: AgentMode, server: ServerRuntime) {
  if (mode === "dev") return { args: ["-dev"], dataDir: null };
  const tmp = runtime.process.env("TMPDIR") ?? "/tmp";
  const dataDir = `${tmp}/consulate-bench-${server}-${runtime.random.int(1_000_000_000)}`;
  await runtime.fs.mkdir(dataDir, { recursive: true });
  return {
    args: ["-server", "-bootstrap", `-data-dir=${dataDir}`, "-bind=127.0.0.1", "-client=127.0.0.1"],
    dataDir,
  };
}

async function startServers(
  runtime: Runtime,
  server: ServerRuntime,
  options: { root: string; modeArgs: readonly string[] },
) {
  const root = options.root;
  const [agentPort, trivialPort, ...otherPorts] = await freePorts(
    runtime,
    AGENT_PORT_FLAGS.length + 2,
  );
  const clock = runtime.clock;
  const agent = spawnServer(server, {
    root,
    clock,
    port: agentPort,
    label: `${server} agent`,
    args: [
      "src/cli/main.ts",
      "agent",
      ...options.modeArgs,
      `-http-port=${agentPort}`,
      ...AGENT_PORT_FLAGS.map((flag, i) => `-${flag}=${otherPorts[i]}`),
      "-log-level=warn",
    ],
  });
  const trivial = spawnServer(server, {
    root,
    clock,
    port: trivialPort,
    label: `${server} trivial server`,
    args: ["scripts/bench/_trivial_server.ts", String(trivialPort)],
  });
  return { agent, trivial };
}

async function benchRuntime(
  runtime: Runtime,
  server: ServerRuntime,
  options: Options & { root: string; ticksPerSecond: number },
): Promise<RuntimeReport> {
  const progress = (line: string) => runtime.process.writeStderr(`${line}\n`);
  progress(`${server}: starting the ${options.mode} agent and the trivial server`);
  const mode = await modeFlags(runtime, options.mode, server);
  const servers = await startServers(runtime, server, {
    root: options.root,
    modeArgs: mode.args,
  });
  const children: ServerChild[] = [servers.agent, servers.trivial];
  try {
    // The agent answers reads only once it has elected itself leader.
    await servers.agent.waitReady("/v1/status/leader", (body) => body.includes(":"));
    await servers.trivial.waitReady("/json");
    progress(`${server}: seeding`);
    const seededAt = runtime.clock.monotonicMs();
    const seedWrites = await seedAgent(servers.agent.baseUrl, options.shape);
    const seedMs = runtime.clock.monotonicMs() - seededAt;
    const watchers = options.skipWatchers ? null : await measureIdleWatchers(
      runtime,
      servers.agent,
      { ...options, ticksPerSecond: options.ticksPerSecond },
      progress,
    );
    const reads = options.skipLoad ? null : await measureReads(runtime, servers, {
      load: {
        threads: options.threads,
        connections: options.connections,
        seconds: options.seconds,
      },
      warmupSeconds: options.warmup,
      serviceIndex: Math.floor(options.shape.services / 2),
      kvKeyIndex: Math.floor(options.shape.kvKeys / 2),
      ticksPerSecond: options.ticksPerSecond,
    }, progress);
    return { runtime: server, seedWrites, seedMs, reads, watchers };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    if (mode.dataDir !== null) await runtime.fs.remove(mode.dataDir, { recursive: true });
  }
}

function describeRun(options: Options): string {
  const { shape } = options;
  return [
    `Catalog read benchmark: ${shape.services} services × ${shape.instancesPerService} instances ` +
    `on ${shape.nodes} nodes, ${shape.kvKeys} KV keys; ` +
    (options.mode === "dev"
      ? "consulate agent -dev (in memory; JSON pretty-printed as in Consul's dev mode)."
      : "consulate agent -server -bootstrap -data-dir (Raft log on disk; compact JSON)."),
    `Load: wrk -t${options.threads} -c${options.connections} -d${options.seconds}s after a ` +
    `${options.warmup} s warm-up per endpoint; wrk shares this machine's cores with the server.`,
    `Ratio = req/s ÷ the trivial Hono route's req/s (mean of its runs before and after); goal ≥ 0.5.`,
    `req/CPU-s = req/s ÷ the server's CPU share; CPU ratio compares it with the trivial route's ` +
    `(less sensitive to other processes taking the cores).`,
  ].join("\n");
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  let options: Options;
  try {
    options = parseOptions(runtime.process.args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    runtime.process.writeStderr(`${error.message}\n`);
    return runtime.process.exit(2);
  }
  const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
  const ticksPerSecond = await clockTicksPerSecond(runtime.process);
  const reports: RuntimeReport[] = [];
  for (const server of options.runtimes) {
    reports.push(await benchRuntime(runtime, server, { ...options, root, ticksPerSecond }));
  }
  const out: string[] = [describeRun(options), "", "Seeding:", formatSeeding(reports)];
  if (!options.skipLoad) out.push("", "Reads under load:", formatReads(reports));
  if (!options.skipWatchers) {
    out.push(
      "",
      `Idle watchers (blocking GET /v1/kv/watch/<i>?index=…&wait=5m; CPU % of one core over ` +
        `${options.idleSeconds} s; bytes/watcher = RSS growth ÷ watchers):`,
      formatWatchers(reports),
    );
  }
  runtime.process.writeStdout(out.join("\n") + "\n");
  const failed = reports.some((r) => r.watchers !== null && !r.watchers.wakeCheckPassed);
  runtime.process.exit(failed ? 1 : 0);
}

if (import.meta.main) await main();
