/**
 * Mesh gateway benchmark (issue 5): the Consulate gateway against HAProxy doing the same SNI
 * passthrough routing, both against the direct path, side by side in one run.
 *
 * A TLS echo server with a certificate for `s1.server.dc1.consul` (`_gateway_echo.ts`) and a
 * TLS client sending that SNI, mutual TLS end to end; neither proxy terminates TLS. Three
 * paths: client → server; client → Consulate gateway (`_gateway_proxy.ts`: the real
 * `GatewayProxy` with a fixed route table) → server; client → HAProxy (`mode tcp`,
 * `req_ssl_sni`) → server. The client runs in this process and the echo server as a child on
 * this same runtime, so the endpoints are identical for every gateway measured; the gateway
 * runs as a child on each runtime named by `--runtimes`, one after the other; HAProxy is its
 * own process.
 *
 * Measures bulk upload and download (MiB/s, median of the runs, and the proxy's CPU per GiB),
 * round trips of small messages on one connection (p50/p99), and setup of new connections (TCP
 * connect + TLS handshake, p50/p99); prints the Consulate/HAProxy ratios, the latency each
 * proxy adds over the direct path, and whether issue 5's goals are met. 127.0.0.1 only; Linux
 * only (proxy CPU is read from `/proc`). `gateway.sh` installs HAProxy and runs this on Bun:
 *
 * ```sh
 * bun scripts/bench/gateway.ts [--runtimes=deno,bun] [--bulk-mib=256] [--runs=5]
 *   [--pings=10000] [--message-bytes=64] [--connects=500] [--work-dir=DIR] [--profile-dir=DIR]
 * ```
 *
 * `--profile-dir` runs the gateway with `--cpu-prof`, writing one `.cpuprofile` per gateway
 * runtime there (open it in Chrome DevTools, or summarize it with `_gateway_profile.ts`).
 * `--gateway-script` measures another script in the gateway's place (same argument, same
 * `listening <port>` line), e.g. a prototype of a data-path change, against the same baseline.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { createCa } from "../../src/tls/ca.ts";
import { createLeafCert } from "../../src/tls/cert.ts";
import { clockTicksPerSecond } from "./_proc_stats.ts";
import { type BenchChild, haproxyConfig, runtimeArgv, spawnChild } from "./_gateway_procs.ts";
import type { LoadTarget } from "./_gateway_load.ts";
import { type BenchPath, measurePaths } from "./_gateway_measure.ts";
import { measureFederation } from "./_gateway_cross_dc.ts";
import {
  BENCH_DC,
  BENCH_DOMAIN,
  BENCH_NODE,
  BENCH_SERVER_NAME,
  MAX_BULK_BYTES,
  TLS_FILES,
} from "./_gateway_protocol.ts";
import {
  figuresOf,
  type GoalVerdict,
  PATH_NAMES,
  type PathFigures,
  type PathName,
  renderReport,
} from "./_gateway_report.ts";

const USAGE = "Usage: gateway.ts [--runtimes=deno,bun] [--bulk-mib=256] [--runs=5] " +
  "[--pings=10000] [--message-bytes=64] [--connects=500] [--work-dir=DIR] [--profile-dir=DIR] " +
  "[--gateway-script=PATH] [--cross-dc-reads=2000]";

/** The Consulate gateway as the benchmark runs it. */
const DEFAULT_GATEWAY_SCRIPT = "scripts/bench/_gateway_proxy.ts";
/** Largest echo message; round trips are about small messages. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A runtime the Consulate gateway can run on. */
type GatewayRuntime = "deno" | "bun";

/** The client's TLS material. */
type ClientTls = Pick<LoadTarget, "caPem" | "certPem" | "keyPem">;

interface Options {
  readonly runtimes: readonly GatewayRuntime[];
  readonly bulkBytes: number;
  readonly runs: number;
  readonly pings: number;
  readonly messageBytes: number;
  readonly connects: number;
  readonly workDir: string | null;
  /** Where the gateway child writes a CPU profile, or `null` for none. */
  readonly profileDir: string | null;
  /** The gateway script measured; another one can stand in to try a change. */
  readonly gatewayScript: string;
  /** Reads of each kind for the cross-DC latency; 0 skips it. */
  readonly crossDcReads: number;
}

