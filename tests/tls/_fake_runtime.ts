/**
 * A small in-memory Runtime for CLI tests: a map-backed file system that honours `exclusive`
 * and records modes, a fixed clock, seeded randomness and a captured process. Ports the TLS
 * commands never use throw when touched.
 *
 * @module
 */
import type {
  Clock,
  FileInfo,
  FileSystem,
  Process,
  Random,
  Runtime,
} from "../../src/runtime/ports.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";

/** A stored file: its bytes and the mode it was created with. */
export interface FakeFile {
  data: Uint8Array;
  mode: number;
}

/** The fake runtime plus handles for inspecting what the command did. */
export interface FakeRuntime {
  readonly runtime: Runtime;
  readonly files: Map<string, FakeFile>;
  readonly cwd: string;
  readText(name: string): string;
}

/** A clock frozen at `nowMs`. */
export function fixedClock(nowMs: number): Clock {
  return {
    now: () => nowMs,
    monotonicMs: () => 0,
    setTimer: () => ({ cancel() {} }),
    sleep: () => Promise.resolve(),
  };
}

/** A seeded Random for reproducible serial numbers. */
export function seededRandom(seed = 7): Random {
  return createSeededRandom(seed);
}

/** Builds a fake runtime whose working directory is `/work/dir`. */
export function createFakeRuntime(nowMs = Date.UTC(2025, 0, 1)): FakeRuntime {
  const cwd = "/work/dir";
  const files = new Map<string, FakeFile>();
  const encoder = new TextEncoder();
  const missing = (path: string) => new Error(`read ${path}: no such file or directory`);
  const fs: FileSystem = {
    readFile: (path) => {
      const file = files.get(path);
      return file ? Promise.resolve(file.data) : Promise.reject(missing(path));
    },
    readTextFile: async (path) => new TextDecoder().decode(await fs.readFile(path)),
    writeFile: (path, data, options = {}) => {
      if (options.exclusive && files.has(path)) {
        return Promise.reject(new Error(`write ${path}: file already exists`));
      }
      const bytes = typeof data === "string" ? encoder.encode(data) : data;
      files.set(path, { data: bytes, mode: options.mode ?? 0o644 });
      return Promise.resolve();
    },
    writeFileAtomic: (path, data) => fs.writeFile(path, data),
    openAppend: unsupported,
    truncate: unsupported,
    mkdir: () => Promise.resolve(),
    readDir: (path) => {
      const prefix = `${path}/`;
      const names = [...files.keys()]
        .filter((name) => name.startsWith(prefix) && !name.slice(prefix.length).includes("/"))
        .map((name) => name.slice(prefix.length));
      return Promise.resolve(names.sort());
    },
    stat: (path): Promise<FileInfo | null> => {
      const file = files.get(path);
      return Promise.resolve(
        file ? { isFile: true, isDirectory: false, size: file.data.byteLength } : null,
      );
    },
    remove: (path) => {
      files.delete(path);
      return Promise.resolve();
    },
    rename: unsupported,
  };
  const process: Process = {
    pid: 1,
    args: [],
    env: () => undefined,
    hostname: () => "test-host",
    cwd: () => cwd,
    writeStdout: () => {},
    writeStderr: () => {},
    readStdin: () => Promise.resolve(new Uint8Array(0)),
    onSignal: () => () => {},
    exit: () => {
      throw new Error("exit called in a test");
    },
    runCommand: unsupported,
  };
  const runtime: Runtime = {
    name: "sim",
    net: new Proxy({}, { get: () => unsupported }) as Runtime["net"],
    sqlite: { open: unsupported },
    http: { serve: unsupported },
    fs,
    clock: fixedClock(nowMs),
    random: seededRandom(),
    process,
  };
  return {
    runtime,
    files,
    cwd,
    readText: (name) => new TextDecoder().decode(files.get(`${cwd}/${name}`)!.data),
  };
}

function unsupported(): never {
  throw new Error("not available in the fake runtime");
}
