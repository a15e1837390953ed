/**
 * Real I/O for the runner tests: the runtime adapter when it is available, else small
 * node-based stand-ins (allowed in test files) so these tests do not wait on other folders.
 */

import { spawn } from "node:child_process";
import * as net from "node:net";
import type { CommandOutput, Conn, Net, Process, Runtime } from "../../src/runtime/ports.ts";

/** The two ports the runners use for real I/O. */
export interface RunnerPorts {
  readonly net: Pick<Net, "dialTcp">;
  readonly process: Pick<Process, "runCommand">;
}

/** Ports from `currentRuntime()` when it loads, else node-based ones. */
export async function runnerPorts(): Promise<RunnerPorts> {
  try {
    // A computed specifier keeps the in-progress adapters out of this folder's type check.
    const specifier = "../../src/runtime/current.ts";
    const { currentRuntime } = await import(specifier);
    const rt: Runtime = await currentRuntime();
    return { net: rt.net, process: rt.process };
  } catch {
    return { net: { dialTcp: nodeDialTcp }, process: { runCommand: nodeRunCommand } };
  }
}

function nodeDialTcp(options: { hostname: string; port: number; timeoutMs?: number }) {
  return new Promise<Conn>((resolve, reject) => {
    const socket = net.connect({ host: options.hostname, port: options.port });
    socket.setTimeout(options.timeoutMs ?? 10_000, () => {
      socket.destroy();
      reject(new Error(`dial tcp ${options.hostname}:${options.port}: i/o timeout`));
    });
    socket.once(
      "error",
      (error) =>
        reject(new Error(`dial tcp ${options.hostname}:${options.port}: ${error.message}`)),
    );
    socket.once("connect", () => {
      const conn = {
        close: () => socket.destroy(),
      } as unknown as Conn;
      resolve(conn);
    });
  });
}

function nodeRunCommand(
  argv: readonly string[],
  options: { timeoutMs: number; maxOutputBytes: number },
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    const collect = (chunk: Uint8Array) => {
      output = (output + new TextDecoder().decode(chunk)).slice(0, options.maxOutputBytes);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output, timedOut });
    });
  });
}