class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

function parseOptions(args: readonly string[]): Options {
  const values = new Map<string, string>();
  for (const arg of args) {
    const match = /^--([a-z-]+)=(.+)$/.exec(arg);
    if (match === null) throw new UsageError(`Unexpected argument "${arg}"`);
    values.set(match[1], match[2]);
  }
  const known = [
    "runtimes",
    "bulk-mib",
    "runs",
    "pings",
    "message-bytes",
    "connects",
    "work-dir",
    "profile-dir",
    "gateway-script",
    "cross-dc-reads",
  ];
  for (const name of values.keys()) {
    if (!known.includes(name)) throw new UsageError(`Unknown flag --${name}`);
  }
  const num = (name: string, fallback: number, max: number): number => {
    const value = Number(values.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new UsageError(`--${name} must be a whole number 1-${max}, got "${values.get(name)}"`);
    }
    return value;
  };
  const runtimes = (values.get("runtimes") ?? "deno,bun").split(",");
  for (const name of runtimes) {
    if (name !== "deno" && name !== "bun") {
      throw new UsageError(`--runtimes takes deno and/or bun, got "${name}"`);
    }
  }
  return {
    runtimes: runtimes as GatewayRuntime[],
    bulkBytes: num("bulk-mib", 256, MAX_BULK_BYTES / (1024 * 1024)) * 1024 * 1024,
    runs: num("runs", 5, 100),
    pings: num("pings", 10_000, 1_000_000),
    messageBytes: num("message-bytes", 64, MAX_MESSAGE_BYTES),
    connects: num("connects", 500, 100_000),
    workDir: values.get("work-dir") ?? null,
    profileDir: values.get("profile-dir") ?? null,
    gatewayScript: values.get("gateway-script") ?? DEFAULT_GATEWAY_SCRIPT,
    crossDcReads: values.get("cross-dc-reads") === "0" ? 0 : num("cross-dc-reads", 2000, 100_000),
  };
}

/** Writes a CA, the server's `s1.server.dc1.consul` certificate and a client certificate. */
async function writeTlsMaterial(runtime: Runtime, dir: string): Promise<void> {
  const { clock, random, fs } = runtime;
  const ca = await createCa({ domain: BENCH_DOMAIN, clock, random });
  const common = { dc: BENCH_DC, domain: BENCH_DOMAIN, caCertPem: ca.certPem, clock, random };
  const caKeyPem = ca.keyPem;
  const server = await createLeafCert({ ...common, caKeyPem, kind: "server", node: BENCH_NODE });
  const client = await createLeafCert({ ...common, caKeyPem, kind: "client" });
  await fs.writeFile(`${dir}/${TLS_FILES.caCert}`, ca.certPem);
  await fs.writeFile(`${dir}/${TLS_FILES.serverCert}`, server.certPem);
  await fs.writeFile(`${dir}/${TLS_FILES.serverKey}`, server.keyPem, { mode: 0o600 });
  await fs.writeFile(`${dir}/${TLS_FILES.clientCert}`, client.certPem);
  await fs.writeFile(`${dir}/${TLS_FILES.clientKey}`, client.keyPem, { mode: 0o600 });
}

/** The processes every gateway runtime is measured against: echo server and HAProxy. */
interface Baseline {
  readonly echoPort: number;
  readonly haproxyPort: number;
  readonly haproxyPid: number;
}

function spawnOptions(runtime: Runtime, workDir: string) {
  return { cwd: ROOT, clock: runtime.clock, fs: runtime.fs, workDir };
}

