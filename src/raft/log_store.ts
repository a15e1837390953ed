/**
 * A segmented write-ahead log on the FileSystem port: the durable Raft log.
 *
 * Entries are appended to the newest segment file as checksummed records, one write and one
 * fsync per `append` call. A new segment starts once the newest passes `segmentRollBytes`;
 * compaction deletes whole old segments. Opening the store verifies every record: a torn final
 * append is cut off (and reported), any other damage refuses to open with the file and offset.
 *
 * @module
 */
import { assert } from "./_assert.ts";
import type { AppendFile, FileSystem } from "../runtime/ports.ts";
import { CorruptionError, StorageError } from "./errors.ts";
import type { GetRangeOptions, LogEntry, LogStore } from "./log_entry.ts";
import { decodeRecord, encodeRecords, recordBytes } from "./_wal_record.ts";
import {
  checkWalMeta,
  joinPath,
  type Segment,
  segmentFileName,
  segmentLastIndex,
  writeWalMeta,
} from "./_wal_layout.ts";
import { type LogRecoverySummary, recoverLog } from "./_wal_recovery.ts";
import { checkAppend, checkRange, rangeByteLimit, settle, TailCache } from "./_log_common.ts";

export type { LogRecoverySummary, TornTailRepair } from "./_wal_recovery.ts";

/** Default size at which the newest segment is sealed and a new one started. */
export const DEFAULT_SEGMENT_ROLL_BYTES = 64 * 1024 * 1024;
/** Largest encoded size of one `append` call; a batch is written to one segment whole. */
export const MAX_APPEND_BATCH_BYTES = 64 * 1024 * 1024;

/** Tuning for {@linkcode openLogStore}. */
export interface LogStoreOptions {
  /** Seal the newest segment once it holds at least this many bytes. */
  readonly segmentRollBytes?: number;
}

/** The disk log store, with what opening it found. */
export interface DiskLogStore extends LogStore {
  /** What recovery found when the store was opened (including any repaired torn tail). */
  readonly recovery: LogRecoverySummary;
}

/**
 * Opens (creating if needed) the log in `dir`, verifying every segment.
 *
 * @throws {CorruptionError} when records other than a torn final append are damaged.
 * @throws {StorageError} `bad_format` when `dir` holds another format or version.
 * @example
 * ```ts
 * const log = await openLogStore(runtime.fs, `${dataDir}/raft/log`);
 * await log.append([{ index: log.lastIndex() + 1, term: 1, type: 0, data }]);
 * ```
 */
export async function openLogStore(
  fs: FileSystem,
  dir: string,
  options: LogStoreOptions = {},
): Promise<DiskLogStore> {
  const segmentRollBytes = options.segmentRollBytes ?? DEFAULT_SEGMENT_ROLL_BYTES;
  assert(Number.isSafeInteger(segmentRollBytes) && segmentRollBytes > 0, "segmentRollBytes > 0");
  await fs.mkdir(dir, { recursive: true });
  await checkWalMeta(fs, dir);
  const recovered = await recoverLog(fs, dir);
  const store = new WalLogStore(fs, { dir, segmentRollBytes, ...recovered });
  await store.start(recovered.lastSegmentBytes);
  return store;
}

class WalLogStore implements DiskLogStore {
  readonly recovery: LogRecoverySummary;
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #segmentRollBytes: number;
  readonly #segments: Segment[];
  readonly #tail = new TailCache();
  #active: AppendFile | null = null;
  #readCache: { segment: Segment; bytes: Uint8Array } | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #closed = false;
  #failure: unknown = null;

  constructor(
    fs: FileSystem,
    options: {
      dir: string;
      segmentRollBytes: number;
      segments: Segment[];
      summary: LogRecoverySummary;
    },
  ) {
    this.#fs = fs;
    this.#dir = options.dir;
    this.#segmentRollBytes = options.segmentRollBytes;
    this.#segments = options.segments;
    this.recovery = options.summary;
  }

