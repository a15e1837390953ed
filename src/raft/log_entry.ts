/**
 * The Raft log entry and the interface every log store implements (on disk and in memory).
 *
 * @module
 */

/** Well-known entry types; the store persists any integer 0..255 without interpreting it. */
export const LogEntryType = {
  /** A command for the state machine (catalog, KV, federation state, ...). */
  Command: 0,
  /** An empty entry a new leader appends to commit entries from earlier terms. */
  Noop: 1,
  /** A cluster membership change. */
  Configuration: 2,
  /** A barrier: applied only after everything before it. */
  Barrier: 3,
} as const;

/** The largest entry type the record format can hold (one byte). */
export const MAX_LOG_ENTRY_TYPE = 255;

/** One entry of the replicated log. `index` starts at 1 and increases by one per entry. */
export interface LogEntry {
  readonly index: number;
  readonly term: number;
  /** An integer 0..255; see {@linkcode LogEntryType}. */
  readonly type: number;
  /** Opaque payload. Stores may return views of their own buffers: do not mutate. */
  readonly data: Uint8Array;
}

/** Limits for {@linkcode LogStore.getRange}. */
export interface GetRangeOptions {
  /**
   * Stop before the total `data` size exceeds this many bytes. The first entry is always
   * returned, so a single oversized entry can still be replicated.
   */
  readonly maxBytes?: number;
}

/**
 * Durable (or, for dev mode, in-memory) storage for a Raft log.
 *
 * Indexes are contiguous: the log holds every index from `firstIndex()` to `lastIndex()`. An
 * empty log reports `0` for both and accepts any first index, so a log can start right after
 * an installed snapshot. Mutating calls are serialized by the store.
 */
export interface LogStore {
  /** Index of the oldest entry held, or `0` when the log is empty. */
  firstIndex(): number;
  /** Index of the newest entry held, or `0` when the log is empty. */
  lastIndex(): number;
  /** Term of the entry at `index`, or `undefined` when the log does not hold it. */
  term(index: number): number | undefined;
  /** The entry at `index`, or `undefined` when the log does not hold it. */
  get(index: number): Promise<LogEntry | undefined>;
  /**
   * Entries `lo..hi` inclusive, oldest first, cut short by `options.maxBytes`.
   *
   * @throws {StorageError} `out_of_range` when `lo..hi` is not inside the log.
   */
  getRange(lo: number, hi: number, options?: GetRangeOptions): Promise<LogEntry[]>;
  /**
   * Appends entries and makes them durable before resolving (one fsync per call, so callers
   * should batch). The first entry must be `lastIndex() + 1` unless the log is empty.
   *
   * @throws {StorageError} for non-contiguous indexes, a term lower than the previous entry's,
   *   an invalid type, or an entry or batch over the size limits.
   */
  append(entries: readonly LogEntry[]): Promise<void>;
  /** Removes `fromIndex` and every later entry, durably (Raft log conflict). */
  truncateSuffix(fromIndex: number): Promise<void>;
  /**
   * Allows entries up to `upToIndex` to be dropped after a snapshot covers them. Stores may
   * keep some of them (the disk store drops whole segments only); entries after `upToIndex`
   * are always kept.
   */
  compactPrefix(upToIndex: number): Promise<void>;
  /** Releases files. Later calls fail with `closed`. Idempotent. */
  close(): Promise<void>;
}
