/**
 * The {@linkcode FileSystem} port over `node:fs/promises`, shared by the Deno and Bun adapters.
 * Durability comes from real fsync calls: file handles are synced before close, and the
 * directory is synced after a rename so the new name itself survives a crash.
 *
 * @module
 */

import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { AppendFile, FileInfo, FileSystem } from "./ports.ts";

/** Wraps a node fs error with what was attempted, keeping the original as `cause`. */
function fsError(action: string, target: string, error: unknown): Error {
  const detail = error instanceof Error ? error.message : String(error);
  const wrapped = new Error(`Could not ${action} ${target}: ${detail}`, { cause: error });
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") Object.assign(wrapped, { code });
  return wrapped;
}

async function attempt<T>(action: string, target: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fsError(action, target, error);
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** Writes all of `data` to `handle` at its current position. */
async function writeAll(handle: fsp.FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Fsyncs a directory so that entries created or renamed in it are durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Bytes of the random suffix that keeps concurrent atomic writers' temp files apart. */
const TEMP_SUFFIX_BYTES = 6;

function tempSibling(target: string): string {
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(TEMP_SUFFIX_BYTES)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return path.join(path.dirname(target), `.${path.basename(target)}.${suffix}.tmp`);
}

async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temp = tempSibling(target);
  await attempt("write atomically", target, async () => {
    const handle = await fsp.open(temp, "wx", 0o600);
    try {
      await writeAll(handle, toBytes(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.rename(temp, target);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
    await syncDirectory(path.dirname(target));
  });
}

async function openAppend(target: string): Promise<AppendFile> {
  const handle = await attempt("open for appending", target, () => fsp.open(target, "a"));
  let size = (await attempt("stat", target, () => handle.stat())).size;
  let closed = false;
  const checkOpen = () => {
    if (closed) throw new Error(`Append file ${target} is already closed`);
  };
  return {
    get size() {
      return size;
    },
    async append(data: Uint8Array): Promise<void> {
      checkOpen();
      await attempt("append to", target, () => writeAll(handle, data));
      size += data.byteLength;
    },
    async sync(): Promise<void> {
      checkOpen();
      await attempt("fsync", target, () => handle.sync());
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await attempt("close", target, () => handle.close());
    },
  };
}

async function truncate(target: string, size: number): Promise<void> {
  await attempt("truncate", target, async () => {
    const handle = await fsp.open(target, "r+");
    try {
      await handle.truncate(size);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

async function stat(target: string): Promise<FileInfo | null> {
  try {
    const info = await fsp.stat(target);
    return { isFile: info.isFile(), isDirectory: info.isDirectory(), size: info.size };
  } catch (error) {
    if ((error as { code?: unknown })?.code === "ENOENT") return null;
    throw fsError("stat", target, error);
  }
}

/** Returns the {@linkcode FileSystem} port backed by `node:fs/promises`. */
export function createNodeFileSystem(): FileSystem {
  return {
    readFile: (p) => attempt("read", p, async () => new Uint8Array(await fsp.readFile(p))),
    readTextFile: (p) => attempt("read", p, () => fsp.readFile(p, "utf8")),
    writeFile: (p, data, options = {}) =>
      attempt("write", p, async () => {
        const flag = options.exclusive ? "wx" : "w";
        const handle = await fsp.open(p, flag, options.mode ?? 0o644);
        try {
          await writeAll(handle, toBytes(data));
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    writeFileAtomic,
    openAppend,
    truncate,
    mkdir: (p, options = {}) =>
      attempt("create directory", p, async () => {
        await fsp.mkdir(p, { recursive: options.recursive ?? false, mode: options.mode });
      }),
    readDir: (p) => attempt("list directory", p, async () => (await fsp.readdir(p)).sort()),
    stat,
    remove: (p, options = {}) =>
      attempt("remove", p, () => fsp.rm(p, { recursive: options.recursive ?? false })),
    rename: (from, to) =>
      attempt("rename", `${from} to ${to}`, async () => {
        await fsp.rename(from, to);
        await syncDirectory(path.dirname(to));
      }),
  };
}
