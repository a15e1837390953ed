/**
 * Durable storage for Raft: the replicated log, the small stable state (`currentTerm`,
 * `votedFor`) and snapshots, all on the {@linkcode FileSystem} port so they run unchanged on
 * Deno, Bun and a simulated disk.
 *
 * - {@linkcode openLogStore}: a segmented write-ahead log. One fsync per `append` call (batch
 *   to group-commit), torn final appends repaired on open, any other damage refused with the
 *   file and byte offset.
 * - {@linkcode createMemoryLogStore}: the same contract in memory, for `-dev` and simulations.
 * - {@linkcode openStableStore}: durable scalars, one atomic JSON file.
 * - {@linkcode openSnapshotStore}: checksummed snapshot files, newest two kept, falling back
 *   to the older one when the newest is damaged.
 *
 * What this module is not: there is no consensus logic here yet (no elections, replication or
 * commit tracking), no network transport, and no knowledge of what the entries mean; the
 * state store decodes commands. Callers decide when to snapshot and compact.
 *
 * @example
 * ```ts
 * import { openLogStore } from "./mod.ts";
 * const log = await openLogStore(runtime.fs, `${dataDir}/raft/log`);
 * if (log.recovery.tornTail) logger.warn("repaired torn log tail", log.recovery.tornTail);
 * await log.append([{ index: log.lastIndex() + 1, term: 1, type: 0, data: command }]);
 * ```
 *
 * @module
 */
export type { GetRangeOptions, LogEntry, LogStore } from "./log_entry.ts";
export { LogEntryType, MAX_LOG_ENTRY_TYPE } from "./log_entry.ts";
export { CorruptionError, StorageError, type StorageErrorCode } from "./errors.ts";
export {
  DEFAULT_SEGMENT_ROLL_BYTES,
  type DiskLogStore,
  type LogRecoverySummary,
  type LogStoreOptions,
  MAX_APPEND_BATCH_BYTES,
  openLogStore,
  type TornTailRepair,
} from "./log_store.ts";
export { MAX_RECORD_DATA_BYTES } from "./_wal_record.ts";
export { MAX_READ_RANGE_BYTES } from "./_log_common.ts";
export { createMemoryLogStore, MAX_MEMORY_LOG_ENTRIES } from "./memory_log_store.ts";
export {
  createMemoryStableStore,
  MAX_STABLE_STORE_BYTES,
  openStableStore,
  type StableStore,
  type StableValue,
} from "./stable_store.ts";
export {
  type LatestSnapshot,
  MAX_SNAPSHOT_BYTES,
  openSnapshotStore,
  type SkippedSnapshot,
  type Snapshot,
  type SnapshotMeta,
  SNAPSHOTS_RETAINED,
  type SnapshotStore,
} from "./snapshot_store.ts";
