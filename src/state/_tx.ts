/**
 * The write transaction every command runs in: an undo journal so a failed command leaves the
 * store untouched, plus the set of watch keys the command changed (notified only on commit).
 *
 * @module
 */

import { assert } from "./_assert.ts";

/** Most undo records one command may produce; far above any real command, so a bug if hit. */
export const MAX_UNDO_RECORDS_PER_COMMAND = 10_000_000;

/** Shared by every table of one store; holds the open transaction, if any. */
export class TxContext {
  #undo: (() => void)[] = [];
  #touched = new Set<string>();
  #index = 0;
  #nowMs: number | null = null;
  #active = false;

  /** True while a command is being applied. */
  get active(): boolean {
    return this.#active;
  }

  /** Raft index of the command being applied. */
  get index(): number {
    assert(this.#active, "no transaction is open");
    return this.#index;
  }

  /** Leader time stamped on the command, or null when the command carries none. */
  get nowMs(): number | null {
    assert(this.#active, "no transaction is open");
    return this.#nowMs;
  }

  /** Opens a transaction for the command at `index`. */
  begin(index: number, nowMs: number | null): void {
    assert(!this.#active, "transactions do not nest");
    this.#active = true;
    this.#index = index;
    this.#nowMs = nowMs;
  }

  /** Records how to undo one change. */
  record(undo: () => void): void {
    assert(this.#active, "writes happen only inside a transaction");
    assert(this.#undo.length < MAX_UNDO_RECORDS_PER_COMMAND, "undo journal overflow");
    this.#undo.push(undo);
  }

  /** Marks an encoded watch key as changed by this transaction. */
  touch(key: string): void {
    assert(this.#active, "writes happen only inside a transaction");
    this.#touched.add(key);
  }

  /** Keeps every change; returns the watch keys to notify. */
  commit(): Set<string> {
    const touched = this.#touched;
    this.#reset();
    return touched;
  }

  /** Undoes every change of the open transaction, newest first. */
  rollback(): void {
    for (let i = this.#undo.length - 1; i >= 0; i--) this.#undo[i]();
    this.#reset();
  }

  #reset(): void {
    this.#undo = [];
    this.#touched = new Set();
    this.#active = false;
    this.#nowMs = null;
  }
}