/** Starts the echo server on this script's runtime and HAProxy in front of it. */
async function startBaseline(
  runtime: Runtime,
  workDir: string,
  children: BenchChild[],
): Promise<Baseline> {
  const own = runtimeName(runtime);
  const echo = await spawnChild(
    runtimeArgv(ROOT, own, "scripts/bench/_gateway_echo.ts", [workDir]),
    { ...spawnOptions(runtime, workDir), label: "echo-server" },
  );
  children.push(echo);
  const echoPort = await echo.waitListening();
  const haproxyPort = await freePort(runtime);
  const configPath = `${workDir}/haproxy.cfg`;
  await runtime.fs.writeFile(
    configPath,
    haproxyConfig({ listenPort: haproxyPort, targetPort: echoPort, serverName: BENCH_SERVER_NAME }),
  );
  const haproxy = await spawnChild(["haproxy", "-db", "-f", configPath], {
    ...spawnOptions(runtime, workDir),
    label: "haproxy",
  });
  children.push(haproxy);
  await haproxy.waitPort(runtime.net, haproxyPort);
  return { echoPort, haproxyPort, haproxyPid: haproxy.pid };
}

/** Starts the Consulate gateway on `gatewayRuntime`, routing to the echo server. */
async function startGateway(
  runtime: Runtime,
  gatewayRuntime: GatewayRuntime,
  options: { workDir: string; echoPort: number; profileDir: string | null; gatewayScript: string },
): Promise<BenchChild> {
  const gateway = await spawnChild(
    runtimeArgv(
      ROOT,
      gatewayRuntime,
      options.gatewayScript,
      [`127.0.0.1:${options.echoPort}`],
      { profileDir: options.profileDir },
    ),
    { ...spawnOptions(runtime, options.workDir), label: `consulate-gateway-${gatewayRuntime}` },
  );
  return gateway;
}

function runtimeName(runtime: Runtime): GatewayRuntime {
  if (runtime.name === "sim") throw new Error("The gateway benchmark needs Deno or Bun");
  return runtime.name;
}

async function freePort(runtime: Runtime): Promise<number> {
  const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  await listener.close();
  return listener.addr.port;
}

/** Measures the three paths with the gateway on `gatewayRuntime`; prints its table. */
async function measureGateway(
  runtime: Runtime,
  gatewayRuntime: GatewayRuntime,
  context: { options: Options; workDir: string; baseline: Baseline; tls: ClientTls },
): Promise<GoalVerdict> {
  const { options, workDir, baseline } = context;
  const out = (text: string) => runtime.process.writeStdout(text + "\n");
  const gateway = await startGateway(runtime, gatewayRuntime, {
    workDir,
    echoPort: baseline.echoPort,
    profileDir: options.profileDir,
    gatewayScript: options.gatewayScript,
  });
  try {
    const gatewayPort = await gateway.waitListening();
    const paths: BenchPath[] = [
      { name: "direct", port: baseline.echoPort, proxyPid: null },
      { name: "consulate", port: gatewayPort, proxyPid: gateway.pid },
      { name: "haproxy", port: baseline.haproxyPort, proxyPid: baseline.haproxyPid },
    ];
    const targets = paths.map((path) => ({
      path,
      target: { net: runtime.net, clock: runtime.clock, port: path.port, ...context.tls },
    }));
    const plan = {
      ...options,
      ticksPerSecond: await clockTicksPerSecond(runtime.process),
    };
    const samples = await measurePaths(runtime, targets, plan, (text) => {
      runtime.process.writeStderr(`  [gateway on ${gatewayRuntime}] ${text}\n`);
    });
    const figures = Object.fromEntries(
      PATH_NAMES.map((name) => [name, figuresOf(samples[name], options.bulkBytes)]),
    ) as Record<PathName, PathFigures>;
    const { lines, verdict } = renderReport(figures);
    out("");
    out(`Consulate gateway on ${gatewayRuntime}:`);
    out("");
    for (const line of lines) out(line);
    out("");
    const word = (met: boolean) => met ? "met" : "MISSED";
    out(
      `goals (gateway on ${gatewayRuntime}): throughput ${word(verdict.throughput)}, ` +
        `MiB/s per CPU-second ${word(verdict.capacity)}, ` +
        `added RTT p50 ${word(verdict.rttLatency)}, ` +
        `added connect p50 ${word(verdict.connectLatency)}`,
    );
    return verdict;
  } finally {
    await gateway.stop();
    await runtime.fs.remove(`${workDir}/${gateway.label}.pid`).catch(() => {});
  }
}

