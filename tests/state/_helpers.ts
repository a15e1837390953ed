/**
 * Test helpers: a store that applies commands at consecutive indexes.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  applyCommand,
  type ApplyResult,
  type Command,
  type CommandResults,
  encodeBase64,
  StateStore,
} from "../../src/state/mod.ts";

/** A store plus the next index to apply at. */
export class Harness {
  readonly store: StateStore;
  index: number;

  constructor(store = new StateStore()) {
    this.store = store;
    this.index = store.appliedIndex;
  }

  /** Applies at the next index and returns the raw result. */
  apply<C extends Command>(command: C): ApplyResult<CommandResults[C["type"]]> {
    this.index++;
    return applyCommand(this.store, this.index, command);
  }

  /** Applies and asserts success; returns the value. */
  ok<C extends Command>(command: C): CommandResults[C["type"]] {
    const result = this.apply(command);
    if (!result.ok) assert.fail(`command ${command.type} refused: ${result.error.message}`);
    return result.value;
  }

  /** Applies and asserts refusal; returns the error. */
  refused<C extends Command>(command: C): Error & { code: string } {
    const result = this.apply(command);
    assert.equal(result.ok, false, `command ${command.type} should have been refused`);
    return (result as { error: Error & { code: string } }).error;
  }

  /** Registers a node, optionally with a service and checks. */
  register(
    node: string,
    extra: Partial<Extract<Command, { type: "catalog.register" }>> = {},
  ): void {
    this.ok({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: node, Address: "10.0.0.1" },
      ...extra,
    });
  }

  /** Sets a KV key to a UTF-8 value. */
  put(key: string, value: string, nowMs = 0): boolean {
    return this.ok({ type: "kv.set", nowMs, op: "set", entry: { Key: key, Value: b64(value) } });
  }
}

/** UTF-8 text as base64. */
export function b64(text: string): string {
  return encodeBase64(new TextEncoder().encode(text));
}

/** Bytes as UTF-8 text. */
export function text(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** Nanoseconds in `seconds`. */
export function seconds(value: number): number {
  return value * 1_000_000_000;
}
