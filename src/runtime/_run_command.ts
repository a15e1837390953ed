/**
 * `Process.runCommand` over `node:child_process`, shared by both adapters: the child's stdout
 * and stderr are gathered in arrival order up to a byte cap, and a deadline kills the child.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { CommandOutput } from "./ports.ts";

/** Runs `argv` with a time limit; output beyond `maxOutputBytes` is dropped. */
export function runNodeCommand(
  argv: readonly string[],
  options: { timeoutMs: number; maxOutputBytes: number },
): Promise<CommandOutput> {
  if (argv.length === 0) return Promise.reject(new Error("runCommand needs a program to run"));
  return new Promise<CommandOutput>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
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
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not run ${argv[0]}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const signalNumber = signal ? constants.signals[signal] ?? 0 : 0;
      const output = new TextDecoder().decode(concat(chunks, kept));
      resolve({ code: code ?? 128 + signalNumber, output, timedOut });
    });
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
