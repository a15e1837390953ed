/**
 * Server processes for the benchmarks: the Consulate agent and the trivial Hono baseline,
 * each started as a child process on Deno or Bun so that its CPU time and memory can be read
 * from `/proc/<pid>` apart from the load generator's.
 *
 * The Process port only runs commands to completion, so long-lived children are spawned here
 * with `node:child_process`, which both runtimes provide.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import type { Clock } from "../../src/runtime/ports.ts";

/** The runtimes a server child can run on. */
export type ServerRuntime = "deno" | "bun";

/** Bytes of a child's combined output kept for error messages. */
const MAX_CHILD_LOG_BYTES = 64 * 1024;
/** How long a child may take to answer its readiness probe. */
const READY_TIMEOUT_MS = 60_000;
/** Pause between readiness probes. */
const READY_POLL_MS = 100;
/** Grace after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

/** A running server child. */
export class ServerChild {
  readonly #child: ChildProcess;
  readonly #clock: Clock;
  #log = "";
  #exited: Promise<number>;
  #exitCode: number | null = null;
  /** Base URL, e.g. `http://127.0.0.1:18500`. */
  readonly baseUrl: string;
  /** What the child is, for messages. */
  readonly label: string;

  constructor(child: ChildProcess, options: { clock: Clock; port: number; label: string }) {
    this.#child = child;
    this.#clock = options.clock;
    this.baseUrl = `http://127.0.0.1:${options.port}`;
    this.label = options.label;
    const keep = (chunk: Uint8Array | string) => {
      this.#log = (this.#log + String(chunk)).slice(-MAX_CHILD_LOG_BYTES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exitCode = code ?? (signal ? 128 : 1);
        resolve(this.#exitCode);
      });
    });
  }

  /** Process id of the server itself (the runtime binary is spawned directly, no shell). */
  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${this.label} did not start`);
    return pid;
  }

  /** The last output of the child, for error messages. */
  get logTail(): string {
    return this.#log.slice(-4000);
  }

  /**
   * Polls `path` until it answers 200 and `accept` (if given) approves the body.
   * @throws when the child exits or does not become ready in time.
   */
  async waitReady(path: string, accept?: (body: string) => boolean): Promise<void> {
    const deadline = this.#clock.monotonicMs() + READY_TIMEOUT_MS;
    while (this.#clock.monotonicMs() < deadline) {
      if (this.#exitCode !== null) {
        throw new Error(`${this.label} exited with ${this.#exitCode}:\n${this.logTail}`);
      }
      try {
        const response = await fetch(this.baseUrl + path);
        const body = await response.text();
        if (response.ok && (accept === undefined || accept(body))) return;
      } catch {
        // Not listening yet.
      }
      await this.#clock.sleep(READY_POLL_MS);
    }
    throw new Error(`${this.label} was not ready within ${READY_TIMEOUT_MS} ms:\n${this.logTail}`);
  }

  /** Stops the child with SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.#exitCode !== null) return;
    this.#child.kill("SIGTERM");
    const timer = this.#clock.setTimer(STOP_GRACE_MS, () => this.#child.kill("SIGKILL"));
    await this.#exited;
    timer.cancel();
  }
}

/** Starts `args` (a script and its arguments) on `runtime`, from the repository root. */
export function spawnServer(
  runtime: ServerRuntime,
  options: { root: string; args: readonly string[]; port: number; label: string; clock: Clock },
): ServerChild {
  const binary = `${options.root}/node_modules/.bin/${runtime}`;
  const argv = runtime === "deno" ? ["run", "-A", ...options.args] : [...options.args];
  const child = spawn(binary, argv, {
    cwd: options.root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new ServerChild(child, options);
}
