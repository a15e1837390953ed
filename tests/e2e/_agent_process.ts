/**
 * Starts `consulate` as a real child process for end-to-end tests: on the runtime running the
 * tests (deno or bun, from source) or as the compiled binary when CONSULATE_BINARY is set.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

/** argv prefix that runs the CLI on this runtime (or the compiled binary). */
export function consulateCommand(): string[] {
  const binary = process.env.CONSULATE_BINARY;
  if (binary) return [binary];
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return isDeno ? [process.execPath, "run", "-A", MAIN] : [process.execPath, MAIN];
}

/** A free TCP port on 127.0.0.1 (bound and released; good enough for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running child process with its combined output. */
export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Spawns `consulate <args>`. */
export function startConsulate(args: readonly string[]): AgentProcess {
  const [command, ...prefix] = consulateCommand();
  const child = spawn(command, [...prefix, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (chunk) => (text += chunk));
  child.stderr!.on("data", (chunk) => (text += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => text, exited };
}

/** Polls `probe` until it returns true, or fails with `what` and the process output. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs?: number; agent?: AgentProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const output = options.agent ? `\n--- process output ---\n${options.agent.output()}` : "";
  throw new Error(`Timed out waiting for ${what}${output}`);
}
