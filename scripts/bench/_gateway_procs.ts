/**
 * The processes of the gateway benchmark: the echo server and the Consulate gateway (each a
 * script on Deno or Bun that prints `listening <port>`), and HAProxy configured for the same
 * SNI passthrough routing. Each child's pid is written to `<work-dir>/<label>.pid` so that
 * `gateway.sh` can end it even if the driver dies first.
 *
 * The Process port only runs commands to completion, so long-lived children are spawned here
 * with `node:child_process`, which both runtimes provide.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import type { Clock, FileSystem, Net } from "../../src/runtime/ports.ts";

/** Bytes of a child's combined output kept for error messages. */
const MAX_CHILD_LOG_BYTES = 64 * 1024;
/** How long a child may take to say (or show) that it listens. */
const READY_TIMEOUT_MS = 30_000;
/** Pause between probes of a child that does not announce its port (HAProxy). */
const READY_POLL_MS = 50;
/** Grace after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

/** A long-lived child process of the benchmark. */
export class BenchChild {
  readonly #child: ChildProcess;
  readonly #clock: Clock;
  readonly #exited: Promise<void>;
  #log = "";
  #exitCode: number | null = null;
  #onOutput: () => void = () => {};
  /** What the child is, for messages and its pid file. */
  readonly label: string;

  /** Wraps a spawned child. */
  constructor(child: ChildProcess, clock: Clock, label: string) {
    this.#child = child;
    this.#clock = clock;
    this.label = label;
    const keep = (chunk: Uint8Array | string) => {
      this.#log = (this.#log + String(chunk)).slice(-MAX_CHILD_LOG_BYTES);
      this.#onOutput();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exitCode = code ?? (signal ? 128 : 1);
        this.#onOutput();
        resolve();
      });
    });
  }

  /** Process id of the child itself (binaries are spawned directly, never through a shell). */
  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${this.label} did not start:\n${this.logTail}`);
    return pid;
  }

  /** The last output of the child. */
  get logTail(): string {
    return this.#log.slice(-4000);
  }

  /**
   * Waits for the child's `listening <port>` line.
   * @throws when the child exits or stays silent past the ready timeout.
   */
  async waitListening(timeoutMs: number = READY_TIMEOUT_MS): Promise<number> {
    const deadline = this.#clock.monotonicMs() + timeoutMs;
    for (;;) {
      const port = /^listening (\d+)$/m.exec(this.#log)?.[1];
      if (port !== undefined) return Number(port);
      this.#assertRunning();
      const left = deadline - this.#clock.monotonicMs();
      if (left <= 0) {
        throw new Error(
          `${this.label} did not listen within ${timeoutMs} ms:\n${this.logTail}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = this.#clock.setTimer(left, resolve);
        this.#onOutput = () => {
          timer.cancel();
          resolve();
        };
      });
    }
  }

  /**
   * Waits until `port` accepts TCP connections (for children that print nothing).
   * @throws when the child exits or the port stays closed past the ready timeout.
   */
  async waitPort(net: Net, port: number): Promise<void> {
    const deadline = this.#clock.monotonicMs() + READY_TIMEOUT_MS;
    for (;;) {
      this.#assertRunning();
      try {
        (await net.dialTcp({ hostname: "127.0.0.1", port, timeoutMs: 1000 })).close();
        return;
      } catch {
        // Not listening yet.
      }
      if (this.#clock.monotonicMs() > deadline) {
        throw new Error(`${this.label} did not open port ${port} within ${READY_TIMEOUT_MS} ms`);
      }
      await this.#clock.sleep(READY_POLL_MS);
    }
  }

  /** Stops the child with SIGTERM, then SIGKILL after a grace period. Idempotent. */
  async stop(): Promise<void> {
    if (this.#exitCode === null) {
      this.#child.kill("SIGTERM");
      const timer = this.#clock.setTimer(STOP_GRACE_MS, () => this.#child.kill("SIGKILL"));
      await this.#exited;
      timer.cancel();
    }
  }

  #assertRunning(): void {
    if (this.#exitCode !== null) {
      throw new Error(`${this.label} exited with ${this.#exitCode}:\n${this.logTail}`);
    }
  }
}

/** Spawns `argv` from `cwd` and records its pid in `<workDir>/<label>.pid`. */
export async function spawnChild(
  argv: readonly string[],
  options: { cwd: string; label: string; clock: Clock; fs: FileSystem; workDir: string },
): Promise<BenchChild> {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const bench = new BenchChild(child, options.clock, options.label);
  await options.fs.writeFile(`${options.workDir}/${options.label}.pid`, `${bench.pid}\n`);
  return bench;
}

/**
 * The argv that runs `script` with `args` on `runtime` (`deno run -A` or `bun`); with
 * `profileDir`, the runtime writes a `.cpuprofile` there when the script exits.
 */
export function runtimeArgv(
  root: string,
  runtime: "deno" | "bun",
  script: string,
  args: readonly string[],
  options: { profileDir?: string | null } = {},
): string[] {
  const binary = `${root}/node_modules/.bin/${runtime}`;
  const profile = options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : [];
  return runtime === "deno"
    ? [binary, "run", "-A", ...profile, script, ...args]
    : [binary, ...profile, script, ...args];
}

/**
 * An HAProxy configuration doing what the Consulate gateway does: TCP mode, wait (up to 5 s)
 * for a whole ClientHello, route by its SNI, splice without terminating TLS. One thread, as the
 * gateway is one JavaScript event loop; no `splice()` (HAProxy's default), as the gateway
 * cannot use it either.
 */
export function haproxyConfig(
  options: { listenPort: number; targetPort: number; serverName: string },
): string {
  return [
    "global",
    "  nbthread 1",
    "  maxconn 4096",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "frontend mesh_gateway",
    `  bind 127.0.0.1:${options.listenPort}`,
    "  tcp-request inspect-delay 5s",
    "  tcp-request content accept if { req_ssl_hello_type 1 }",
    `  use_backend local_server_s1 if { req_ssl_sni -i ${options.serverName} }`,
    "backend local_server_s1",
    `  server s1 127.0.0.1:${options.targetPort}`,
    "",
  ].join("\n");
}
