/**
 * The write path of a server until Raft replication lands: every command is appended to the
 * durable log (fsync) before the FSM applies it and the caller hears the result, so a crash
 * or restart loses no acknowledged write. Periodic snapshots bound the log.
 *
 * The log entries are exactly Raft log entries (index, term, type `Command`, encoded command):
 * the Raft core will take over this log and the same snapshots unchanged.
 *
 * What this is not: consensus. It serves one server (`bootstrap` / `-dev`).
 *
 * @module
 */
import {
  createMemoryLogStore,
  LogEntryType,
  type LogStore,
  openLogStore,
  openSnapshotStore,
  type SnapshotStore,
} from "../raft/mod.ts";
import type { FileSystem } from "../runtime/ports.ts";
import {
  applyCommand,
  type ApplyResult,
  type Command,
  decodeCommand,
  encodeCommand,
  restoreStore,
  StateStore,
} from "../state/mod.ts";
import type { Logger } from "./logger.ts";

/** Applied entries between snapshots (Consul's raft `snapshot_threshold` is 16384). */
export const SNAPSHOT_EVERY_ENTRIES = 16_384;
/** Commands written by one fsync at most (group commit). */
export const MAX_COMMANDS_PER_BATCH = 256;
/** Commands waiting for the log at most; more are refused rather than queued without bound. */
export const MAX_PENDING_COMMANDS = 65_536;
/** Until elections exist, every entry is written in term 1. */
const SINGLE_SERVER_TERM = 1;

/** Where the durable state lives, or `null` for memory only (`-dev`). */
export interface DurableStateOptions {
  readonly fs: FileSystem;
  readonly dataDir: string | null;
  readonly logger: Logger;
  /** Applied entries between snapshots; default {@linkcode SNAPSHOT_EVERY_ENTRIES}. */
  readonly snapshotEveryEntries?: number;
}

interface Pending {
  readonly command: Command;
  readonly data: Uint8Array;
  resolve(result: ApplyResult<unknown>): void;
  reject(error: unknown): void;
}

/** The state store behind a durable command log. */
export class DurableState {
  /** The live state; read it freely, change it only through {@linkcode apply}. */
  readonly store: StateStore;
  readonly #log: LogStore;
  readonly #snapshots: SnapshotStore | null;
  readonly #logger: Logger;
  readonly #snapshotEvery: number;
  readonly #queue: Pending[] = [];
  /** True while a drain loop runs; cleared by the loop itself in the tick it sees no work. */
  #writing = false;
  #draining: Promise<void> = Promise.resolve();
  #closed = false;
  #lastSnapshotIndex: number;
  #previousSnapshotIndex = 0;

  private constructor(
    store: StateStore,
    log: LogStore,
    snapshots: SnapshotStore | null,
    options: DurableStateOptions,
    lastSnapshotIndex: number,
  ) {
    this.store = store;
    this.#log = log;
    this.#snapshots = snapshots;
    this.#logger = options.logger;
    this.#snapshotEvery = options.snapshotEveryEntries ?? SNAPSHOT_EVERY_ENTRIES;
    this.#lastSnapshotIndex = lastSnapshotIndex;
  }

  /**
   * Opens the state: the newest snapshot that verifies, then every later log entry replayed.
   *
   * @throws {CorruptionError} when the log is damaged anywhere but a torn final append.
   */
  static async open(options: DurableStateOptions): Promise<DurableState> {
    if (options.dataDir === null) {
      return new DurableState(new StateStore(), createMemoryLogStore(), null, options, 0);
    }
    const raftDir = `${options.dataDir}/raft`;
    await options.fs.mkdir(raftDir, { recursive: true, mode: 0o700 });
    const snapshots = await openSnapshotStore(options.fs, `${raftDir}/snapshots`);
    const log = await openLogStore(options.fs, `${raftDir}/log`);
    if (log.recovery.tornTail) {
      options.logger.warn("repaired a torn final log append (it was never acknowledged)", {
        file: log.recovery.tornTail.path,
        offset: log.recovery.tornTail.offset,
        discarded_bytes: log.recovery.tornTail.discardedBytes,
      });
    }
    const latest = await snapshots.latest();
    for (const skipped of latest?.skipped ?? []) {
      options.logger.warn("skipped a damaged snapshot", {
        path: skipped.path,
        reason: skipped.reason,
      });
    }
    const store = latest ? restoreStore(latest.data) : new StateStore();
    const snapshotIndex = latest?.index ?? 0;
    const replayed = await replay(store, log, snapshotIndex);
    options.logger.info("state restored", {
      snapshot_index: snapshotIndex,
      replayed_entries: replayed,
      applied_index: store.appliedIndex,
    });
    return new DurableState(store, log, snapshots, options, snapshotIndex);
  }