async function readClientTls(runtime: Runtime, workDir: string): Promise<ClientTls> {
  const read = (name: string) => runtime.fs.readTextFile(`${workDir}/${name}`);
  return {
    caPem: await read(TLS_FILES.caCert),
    certPem: await read(TLS_FILES.clientCert),
    keyPem: await read(TLS_FILES.clientKey),
  };
}

async function haproxyVersion(runtime: Runtime): Promise<string> {
  const result = await runtime.process.runCommand(["haproxy", "-v"], {
    timeoutMs: 10_000,
    maxOutputBytes: 4096,
  }).catch(() => null);
  const version = result?.code === 0 ? /version (\S+)/i.exec(result.output)?.[1] : undefined;
  if (version === undefined) {
    throw new Error(
      "HAProxy is not installed or does not run; install it with `apt-get install -y haproxy` " +
        "(gateway.sh does this when run as root)",
    );
  }
  return version;
}

function runtimeVersion(runtime: Runtime): string {
  const global = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  return runtime.name === "deno" ? global.Deno?.version.deno ?? "?" : global.Bun?.version ?? "?";
}

async function run(runtime: Runtime, options: Options): Promise<number> {
  const out = (text: string) => runtime.process.writeStdout(text + "\n");
  const haproxy = await haproxyVersion(runtime);
  const tmp = runtime.process.env("TMPDIR") ?? "/tmp";
  const workDir = options.workDir ?? `${tmp}/consulate-gateway-bench-${runtime.process.pid}`;
  await runtime.fs.mkdir(workDir, { recursive: true });
  const children: BenchChild[] = [];
  const stopAll = () => Promise.all(children.map((child) => child.stop().catch(() => {})));
  const onSignal = () => void stopAll().then(() => runtime.process.exit(130));
  const removers = (["SIGINT", "SIGTERM"] as const).map((s) =>
    runtime.process.onSignal(s, onSignal)
  );
  try {
    await writeTlsMaterial(runtime, workDir);
    const baseline = await startBaseline(runtime, workDir, children);
    const tls = await readClientTls(runtime, workDir);
    out(
      `gateway benchmark: client and echo server on ${runtime.name} ${runtimeVersion(runtime)}, ` +
        `HAProxy ${haproxy} (1 thread); per path ${options.bulkBytes / (1024 * 1024)} MiB up ` +
        `and down x ${options.runs} runs, ${options.pings} round trips of ` +
        `${options.messageBytes} B, ${options.connects} new connections`,
    );
    let allMet = true;
    for (const gatewayRuntime of options.runtimes) {
      const verdict = await measureGateway(runtime, gatewayRuntime, {
        options,
        workDir,
        baseline,
        tls,
      });
      allMet &&= verdict.throughput && verdict.capacity && verdict.rttLatency &&
        verdict.connectLatency;
      if (options.crossDcReads > 0) {
        await measureFederation(runtime, gatewayRuntime, {
          ...spawnOptions(runtime, workDir),
          root: ROOT,
          reads: options.crossDcReads,
        });
      }
    }
    // Missing a goal is a finding, not a failure of the benchmark.
    if (!allMet) out("\nsome goals were missed; see docs/benchmarks.md for where the time goes");
    return 0;
  } finally {
    await stopAll();
    for (const remove of removers) remove();
    for (const child of children) {
      await runtime.fs.remove(`${workDir}/${child.label}.pid`).catch(() => {});
    }
    if (options.workDir === null) await runtime.fs.remove(workDir, { recursive: true });
  }
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  let options: Options;
  try {
    options = parseOptions(runtime.process.args);
  } catch (error) {
    runtime.process.writeStderr(`${(error as Error).message}\n`);
    return runtime.process.exit(2);
  }
  try {
    runtime.process.exit(await run(runtime, options));
  } catch (error) {
    runtime.process.writeStderr(`gateway benchmark failed: ${(error as Error).message}\n`);
    runtime.process.exit(1);
  }
}

if (import.meta.main) await main();
