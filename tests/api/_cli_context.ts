/**
 * A CLI context for the HTTP commands' tests: the real runtime, but with a chosen environment
 * and an in-memory file overlay, and stdout/stderr captured as text.
 */
import type { CliContext } from "../../src/cli/command.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { FileSystem, Process, Runtime } from "../../src/runtime/ports.ts";

/** A context whose outputs are collected for assertions. */
export interface CapturedContext extends CliContext {
  /** Everything written to stdout. */
  readonly out: () => string;
  /** Everything written to stderr. */
  readonly err: () => string;
}

/**
 * Builds a context with `env` as the whole environment, `files` readable by path, and `stdin`
 * as what standard input holds.
 */
export async function cliContext(
  env: Record<string, string>,
  files: Record<string, string | Uint8Array> = {},
  stdin: Uint8Array = new Uint8Array(0),
): Promise<CapturedContext> {
  const real = await currentRuntime();
  const out: string[] = [];
  const err: string[] = [];
  const process: Process = Object.create(real.process, {
    env: { value: (name: string) => env[name] },
    readStdin: {
      value: (maxBytes: number) =>
        stdin.byteLength > maxBytes
          ? Promise.reject(new Error(`standard input holds more than ${maxBytes} bytes`))
          : Promise.resolve(stdin),
    },
  });
  const fs: FileSystem = Object.create(real.fs, {
    readFile: { value: (path: string) => read(path, files).then(toBytes) },
    readTextFile: {
      value: (path: string) =>
        read(path, files).then((data) =>
          typeof data === "string" ? data : new TextDecoder().decode(data)
        ),
    },
  });
  const runtime: Runtime = { ...real, process, fs };
  return {
    runtime,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    out: () => out.join(""),
    err: () => err.join(""),
  };
}

function read(path: string, files: Record<string, string | Uint8Array>) {
  const data = files[path];
  if (data === undefined) {
    return Promise.reject(new Error(`Could not read ${path}: No such file or directory`));
  }
  return Promise.resolve(data);
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}
