/**
 * Network-namespace lab for end-to-end tests: brings up the topology of
 * `scripts/e2e/netns.sh` (two datacenters on the same private subnet, a WAN segment between
 * their gateways), runs processes inside the namespaces, and probes reachability from inside.
 * Tears everything down on `down()`; namespaces left by a crashed run are removed by the next.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

const SCRIPT = new URL("../../scripts/e2e/netns.sh", import.meta.url).pathname;
/** How much of a process's output is kept for failure messages. */
const OUTPUT_TAIL_CHARS = 48 * 1024;
/** Bound on a helper command (ip, nft, curl, the CLI). */
const COMMAND_TIMEOUT_MS = 30_000;
/** How long a TCP probe may wait for a connection (rejections come back at once). */
const TCP_PROBE_TIMEOUT_S = 3;
/** How long a stopped process gets to exit after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

/** The namespaces of one lab. */
export type NsName = "dc1" | "dc2" | "wan";

/** A finished command. */
export interface CommandResult {
  /** Exit code, or the signal name when it was killed. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `argv` to completion, killing it after `timeoutMs`. */
export function runCommand(
  argv: readonly string[],
  options: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, "SIGKILL");
    }, options.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? "unknown", stdout, stderr });
    });
    child.stdin!.end(options.input ?? "");
  });
}

/** Runs `argv` and returns its stdout; throws with the output when it exits non-zero. */
export async function mustRun(
  argv: readonly string[],
  options: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<string> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) {
    throw new Error(
      `${argv.join(" ")} exited ${result.code}\n${result.stdout}${result.stderr}`.trimEnd(),
    );
  }
  return result.stdout;
}

/**
 * Why namespace tests cannot run here (not root, no `ip netns`, no nftables), or null when
 * they can. Installs nftables and curl with apt-get when they are missing.
 */
export async function netnsSkipReason(): Promise<string | null> {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "network namespaces need root";
  const result = await runCommand(["bash", SCRIPT, "requirements"], { timeoutMs: 300_000 })
    .catch((error) => ({ code: "spawn", stdout: String(error), stderr: "" }));
  if (result.code === 0) return null;
  return `${result.stdout}${result.stderr}`.trim() || `netns.sh requirements: ${result.code}`;
}

/** A process running inside a namespace, with the tail of its output. */
export class LabProcess {
  readonly exited: Promise<number | string>;
  #child: ChildProcess;
  #output = "";
  #done = false;

  constructor(readonly name: string, child: ChildProcess) {
    this.#child = child;
    const keep = (chunk: unknown) => {
      this.#output = (this.#output + String(chunk)).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.#done = true;
        resolve(code ?? signal ?? "unknown");
      });
    });
  }

  /** The process id (`ip netns exec` execs the command, so this is the command itself). */
  get pid(): number {
    return this.#child.pid!;
  }

  /** True until the process exits. */
  get running(): boolean {
    return !this.#done;
  }

  /** The last output lines, for failure messages. */
  output(): string {
    return this.#output;
  }

  /** Sends `signal` (process.kill: Deno misreports exits of children signalled via child.kill). */
  signal(signal: "SIGKILL" | "SIGTERM"): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  async stop(): Promise<number | string> {
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), STOP_GRACE_MS);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

/** Plain HTTP result from curl inside a namespace. */
export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** The three namespaces of one test run, and everything started in them. */
export class NetnsLab {
  readonly prefix: string;
  readonly #processes = new Set<LabProcess>();
  #unguard: (() => void) | null = null;

  /** `prefix` defaults to CSLT_NETNS_PREFIX (set by `netns.sh run`) or `cslt-<pid>-`. */
  constructor(prefix?: string) {
    this.prefix = prefix ?? process.env.CSLT_NETNS_PREFIX ?? `cslt-${process.pid}-`;
  }

  /** The full name of one of the lab's namespaces. */
  ns(name: NsName): string {
    return `${this.prefix}${name}`;
  }

  /** Removes stale labs of dead runs and any leftover of this one, then builds the topology. */
  async up(): Promise<void> {
    this.guardExit();
    await mustRun(["bash", SCRIPT, "clean-stale"]);
    await mustRun(["bash", SCRIPT, "down", this.prefix]);
    await mustRun(["bash", SCRIPT, "up", this.prefix]);
  }

  /** Kills every process of the lab and deletes the namespaces. */
  async down(): Promise<void> {
    await this.killAll();
    await mustRun(["bash", SCRIPT, "down", this.prefix]);
    this.#unguard?.();
  }