  /** Opens the newest segment for appending and warms the caches from its bytes. */
  async start(lastSegmentBytes: Uint8Array | null): Promise<void> {
    const last = this.#segments.at(-1);
    if (last === undefined || lastSegmentBytes === null) return;
    this.#active = await this.#fs.openAppend(last.path);
    assert(this.#active.size === last.sizeBytes, "reopened segment size matches recovery");
    this.#readCache = { segment: last, bytes: lastSegmentBytes };
    const from = Math.max(last.baseIndex, segmentLastIndex(last) - this.#tail.maxEntries + 1);
    for (let index = from; index <= segmentLastIndex(last); index++) {
      this.#tail.push(this.#decodeAt(last, lastSegmentBytes, index));
    }
  }

  firstIndex(): number {
    const first = this.#segments[0];
    return first === undefined || first.offsets.length === 0 ? 0 : first.baseIndex;
  }

  lastIndex(): number {
    const last = this.#segments.at(-1);
    if (last === undefined) return 0;
    // An empty newest segment (just rolled) ends where the one before it does.
    if (last.offsets.length === 0 && this.#segments.length === 1) return 0;
    return segmentLastIndex(last);
  }

  term(index: number): number | undefined {
    const segment = this.#findSegment(index);
    return segment?.terms[index - segment.baseIndex];
  }

  get(index: number): Promise<LogEntry | undefined> {
    return settle(() => {
      this.#checkUsable();
      if (this.#findSegment(index) === undefined) return undefined;
      // Recent entries come from memory without waiting behind an fsync in progress.
      return this.#tail.get(index) ?? this.#exclusive(async () => {
        const segment = this.#findSegment(index);
        return segment === undefined ? undefined : await this.#readEntry(segment, index);
      });
    });
  }

  getRange(lo: number, hi: number, options: GetRangeOptions = {}): Promise<LogEntry[]> {
    return settle(() => {
      this.#checkUsable();
      checkRange(lo, hi, { firstIndex: this.firstIndex(), lastIndex: this.lastIndex() });
      const maxBytes = rangeByteLimit(options);
      if (this.#tail.get(lo) !== undefined) return this.#tail.range(lo, hi, maxBytes);
      return this.#readRange(lo, hi, maxBytes);
    });
  }

  #readRange(lo: number, hi: number, maxBytes: number): Promise<LogEntry[]> {
    return this.#exclusive(async () => {
      checkRange(lo, hi, { firstIndex: this.firstIndex(), lastIndex: this.lastIndex() });
      const entries: LogEntry[] = [];
      let bytes = 0;
      for (let index = lo; index <= hi; index++) {
        const entry = this.#tail.get(index) ??
          await this.#readEntry(this.#findSegment(index)!, index);
        if (entries.length > 0 && bytes + entry.data.length > maxBytes) break;
        bytes += entry.data.length;
        entries.push(entry);
      }
      return entries;
    });
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    return this.#mutate(async () => {
      if (entries.length === 0) return;
      checkAppend(entries, {
        lastIndex: this.lastIndex(),
        lastTerm: this.term(this.lastIndex()) ?? 0,
      });
      const batchBytes = entries.reduce((sum, entry) => sum + recordBytes(entry), 0);
      if (batchBytes > MAX_APPEND_BATCH_BYTES) {
        throw new StorageError(
          "too_large",
          `An append of ${entries.length} entries encodes to ${batchBytes} bytes; the limit ` +
            `per call is ${MAX_APPEND_BATCH_BYTES} bytes. Split the batch.`,
        );
      }
      const segment = await this.#segmentFor(entries[0].index);
      const { bytes, offsets, stored } = encodeRecords(entries);
      const file = this.#active!;
      await file.append(bytes);
      await file.sync();
      const base = segment.sizeBytes;
      for (const [i, entry] of stored.entries()) {
        segment.offsets.push(base + offsets[i]);
        segment.terms.push(entry.term);
        this.#tail.push(entry);
      }
      segment.sizeBytes += bytes.length;
    });
  }

  truncateSuffix(fromIndex: number): Promise<void> {
    return this.#mutate(async () => {
      if (!Number.isSafeInteger(fromIndex) || fromIndex < 1) {
        throw new StorageError("invalid_entry", `Cannot truncate from index ${fromIndex}.`);
      }
      if (this.lastIndex() === 0 || fromIndex > this.lastIndex()) return;
      await this.#closeActive();
      this.#readCache = null;
      this.#tail.dropFrom(fromIndex);
      let removed = false;
      // Newest first, so a crash part-way leaves a prefix of the old log, never a hole.
      while (this.#segments.length > 0 && this.#segments.at(-1)!.baseIndex >= fromIndex) {
        await this.#fs.remove(this.#segments.pop()!.path);
        removed = true;
      }
      if (removed) await writeWalMeta(this.#fs, this.#dir);
      const last = this.#segments.at(-1);
      if (last === undefined) return;
      const keep = fromIndex - last.baseIndex;
      if (keep < last.offsets.length) {
        last.sizeBytes = last.offsets[keep];
        last.offsets.length = keep;
        last.terms.length = keep;
        await this.#fs.truncate(last.path, last.sizeBytes);
      }
      this.#active = await this.#fs.openAppend(last.path);
    });
  }

  compactPrefix(upToIndex: number): Promise<void> {
    return this.#mutate(async () => {
      let removed = false;
      // Oldest first, and never the newest segment, so the log stays contiguous.
      while (this.#segments.length > 1 && segmentLastIndex(this.#segments[0]) <= upToIndex) {
        const segment = this.#segments.shift()!;
        if (this.#readCache?.segment === segment) this.#readCache = null;
        await this.#fs.remove(segment.path);
        removed = true;
      }
      if (!removed) return;
      this.#tail.dropBefore(this.firstIndex());
      await writeWalMeta(this.#fs, this.#dir);
    });
  }

  close(): Promise<void> {
    // Calls made before close() finish first; calls made after it fail with `closed`.
    if (this.#closing === null) {
      this.#closing = this.#queue.then(async () => {
        this.#closed = true;
        await this.#closeActive();
      });
      this.#queue = this.#closing.catch(() => {});
    }
    return this.#closing;
  }

  /** Returns the segment `firstIndex` goes to, rolling to a new one when needed. */
  async #segmentFor(firstIndex: number): Promise<Segment> {
    const last = this.#segments.at(-1);
    if (last !== undefined && last.offsets.length === 0) {
      if (last.baseIndex === firstIndex) return last;
      // The log is empty and restarts elsewhere (after a snapshot): rename by recreating.
      await this.#closeActive();
      await this.#fs.remove(last.path);
      this.#segments.pop();
    } else if (last !== undefined && last.sizeBytes < this.#segmentRollBytes) {
      return last;
    }
    await this.#closeActive();
    const path = joinPath(this.#dir, segmentFileName(firstIndex));
    assert(await this.#fs.stat(path) === null, `no stale segment file at ${path}`);
    this.#active = await this.#fs.openAppend(path);
    await writeWalMeta(this.#fs, this.#dir);
    const segment: Segment = { path, baseIndex: firstIndex, offsets: [], terms: [], sizeBytes: 0 };
    this.#segments.push(segment);
    return segment;
  }

  async #readEntry(segment: Segment, index: number): Promise<LogEntry> {
    const offset = segment.offsets[index - segment.baseIndex];
    let cached = this.#readCache;
    if (cached === null || cached.segment !== segment || cached.bytes.length <= offset) {
      cached = { segment, bytes: await this.#fs.readFile(segment.path) };
      this.#readCache = cached;
    }
    return this.#decodeAt(segment, cached.bytes, index);
  }

  #decodeAt(segment: Segment, bytes: Uint8Array, index: number): LogEntry {
    const offset = segment.offsets[index - segment.baseIndex];
    const decoded = decodeRecord(bytes, offset);
    if ("problem" in decoded) {
      throw new CorruptionError(segment.path, offset, `${decoded.problem} (found on read)`);
    }
    if (decoded.entry.index !== index) {
      throw new CorruptionError(
        segment.path,
        offset,
        `expected entry ${index} but found entry ${decoded.entry.index} (found on read)`,
      );
    }
    // A copy lets the whole-segment buffer be collected while callers keep the entry.
    return { ...decoded.entry, data: decoded.entry.data.slice() };
  }

  #findSegment(index: number): Segment | undefined {
    let lo = 0;
    let hi = this.#segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const segment = this.#segments[mid];
      if (index < segment.baseIndex) hi = mid - 1;
      else if (index > segmentLastIndex(segment)) lo = mid + 1;
      else return segment;
    }
    return undefined;
  }

  async #closeActive(): Promise<void> {
    const active = this.#active;
    this.#active = null;
    if (active !== null) await active.close();
  }

  #checkUsable(): void {
    if (this.#closed) {
      throw new StorageError("closed", `The log store in ${this.#dir} is closed.`);
    }
    if (this.#failure !== null) {
      throw new StorageError(
        "failed",
        `The log store in ${this.#dir} stopped after a failed write; restart to recover it ` +
          "from disk.",
        { cause: this.#failure },
      );
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      this.#checkUsable();
      return fn();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Runs a write; after an I/O failure the in-memory index may disagree with disk, so stop. */
  #mutate(fn: () => Promise<void>): Promise<void> {
    return this.#exclusive(async () => {
      try {
        await fn();
      } catch (error) {
        if (error instanceof StorageError) throw error;
        this.#failure = error;
        throw new StorageError(
          "failed",
          `Writing the log in ${this.#dir} failed (${(error as Error).message}); the store ` +
            "accepts no more calls. Restart to recover it from disk.",
          { cause: error },
        );
      }
    });
  }
}
