/**
 * The log store interface held in memory: for `-dev` agents and deterministic simulations,
 * where nothing must survive a restart.
 *
 * @module
 */
import { StorageError } from "./errors.ts";
import type { GetRangeOptions, LogEntry, LogStore } from "./log_entry.ts";
import { checkAppend, checkRange, rangeByteLimit, settle } from "./_log_common.ts";

/** Ceiling on the entries a memory log holds; compact after snapshots to stay below it. */
export const MAX_MEMORY_LOG_ENTRIES = 1_000_000;

/**
 * Creates an empty in-memory log with the same contract as the disk store. Unlike the disk
 * store, `compactPrefix` drops exactly the entries it is allowed to.
 *
 * @example
 * ```ts
 * const log = createMemoryLogStore();
 * await log.append([{ index: 1, term: 1, type: 0, data: new Uint8Array() }]);
 * ```
 */
export function createMemoryLogStore(): LogStore {
  return new MemoryLogStore();
}

class MemoryLogStore implements LogStore {
  /** `#entries[i]` has index `#firstIndex + i`. */
  #entries: LogEntry[] = [];
  #firstIndex = 0;
  #closed = false;

  firstIndex(): number {
    return this.#entries.length === 0 ? 0 : this.#firstIndex;
  }

  lastIndex(): number {
    return this.#entries.length === 0 ? 0 : this.#firstIndex + this.#entries.length - 1;
  }

  term(index: number): number | undefined {
    return this.#at(index)?.term;
  }

  get(index: number): Promise<LogEntry | undefined> {
    return settle(() => {
      this.#checkOpen();
      return this.#at(index);
    });
  }

  getRange(lo: number, hi: number, options: GetRangeOptions = {}): Promise<LogEntry[]> {
    return settle(() => this.#range(lo, hi, options));
  }

  #range(lo: number, hi: number, options: GetRangeOptions): LogEntry[] {
    this.#checkOpen();
    checkRange(lo, hi, { firstIndex: this.firstIndex(), lastIndex: this.lastIndex() });
    const maxBytes = rangeByteLimit(options);
    const result: LogEntry[] = [];
    let bytes = 0;
    for (let index = lo; index <= hi; index++) {
      const entry = this.#at(index)!;
      if (result.length > 0 && bytes + entry.data.length > maxBytes) break;
      bytes += entry.data.length;
      result.push(entry);
    }
    return result;
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    return settle(() => this.#append(entries));
  }

  #append(entries: readonly LogEntry[]): void {
    this.#checkOpen();
    if (entries.length === 0) return;
    checkAppend(entries, {
      lastIndex: this.lastIndex(),
      lastTerm: this.term(this.lastIndex()) ?? 0,
    });
    if (this.#entries.length + entries.length > MAX_MEMORY_LOG_ENTRIES) {
      throw new StorageError(
        "too_large",
        `The memory log would hold more than ${MAX_MEMORY_LOG_ENTRIES} entries; ` +
          "compact it after taking a snapshot.",
      );
    }
    if (this.#entries.length === 0) this.#firstIndex = entries[0].index;
    // Copies, so the caller may reuse its buffers, as with the disk store.
    for (const entry of entries) this.#entries.push({ ...entry, data: entry.data.slice() });
  }

  truncateSuffix(fromIndex: number): Promise<void> {
    return settle(() => this.#truncateSuffix(fromIndex));
  }

  #truncateSuffix(fromIndex: number): void {
    this.#checkOpen();
    if (!Number.isSafeInteger(fromIndex) || fromIndex < 1) {
      throw new StorageError("invalid_entry", `Cannot truncate from index ${fromIndex}.`);
    }
    if (this.#entries.length > 0) {
      const keep = Math.max(0, fromIndex - this.#firstIndex);
      this.#entries.length = Math.min(this.#entries.length, keep);
    }
  }

  compactPrefix(upToIndex: number): Promise<void> {
    return settle(() => {
      this.#checkOpen();
      const drop = Math.min(this.#entries.length, upToIndex - this.#firstIndex + 1);
      if (this.#entries.length > 0 && drop > 0) {
        this.#entries = this.#entries.slice(drop);
        this.#firstIndex += drop;
      }
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #at(index: number): LogEntry | undefined {
    if (this.#entries.length === 0 || index < this.#firstIndex) return undefined;
    return this.#entries[index - this.#firstIndex];
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError("closed", "The memory log store is closed.");
  }
}
