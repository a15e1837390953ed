/**
 * On-disk layout of a log directory: segment file names and the format marker file.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { StorageError } from "./errors.ts";

/** Name of the file that marks a directory as a Consulate Raft log and says its version. */
export const WAL_META_FILE = "wal.json";
/** The `format` value in {@linkcode WAL_META_FILE}. */
export const WAL_FORMAT = "consulate-raft-log";
/** The record format version this code writes and reads. */
export const WAL_FORMAT_VERSION = 1;

const SEGMENT_NAME = /^segment-(\d{20})\.wal$/;
const INDEX_DIGITS = 20;

/** One segment's in-memory index: where each entry starts and its term. */
export interface Segment {
  readonly path: string;
  /** Index of the first entry this segment holds (or will hold, while empty). */
  readonly baseIndex: number;
  /** Byte offset of entry `baseIndex + i`. */
  readonly offsets: number[];
  /** Term of entry `baseIndex + i`. */
  readonly terms: number[];
  /** Bytes of verified records in the file. */
  sizeBytes: number;
}

/** Index of the last entry in `segment`, or `baseIndex - 1` while it is empty. */
export function segmentLastIndex(segment: Segment): number {
  return segment.baseIndex + segment.offsets.length - 1;
}

/** The file name for the segment whose first entry is `baseIndex`; names sort by index. */
export function segmentFileName(baseIndex: number): string {
  return `segment-${String(baseIndex).padStart(INDEX_DIGITS, "0")}.wal`;
}

/** The base index encoded in a segment file name, or `undefined` for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return undefined;
  const baseIndex = Number(match[1]);
  return Number.isSafeInteger(baseIndex) && baseIndex >= 1 ? baseIndex : undefined;
}

/** Joins a directory and a file name with exactly one slash. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

/**
 * Rewrites the marker file atomically. Besides recording the format, this is how the store
 * makes segment creations and removals durable: the port's atomic write fsyncs the directory,
 * and FileSystem has no separate directory-sync call.
 */
export async function writeWalMeta(fs: FileSystem, dir: string): Promise<void> {
  const meta = { format: WAL_FORMAT, version: WAL_FORMAT_VERSION };
  await fs.writeFileAtomic(joinPath(dir, WAL_META_FILE), `${JSON.stringify(meta)}\n`);
}

/**
 * Checks the marker file, writing it for a new directory.
 *
 * @throws {StorageError} `bad_format` when the directory holds another format or version.
 */
export async function checkWalMeta(fs: FileSystem, dir: string): Promise<void> {
  const path = joinPath(dir, WAL_META_FILE);
  if (await fs.stat(path) === null) {
    await writeWalMeta(fs, dir);
    return;
  }
  let meta: unknown;
  try {
    meta = JSON.parse(await fs.readTextFile(path));
  } catch (error) {
    throw new StorageError(
      "bad_format",
      `Log marker file ${path} is not valid JSON; expected ` +
        `{"format":"${WAL_FORMAT}","version":${WAL_FORMAT_VERSION}}.`,
      { cause: error },
    );
  }
  const { format, version } = (meta ?? {}) as { format?: unknown; version?: unknown };
  if (format !== WAL_FORMAT || version !== WAL_FORMAT_VERSION) {
    throw new StorageError(
      "bad_format",
      `Log directory ${dir} holds format ${JSON.stringify(format)} version ` +
        `${JSON.stringify(version)}; this build reads ${WAL_FORMAT} version ${WAL_FORMAT_VERSION}.`,
    );
  }
}
