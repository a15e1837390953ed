/** Shared fixtures for the Raft storage tests: temp directories on the real disk, entries. */
import { tmpdir } from "node:os";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { FileSystem } from "../../src/runtime/ports.ts";
import type { LogEntry } from "../../src/raft/mod.ts";

/** The real file system of the running runtime. */
export async function realFs(): Promise<FileSystem> {
  return (await currentRuntime()).fs;
}

/** Creates a fresh directory under the OS temp dir; `cleanup` removes it. */
export async function tempDir(
  label: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const runtime = await currentRuntime();
  const suffix = Array.from(runtime.random.bytes(6), (b) => b.toString(16).padStart(2, "0"));
  const dir = `${tmpdir()}/consulate-${label}-${suffix.join("")}`;
  await runtime.fs.mkdir(dir, { recursive: true });
  return { dir, cleanup: () => runtime.fs.remove(dir, { recursive: true }) };
}

/** Deterministic payload for `index`, so reads can be checked byte for byte. */
export function payload(index: number, size = 24): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (index * 31 + i * 7) & 0xff;
  return bytes;
}

/** An entry whose data is `payload(index, size)`. */
export function entry(index: number, term = 1, size = 24): LogEntry {
  return { index, term, type: 0, data: payload(index, size) };
}

/** Entries `from..to` inclusive. */
export function entries(from: number, to: number, term = 1, size = 24): LogEntry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term, size));
}

/** The sorted segment file names in `dir`. */
export async function segmentNames(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readDir(dir)).filter((name) => name.endsWith(".wal"));
}
