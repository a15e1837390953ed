/**
 * Durable Raft snapshots: each one a single checksummed file written atomically, the newest
 * few retained so a damaged newest snapshot can fall back to the one before it.
 *
 * File format (little-endian): `"CNSLSNAP"` | u32 version | u32 CRC-32C of everything after
 * this field | u64 index | u64 term | u64 data length | data.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { crc32c } from "./_crc32c.ts";
import { assert } from "./_assert.ts";
import { CorruptionError, StorageError } from "./errors.ts";
import { joinPath } from "./_wal_layout.ts";

/** How many snapshots are kept; older ones are deleted after each new one is durable. */
export const SNAPSHOTS_RETAINED = 2;
/** Largest snapshot accepted or read: snapshots are held in memory whole. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

const MAGIC = new TextEncoder().encode("CNSLSNAP");
const SNAPSHOT_FORMAT_VERSION = 1;
const HEADER_BYTES = 40;
const CHECKED_FROM = 16;
const SNAPSHOT_NAME = /^snapshot-(\d{20})-(\d{20})\.snap$/;
const TWO_POW_32 = 0x1_0000_0000;

/** The log position a snapshot covers. */
export interface SnapshotMeta {
  /** Index of the last log entry the snapshot includes. */
  readonly index: number;
  /** Term of that entry. */
  readonly term: number;
}

/** A verified snapshot. */
export interface Snapshot extends SnapshotMeta {
  readonly data: Uint8Array;
}

/** A retained snapshot file that failed verification and was passed over. */
export interface SkippedSnapshot {
  readonly path: string;
  readonly reason: string;
}

/** The newest snapshot that verified, and any newer ones that did not (worth a warning). */
export interface LatestSnapshot extends Snapshot {
  readonly path: string;
  readonly skipped: readonly SkippedSnapshot[];
}

/** Snapshot files in one directory. */
export interface SnapshotStore {
  /**
   * Writes a snapshot durably (temporary file, fsync, rename, directory fsync), then deletes
   * all but the newest {@linkcode SNAPSHOTS_RETAINED}.
   *
   * @throws {StorageError} `stale_snapshot` when a newer snapshot exists, `too_large` over
   *   {@linkcode MAX_SNAPSHOT_BYTES}, `invalid_entry` for a bad index or term.
   */
  createSnapshot(index: number, term: number, data: Uint8Array): Promise<SnapshotMeta>;
  /**
   * The newest snapshot that verifies, or `null` when there is none. A fallback snapshot may
   * be older than the log's first entry minus one; callers must check the two still join
   * (compacting the log only up to the older retained snapshot keeps them joined).
   *
   * @throws {CorruptionError} when snapshot files exist but none of them verifies.
   */
  latest(): Promise<LatestSnapshot | null>;
  /** Retained snapshots, newest first, from their file names (not verified). */
  list(): Promise<SnapshotMeta[]>;
}

/**
 * Opens (creating if needed) the snapshot directory `dir`.
 *
 * @example
 * ```ts
 * const snapshots = await openSnapshotStore(runtime.fs, `${dataDir}/raft/snapshots`);
 * await snapshots.createSnapshot(1200, 4, encodedState);
 * const latest = await snapshots.latest();
 * ```
 */
export async function openSnapshotStore(fs: FileSystem, dir: string): Promise<SnapshotStore> {
  await fs.mkdir(dir, { recursive: true });
  return new SnapshotDirectory(fs, dir);
}

