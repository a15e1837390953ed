/**
 * Test harness: a real state store with direct apply, the endpoints registered on a real RPC
 * registry, a fake clock and a seeded random.
 *
 * @module
 */

import { registerEndpoints } from "../../src/endpoints/mod.ts";
import type { EndpointDeps, SessionTimers } from "../../src/endpoints/mod.ts";
import { RpcRegistry } from "../../src/rpc/endpoints.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import { applyCommand, type Command, StateStore } from "../../src/state/mod.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** Most microtask turns `settle` and `waitFor` give a condition before failing. */
const MAX_MICROTASK_TURNS = 200;

/** Lets pending promise callbacks run (no timers involved). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < MAX_MICROTASK_TURNS; turn++) await Promise.resolve();
}

/** Waits (in microtask turns) until `condition()` holds; fails naming `what` otherwise. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < MAX_MICROTASK_TURNS * 10; turn++) {
    if (condition()) return;
    await Promise.resolve();
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Records session timer calls. */
export class RecordingTimers implements SessionTimers {
  readonly resets: Array<[string, number]> = [];
  readonly clears: string[] = [];
  reset(id: string, ttlMs: number): void {
    this.resets.push([id, ttlMs]);
  }
  clear(id: string): void {
    this.clears.push(id);
  }
}

/** One server's endpoints over a fresh store. */
export class Server {
  readonly store = new StateStore();
  readonly clock = new FakeClock();
  readonly random = createSeededRandom(42);
  readonly registry = new RpcRegistry();
  readonly timers = new RecordingTimers();
  readonly applied: Command[] = [];
  #index = 0;
  #seq = 0;

  constructor(extra: Partial<EndpointDeps> = {}) {
    registerEndpoints(this.registry, {
      store: this.store,
      clock: this.clock,
      random: this.random,
      datacenter: "dc1",
      nodeName: "s1",
      serverAddr: "10.0.0.1:8300",
      knownLeader: () => true,
      sessionTimers: this.timers,
      apply: (command) => {
        this.applied.push(command);
        return Promise.resolve(applyCommand(this.store, ++this.#index, command));
      },
      ...extra,
    });
  }

  /** Applies a command directly, as the server's log would. */
  apply(command: Command): Promise<unknown> {
    return Promise.resolve(applyCommand(this.store, ++this.#index, command));
  }

  /** Calls `method` through the registry, as an RPC would. */
  call<T = any>(method: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.registry.dispatch({ method, seq: ++this.#seq, body }, {
      method,
      signal: signal ?? new AbortController().signal,
      remoteAddr: { hostname: "127.0.0.1", port: 50000 },
    }) as Promise<T>;
  }

  /** Registers a node (and optionally a service with checks) through Catalog.Register. */
  register(node: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    return this.call("Catalog.Register", { Node: node, Address: "10.1.0.1", ...extra });
  }

  /** Sets a KV key through KVS.Apply. */
  put(key: string, value: string): Promise<boolean> {
    return this.call("KVS.Apply", {
      Op: "set",
      DirEnt: { Key: key, Value: new TextEncoder().encode(value) },
    });
  }
}

/** Tracks whether a promise settled, for asserting that a blocking query is still waiting. */
export function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const tracked = promise.finally(() => done = true);
  tracked.catch(() => {});
  return { settled: () => done, promise: tracked };
}

/** UTF-8 text of bytes. */
export function text(bytes: Uint8Array | null | undefined): string | null {
  return bytes == null ? null : new TextDecoder().decode(bytes);
}
