/**
 * Pruning of stale federation states (Consul's `federationStatePruning`), run by the primary's
 * leader: once an hour, delete the state of every datacenter the WAN no longer knows (no WAN
 * member of it), so its gateways stop being handed out. Replication then removes it from the
 * secondaries.
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import type { StateStore } from "../state/mod.ts";
import { DISCARD_FEDERATION_LOG, errorText, sleepUnlessAborted } from "./_retry.ts";
import type { ApplyLocalFn, FederationLog, LeaderLoop } from "./types.ts";

/** Time between prunes (Consul's `federationStatePruneInterval`, one hour). */
export const FEDERATION_STATE_PRUNE_INTERVAL_MS = 60 * 60_000;

/** What the pruner is given. */
export interface PruningOptions {
  /** The primary's store. */
  readonly store: StateStore;
  readonly clock: Clock;
  /** Commits to the primary's log. */
  readonly apply: ApplyLocalFn;
  /** True while the WAN (the DC router) knows a member of `datacenter`. */
  readonly hasDatacenter: (datacenter: string) => boolean;
  /** Default {@linkcode FEDERATION_STATE_PRUNE_INTERVAL_MS}. */
  readonly intervalMs?: number;
  readonly log?: FederationLog;
}

/** The primary leader's pruning loop. */
export class FederationStatePruner implements LeaderLoop {
  readonly #options: PruningOptions;
  readonly #log: FederationLog;

  /** Prepares the loop; {@linkcode run} starts it. */
  constructor(options: PruningOptions) {
    this.#options = options;
    this.#log = options.log ?? DISCARD_FEDERATION_LOG;
  }

  /**
   * Deletes the state of every datacenter `hasDatacenter` denies; returns their names.
   *
   * @throws {Error} when a delete is refused; states pruned before it stay pruned.
   */
  async pruneOnce(): Promise<string[]> {
    const pruned: string[] = [];
    for (const state of this.#options.store.federationStates.list().value) {
      const datacenter = state.Datacenter;
      if (this.#options.hasDatacenter(datacenter)) continue;
      this.#log("info", "pruning stale federation state", { datacenter });
      const result = await this.#options.apply({ type: "federationState.delete", datacenter });
      if (!result.ok) {
        throw new Error(
          `Failed to delete federation state ${datacenter}: ${result.error.message}`,
        );
      }
      pruned.push(datacenter);
    }
    return pruned;
  }

  /** Prunes every interval (the first after one interval) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = this.#options.intervalMs ?? FEDERATION_STATE_PRUNE_INTERVAL_MS;
    while (await sleepUnlessAborted(this.#options.clock, intervalMs, signal)) {
      try {
        await this.pruneOnce();
      } catch (error) {
        this.#log("error", "error pruning stale federation states", { error: errorText(error) });
      }
    }
  }
}