class SnapshotDirectory implements SnapshotStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(fs: FileSystem, dir: string) {
    this.#fs = fs;
    this.#dir = dir;
  }

  createSnapshot(index: number, term: number, data: Uint8Array): Promise<SnapshotMeta> {
    const run = this.#queue.then(async () => {
      checkMeta(index, term, data);
      const newest = (await this.list())[0];
      if (newest !== undefined && compareMeta({ index, term }, newest) < 0) {
        throw new StorageError(
          "stale_snapshot",
          `A snapshot at index ${index}, term ${term} is older than the retained snapshot at ` +
            `index ${newest.index}, term ${newest.term}; only newer snapshots can be added.`,
        );
      }
      await this.#fs.writeFileAtomic(
        this.#path({ index, term }),
        encodeSnapshot(index, term, data),
      );
      for (const old of (await this.list()).slice(SNAPSHOTS_RETAINED)) {
        await this.#fs.remove(this.#path(old));
      }
      return { index, term };
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async latest(): Promise<LatestSnapshot | null> {
    const skipped: SkippedSnapshot[] = [];
    for (const meta of await this.list()) {
      const path = this.#path(meta);
      const size = (await this.#fs.stat(path))?.size ?? 0;
      const verdict = size > HEADER_BYTES + MAX_SNAPSHOT_BYTES
        ? `file is ${size} bytes, over the ${MAX_SNAPSHOT_BYTES}-byte limit`
        : decodeSnapshot(await this.#fs.readFile(path), meta);
      if (typeof verdict !== "string") return { ...verdict, path, skipped };
      skipped.push({ path, reason: verdict });
    }
    if (skipped.length === 0) return null;
    const reasons = skipped.map((item) => `${item.path}: ${item.reason}`).join("; ");
    throw new CorruptionError(skipped[0].path, 0, `no retained snapshot verifies (${reasons})`);
  }

  async list(): Promise<SnapshotMeta[]> {
    const metas: SnapshotMeta[] = [];
    for (const name of await this.#fs.readDir(this.#dir)) {
      const match = SNAPSHOT_NAME.exec(name);
      if (match === null) continue;
      const meta = { index: Number(match[1]), term: Number(match[2]) };
      if (Number.isSafeInteger(meta.index) && Number.isSafeInteger(meta.term)) metas.push(meta);
    }
    return metas.sort((a, b) => compareMeta(b, a));
  }

  #path(meta: SnapshotMeta): string {
    const index = String(meta.index).padStart(20, "0");
    const term = String(meta.term).padStart(20, "0");
    return joinPath(this.#dir, `snapshot-${index}-${term}.snap`);
  }
}

function compareMeta(a: SnapshotMeta, b: SnapshotMeta): number {
  return a.index !== b.index ? a.index - b.index : a.term - b.term;
}

function checkMeta(index: number, term: number, data: Uint8Array): void {
  if (!Number.isSafeInteger(index) || index < 1 || !Number.isSafeInteger(term) || term < 0) {
    throw new StorageError(
      "invalid_entry",
      `A snapshot needs an index >= 1 and a term >= 0; got index ${index}, term ${term}.`,
    );
  }
  if (data.length > MAX_SNAPSHOT_BYTES) {
    throw new StorageError(
      "too_large",
      `A snapshot of ${data.length} bytes is over the ${MAX_SNAPSHOT_BYTES}-byte limit.`,
    );
  }
}

function encodeSnapshot(index: number, term: number, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + data.length);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, SNAPSHOT_FORMAT_VERSION, true);
  writeUint64(view, 16, index);
  writeUint64(view, 24, term);
  writeUint64(view, 32, data.length);
  bytes.set(data, HEADER_BYTES);
  view.setUint32(12, crc32c(bytes.subarray(CHECKED_FROM)), true);
  return bytes;
}

/** The verified snapshot, or why `bytes` is not the snapshot `expected` names. */
function decodeSnapshot(bytes: Uint8Array, expected: SnapshotMeta): Snapshot | string {
  if (bytes.length < HEADER_BYTES) return `only ${bytes.length} bytes, shorter than the header`;
  if (!MAGIC.every((byte, i) => bytes[i] === byte)) return "not a Consulate snapshot file";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) return `unsupported format version ${version}`;
  if (crc32c(bytes.subarray(CHECKED_FROM)) !== view.getUint32(12, true)) {
    return "checksum mismatch";
  }
  const index = readUint64(view, 16);
  const term = readUint64(view, 24);
  const length = readUint64(view, 32);
  if (length !== bytes.length - HEADER_BYTES) return `declares ${length} data bytes`;
  if (index !== expected.index || term !== expected.term) {
    return `holds index ${index}, term ${term}, unlike its file name`;
  }
  assert(index !== undefined && term !== undefined, "names hold safe integers");
  return { index, term, data: bytes.subarray(HEADER_BYTES) };
}

function writeUint64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_POW_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_POW_32), true);
}

function readUint64(view: DataView, at: number): number | undefined {
  const value = view.getUint32(at + 4, true) * TWO_POW_32 + view.getUint32(at, true);
  return Number.isSafeInteger(value) ? value : undefined;
}
