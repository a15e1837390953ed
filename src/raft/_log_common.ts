/**
 * Pieces both log stores share: argument checks with their errors, and the cache of the
 * newest entries (the ones Raft reads most: replication and apply).
 *
 * @module
 */
import { StorageError } from "./errors.ts";
import type { GetRangeOptions, LogEntry } from "./log_entry.ts";
import { validateEntry } from "./_wal_record.ts";

/** Ceiling on the `data` bytes one `getRange` call returns, whatever `maxBytes` says. */
export const MAX_READ_RANGE_BYTES = 64 * 1024 * 1024;
/** How many of the newest entries the disk store keeps decoded in memory. */
export const TAIL_CACHE_MAX_ENTRIES = 4096;
/** Ceiling on the `data` bytes held by the tail cache. */
export const TAIL_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Checks a batch: valid fields, indexes contiguous with the log and each other, terms never
 * decreasing.
 *
 * @throws {StorageError} `invalid_entry`, `too_large`, `non_contiguous` or `term_regression`.
 */
export function checkAppend(
  entries: readonly LogEntry[],
  log: { lastIndex: number; lastTerm: number },
): void {
  const { lastIndex, lastTerm } = log;
  let expected = lastIndex === 0 ? entries[0].index : lastIndex + 1;
  let previousTerm = lastTerm;
  for (const entry of entries) {
    validateEntry(entry);
    if (entry.index !== expected) {
      throw new StorageError(
        "non_contiguous",
        `Entry ${entry.index} cannot be appended: the next index must be ${expected}. ` +
          "Truncate the conflicting suffix first.",
      );
    }
    if (entry.term < previousTerm) {
      throw new StorageError(
        "term_regression",
        `Entry ${entry.index} has term ${entry.term}, lower than the term ${previousTerm} of ` +
          "the entry before it; Raft terms never decrease along the log.",
      );
    }
    previousTerm = entry.term;
    expected++;
  }
}

/**
 * Checks that `lo..hi` lies inside the log.
 *
 * @throws {StorageError} `out_of_range`.
 */
export function checkRange(
  lo: number,
  hi: number,
  log: { firstIndex: number; lastIndex: number },
): void {
  const { firstIndex, lastIndex } = log;
  const valid = Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && lo <= hi;
  if (!valid || firstIndex === 0 || lo < firstIndex || hi > lastIndex) {
    const held = firstIndex === 0
      ? "the log is empty"
      : `the log holds ${firstIndex}..${lastIndex}`;
    throw new StorageError("out_of_range", `Entries ${lo}..${hi} are not available: ${held}.`);
  }
}

/** The byte limit a range read applies. */
export function rangeByteLimit(options: GetRangeOptions): number {
  return Math.min(options.maxBytes ?? MAX_READ_RANGE_BYTES, MAX_READ_RANGE_BYTES);
}

/** The newest entries, contiguous and ending at the log's last index. */
export class TailCache {
  /** Most entries held. */
  readonly maxEntries: number;
  readonly #maxBytes: number;
  /** Live entries are `#entries[#head..]`; the dead prefix is dropped in bulk. */
  #entries: LogEntry[] = [];
  #head = 0;
  #bytes = 0;

  /** Creates an empty cache bounded by entry count and data bytes. */
  constructor(maxEntries = TAIL_CACHE_MAX_ENTRIES, maxBytes = TAIL_CACHE_MAX_BYTES) {
    this.maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** Adds the entry after the newest one held (or starts over if it does not follow). */
  push(entry: LogEntry): void {
    const last = this.#entries.at(-1);
    if (last !== undefined && last.index + 1 !== entry.index) this.clear();
    this.#entries.push(entry);
    this.#bytes += entry.data.length;
    while (
      this.#entries.length - this.#head > 1 &&
      (this.#entries.length - this.#head > this.maxEntries || this.#bytes > this.#maxBytes)
    ) {
      this.#bytes -= this.#entries[this.#head].data.length;
      this.#head++;
    }
    this.#compact();
  }

  /** The entry at `index` when cached. */
  get(index: number): LogEntry | undefined {
    const first = this.#entries[this.#head];
    if (first === undefined || index < first.index) return undefined;
    return this.#entries[this.#head + index - first.index];
  }

  /** Cached entries from `lo` up to `hi`, stopping at `maxBytes` after the first. */
  range(lo: number, hi: number, maxBytes: number): LogEntry[] {
    const result: LogEntry[] = [];
    let bytes = 0;
    for (let index = lo; index <= hi; index++) {
      const entry = this.get(index);
      if (entry === undefined) break;
      if (result.length > 0 && bytes + entry.data.length > maxBytes) break;
      bytes += entry.data.length;
      result.push(entry);
    }
    return result;
  }

  /** Forgets `index` and everything after it. */
  dropFrom(index: number): void {
    const first = this.#entries[this.#head];
    if (first === undefined) return;
    const keep = this.#head + Math.max(0, index - first.index);
    for (let i = keep; i < this.#entries.length; i++) this.#bytes -= this.#entries[i].data.length;
    this.#entries.length = Math.min(this.#entries.length, keep);
    this.#compact();
  }

  /** Forgets everything before `index`. */
  dropBefore(index: number): void {
    const first = this.#entries[this.#head];
    if (first === undefined || index <= first.index) return;
    const end = Math.min(this.#entries.length, this.#head + index - first.index);
    for (let i = this.#head; i < end; i++) this.#bytes -= this.#entries[i].data.length;
    this.#head = end;
    this.#compact();
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
  }

  /** Drops the dead prefix once it is as long as the live part: amortized O(1) per push. */
  #compact(): void {
    if (this.#head === this.#entries.length) {
      this.clear();
    } else if (this.#head > 0 && this.#head >= this.#entries.length - this.#head) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Runs `fn` and turns a synchronous throw into a rejection, so every store call rejects alike. */
export function settle<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