  /** Index of the last applied command. */
  get appliedIndex(): number {
    return this.store.appliedIndex;
  }

  /**
   * Makes `command` durable, applies it, and resolves with the FSM's result. Commands are
   * applied in call order; concurrent calls share one fsync.
   *
   * @throws {Error} when the state is closed or too many commands are waiting.
   */
  apply<T = unknown>(command: Command): Promise<ApplyResult<T>> {
    if (this.#closed) return Promise.reject(new Error("The server is shutting down"));
    if (this.#queue.length >= MAX_PENDING_COMMANDS) {
      return Promise.reject(new Error("Too many writes waiting for the log; retry later"));
    }
    const data = encodeCommand(command);
    return new Promise<ApplyResult<T>>((resolve, reject) => {
      this.#queue.push({ command, data, resolve: resolve as Pending["resolve"], reject });
      if (!this.#writing) {
        this.#writing = true;
        this.#draining = this.#drainAll();
      }
    });
  }

  /** Writes a snapshot of the current state now and compacts the log behind the older one. */
  async snapshot(): Promise<void> {
    if (!this.#snapshots) return;
    const index = this.store.appliedIndex;
    if (index === 0 || index === this.#lastSnapshotIndex) return;
    await this.#snapshots.createSnapshot(index, SINGLE_SERVER_TERM, this.store.snapshot());
    // Keep the log joined to the older retained snapshot too, in case the newest is damaged.
    await this.#log.compactPrefix(this.#lastSnapshotIndex);
    this.#previousSnapshotIndex = this.#lastSnapshotIndex;
    this.#lastSnapshotIndex = index;
    this.#logger.debug("snapshot written", {
      index,
      compacted_through: this.#previousSnapshotIndex,
    });
  }

  /** Finishes queued writes, writes a final snapshot and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.snapshot();
    await this.#log.close();
  }

  /** Writes batches until the queue is empty; clears `#writing` in the same tick it stops. */
  async #drainAll(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await this.#writeBatch(this.#queue.splice(0, MAX_COMMANDS_PER_BATCH));
      }
    } finally {
      this.#writing = false;
    }
  }

  async #writeBatch(batch: Pending[]): Promise<void> {
    const first = this.#log.lastIndex() + 1;
    const entries = batch.map((pending, offset) => ({
      index: Math.max(first, this.store.appliedIndex + 1) + offset,
      term: SINGLE_SERVER_TERM,
      type: LogEntryType.Command,
      data: pending.data,
    }));
    try {
      await this.#log.append(entries);
    } catch (error) {
      this.#logger.error("could not write to the log; writes refused", { error: String(error) });
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, offset) => {
      pending.resolve(applyCommand(this.store, entries[offset].index, pending.command));
    });
    if (this.store.appliedIndex - this.#lastSnapshotIndex >= this.#snapshotEvery) {
      await this.snapshot().catch((error) =>
        this.#logger.error("snapshot failed; the log keeps growing", { error: String(error) })
      );
    }
  }
}

async function replay(store: StateStore, log: LogStore, fromIndex: number): Promise<number> {
  const first = Math.max(log.firstIndex(), fromIndex + 1);
  const last = log.lastIndex();
  let replayed = 0;
  for (let lo = first; lo <= last && last > 0;) {
    const entries = await log.getRange(lo, last, { maxBytes: 16 * 1024 * 1024 });
    for (const entry of entries) {
      if (entry.type === LogEntryType.Command && entry.index > store.appliedIndex) {
        applyCommand(store, entry.index, decodeCommand(entry.data));
        replayed++;
      }
    }
    lo = entries[entries.length - 1].index + 1;
  }
  return replayed;
}
