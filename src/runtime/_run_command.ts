/**
 * `Process.runCommand` over `node:child_process`, shared by both adapters: the child's stdout
 * and stderr are gathered in arrival order up to a byte cap, and a deadline kills the child's
 * whole process group (as Consul does), so `sh -c "sleep 60"` cannot outlive its timeout.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { constants } from "node:os";
import process from "node:process";
import type { CommandOutput } from "./ports.ts";
import { concatBytes } from "./read_all.ts";

/** Runs `argv` with a time limit; output beyond `maxOutputBytes` is dropped. */
export function runNodeCommand(
  argv: readonly string[],
  options: { timeoutMs: number; maxOutputBytes: number },
): Promise<CommandOutput> {
  if (argv.length === 0) return Promise.reject(new Error("runCommand needs a program to run"));
  return new Promise<CommandOutput>((resolve, reject) => {
    // detached: the child leads a new process group, which the deadline kills as a whole.
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const chunks: Uint8Array[] = [];
    let kept = 0;
    let timedOut = false;
    const collect = (chunk: Uint8Array) => {
      const room = options.maxOutputBytes - kept;
      if (room <= 0) return;
      const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      kept += part.byteLength;
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${argv[0]}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const signalNumber = signal ? constants.signals[signal] ?? 0 : 0;
      const output = new TextDecoder().decode(concatBytes(chunks, kept));
      resolve({ code: code ?? 128 + signalNumber, output, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}