  /**
   * Tears the lab down synchronously if the test runner exits or is told to stop (a CI
   * timeout, Ctrl-C) before `down()` runs, so no namespace or process outlives the run.
   */
  guardExit(alsoOnExit: () => void = () => {}): void {
    if (this.#unguard) return;
    const teardown = () => {
      spawnSync("bash", [SCRIPT, "down", this.prefix], { stdio: "ignore" });
      alsoOnExit();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      teardown();
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("exit", teardown);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    this.#unguard = () => {
      process.off("exit", teardown);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      this.#unguard = null;
    };
  }

  /** SIGKILLs every process still running. */
  async killAll(): Promise<void> {
    const running = [...this.#processes];
    for (const proc of running) proc.signal("SIGKILL");
    await Promise.all(running.map((proc) => proc.exited));
    this.#processes.clear();
  }

  /** Opens (on) or closes (off) the servers' public addresses with 1:1 NAT. */
  async setDirectWan(on: boolean): Promise<void> {
    await mustRun(["bash", SCRIPT, "direct-wan", this.prefix, on ? "on" : "off"]);
  }

  /** Starts `argv` inside namespace `ns`. */
  start(name: string, ns: NsName, argv: readonly string[]): LabProcess {
    const child = spawn("ip", ["netns", "exec", this.ns(ns), ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const proc = new LabProcess(name, child);
    this.#processes.add(proc);
    void proc.exited.then(() => this.#processes.delete(proc));
    return proc;
  }

  /** Runs `argv` inside namespace `ns` to completion. */
  exec(
    ns: NsName,
    argv: readonly string[],
    options: { timeoutMs?: number; input?: string } = {},
  ): Promise<CommandResult> {
    return runCommand(["ip", "netns", "exec", this.ns(ns), ...argv], options);
  }

  /** True when a TCP connection from inside `ns` to `host:port` is accepted. */
  async tcpConnects(ns: NsName, host: string, port: number): Promise<boolean> {
    const result = await this.exec(ns, [
      "timeout",
      String(TCP_PROBE_TIMEOUT_S),
      "bash",
      "-c",
      'exec 3<>"/dev/tcp/$0/$1"',
      host,
      String(port),
    ]);
    return result.code === 0;
  }

  /** What a listener that writes a banner and closes says to a connection from `ns`, or null. */
  async tcpBanner(ns: NsName, host: string, port: number): Promise<string | null> {
    const result = await this.exec(ns, [
      "timeout",
      String(TCP_PROBE_TIMEOUT_S),
      "bash",
      "-c",
      'exec 3<>"/dev/tcp/$0/$1" && cat <&3',
      host,
      String(port),
    ]);
    return result.code === 0 ? result.stdout : null;
  }

  /** An HTTP request made with curl from inside `ns`; status 0 when no response came. */
  async http(ns: NsName, method: string, url: string, body?: string): Promise<HttpResult> {
    const argv = ["curl", "-sS", "-m", "10", "-X", method, "-w", "\n%{http_code}", url];
    if (body !== undefined) argv.push("--data-binary", "@-");
    const result = await this.exec(ns, argv, body === undefined ? {} : { input: body });
    const cut = result.stdout.lastIndexOf("\n");
    const status = Number(result.stdout.slice(cut + 1)) || 0;
    return { status, body: status === 0 ? result.stderr.trim() : result.stdout.slice(0, cut) };
  }

  /** Packets counted so far by the named counter of the namespace's `inet cslt` table. */
  async counter(ns: NsName, name: string): Promise<number> {
    const text = await mustRun([
      "ip",
      "netns",
      "exec",
      this.ns(ns),
      "nft",
      "list",
      "counter",
      "inet",
      "cslt",
      name,
    ]);
    const match = /packets (\d+)/.exec(text);
    if (!match) throw new Error(`No packet count in: ${text}`);
    return Number(match[1]);
  }

  /** Sets the named counter of the namespace's `inet cslt` table back to zero. */
  async resetCounter(ns: NsName, name: string): Promise<void> {
    await mustRun([
      "ip",
      "netns",
      "exec",
      this.ns(ns),
      "nft",
      "reset",
      "counter",
      "inet",
      "cslt",
      name,
    ]);
  }

  /**
   * Runs `probe` while namespace `ns` routes `destination` via `gateway`: a hostile WAN
   * neighbour that points a datacenter's private subnet at that datacenter's WAN addresses.
   */
  async withRoute<T>(
    ns: NsName,
    route: { destination: string; via: string },
    probe: () => Promise<T>,
  ): Promise<T> {
    const argv = ["ip", "-n", this.ns(ns), "route"];
    await mustRun([...argv, "replace", route.destination, "via", route.via]);
    try {
      return await probe();
    } finally {
      await mustRun([...argv, "del", route.destination]);
    }
  }
}

/**
 * Polls `probe` until it returns true. A string from the probe (or an error it throws) is the
 * state seen, quoted in the timeout error with the tails of `logs`.
 */
export async function eventually(
  what: string,
  probe: () => Promise<true | string>,
  options: { timeoutMs: number; intervalMs?: number; logs?: readonly LabProcess[] },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "nothing yet";
  while (Date.now() < deadline) {
    try {
      const seen = await probe();
      if (seen === true) return;
      last = seen;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
  const logs = (options.logs ?? []).map((proc) =>
    `\n--- ${proc.name} (last output) ---\n${proc.output().split("\n").slice(-40).join("\n")}`
  ).join("");
  throw new Error(
    `Timed out after ${options.timeoutMs} ms waiting for ${what}; last seen: ${last}${logs}`,
  );
}

/** Logs how far into a scenario each milestone came, for the CI log and the docs' figures. */
export function milestones(scenario: string): (what: string) => void {
  const startedAt = performance.now();
  return (what) => {
    const ms = Math.round(performance.now() - startedAt);
    console.log(`wanfed_netns: ${scenario}: ${what} after ${ms} ms`);
  };
}

/** argv running, on the test's own runtime, TCP listeners that greet with `banner` and close. */
export function listenerArgv(
  listeners: readonly [host: string, port: number, banner: string][],
): string[] {
  const code = `import { createServer } from "node:net";
for (const [host, port, banner] of ${JSON.stringify(listeners)}) {
  createServer((socket) => socket.end(banner)).listen(port, host);
}`;
  return "Deno" in globalThis ? [process.execPath, "eval", code] : [process.execPath, "-e", code];
}
