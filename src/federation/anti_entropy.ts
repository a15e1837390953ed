/**
 * Federation-state anti-entropy (Consul's `federationStateAntiEntropySync`), run by the leader
 * of every datacenter, the primary included: watch this datacenter's mesh gateways in the local
 * catalog and its own federation state in the local replica, and whenever they differ write a
 * fresh state to the primary. The primary applies it to its own log; secondaries send
 * `FederationState.Apply` to the primary, which replicates the result back to everyone.
 *
 * Every mesh gateway is recorded, whatever its meta and health, as Consul does: consumers (the
 * gateway locator, gateways routing to other datacenters) filter for
 * `consul-wan-federation=1` and health themselves.
 *
 * @module
 */

import {
  type FederationStateRequest,
  type GatewayServiceNode,
  MESH_GATEWAY_KIND,
  toGatewayServiceNode,
} from "../endpoints/federation_state.ts";
import type { Clock } from "../runtime/ports.ts";
import type { FederationStateRow, JsonObject, StateStore, WatchSet } from "../state/mod.ts";
import { DISCARD_FEDERATION_LOG, errorText, retryLoop, sleepUnlessAborted } from "./_retry.ts";
import { isSameFederationState } from "./gateway_nodes.ts";
import type { ApplyLocalFn, CallPrimaryFn, FederationLog, LeaderLoop } from "./types.ts";

/** Shortest time between two syncs (Consul's `FederationStateAntiEntropySyncInterval`). */
export const DEFAULT_ANTI_ENTROPY_SYNC_INTERVAL_MS = 5_000;

/** Sync rounds per second in steady state (Consul's `loopRateLimit`). */
export const ANTI_ENTROPY_ROUNDS_PER_SEC = 0.2;

/** Sync rounds allowed back to back (Consul's `retryBurst`). */
export const ANTI_ENTROPY_ROUND_BURST = 5;

/** What the anti-entropy loop is given. */
export interface AntiEntropyOptions {
  /** This datacenter's state store (catalog and federation-state replica). */
  readonly store: StateStore;
  readonly clock: Clock;
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  /** Commits to the local log; used in the primary. */
  readonly apply: ApplyLocalFn;
  /** Calls the primary; used in secondaries. */
  readonly callPrimary: CallPrimaryFn;
  /** Consul's replication token, sent with writes to the primary. */
  readonly replicationToken?: () => string;
  /** Minimum spacing between syncs; default {@linkcode DEFAULT_ANTI_ENTROPY_SYNC_INTERVAL_MS}. */
  readonly syncIntervalMs?: number;
  readonly log?: FederationLog;
}

/** What one blocking read of the local store found. */
interface Details {
  readonly index: number;
  readonly previous: FederationStateRow | null;
  readonly current: {
    readonly Datacenter: string;
    readonly MeshGateways: readonly GatewayServiceNode[];
  };
}

/** The leader's federation-state anti-entropy loop. */
export class FederationStateAntiEntropy implements LeaderLoop {
  readonly #options: AntiEntropyOptions;
  readonly #log: FederationLog;
  #syncs = 0;

  /** Prepares the loop; {@linkcode run} starts it. */
  constructor(options: AntiEntropyOptions) {
    this.#options = options;
    this.#log = options.log ?? DISCARD_FEDERATION_LOG;
  }

  /** How many times a state was written since creation; for metrics and tests. */
  get syncCount(): number {
    return this.#syncs;
  }

  /** Syncs until `signal` aborts; resolves when stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const intervalMs = this.#options.syncIntervalMs ?? DEFAULT_ANTI_ENTROPY_SYNC_INTERVAL_MS;
    let lastIndex = -1;
    let lastSyncMs: number | null = null;
    await retryLoop({
      clock,
      ratePerSec: ANTI_ENTROPY_ROUNDS_PER_SEC,
      burst: ANTI_ENTROPY_ROUND_BURST,
      signal,
      onError: (error, backoffMs) =>
        this.#log("error", "error performing anti-entropy sync of federation state", {
          error: errorText(error),
          retry_in_ms: backoffMs,
        }),
    }, async () => {
      // A debounce over the wake-ups of the blocking read: gateways flapping do not turn into
      // a write to the primary per flap.
      if (lastSyncMs !== null) {
        const waitMs = lastSyncMs + intervalMs - clock.monotonicMs();
        if (!await sleepUnlessAborted(clock, waitMs, signal)) return;
      }
      lastIndex = await this.syncOnce(lastIndex, signal);
      lastSyncMs = clock.monotonicMs();
    });
  }

  /**
   * One round: waits until the local data's index differs from `minIndex` (pass -1 for "at
   * once"), writes
   * this datacenter's state if it differs from the stored one, and returns the index read.
   *
   * @throws {Error} when the write was refused or the primary could not be reached.
   */
  async syncOnce(minIndex: number, signal: AbortSignal): Promise<number> {
    const details = await this.#blockingDetails(minIndex, signal);
    if (signal.aborted) return details.index;
    const { previous, current } = details;
    if (previous !== null && isSameFederationState(previous, current)) {
      this.#log("debug", "federation state anti-entropy sync skipped; already up to date");
      return details.index;
    }
    await this.#write(current, signal);
    this.#syncs++;
    this.#log("info", "federation state anti-entropy synced");
    return details.index;
  }

  #read(ws: WatchSet | undefined): Details {
    const { store, datacenter } = this.#options;
    const stored = store.federationStates.get(datacenter, ws);
    const gateways = store.health.serviceNodesByKind(MESH_GATEWAY_KIND, ws);
    return {
      index: Math.max(stored.index, gateways.index),
      previous: stored.value,
      current: { Datacenter: datacenter, MeshGateways: gateways.value.map(toGatewayServiceNode) },
    };
  }

  async #blockingDetails(minIndex: number, signal: AbortSignal): Promise<Details> {
    for (;;) {
      const ws = this.#options.store.newWatchSet();
      const details = this.#read(ws);
      if (details.index !== minIndex) {
        ws.close();
        return details;
      }
      if (await ws.wait(signal) === "aborted") return details;
    }
  }

  async #write(current: Details["current"], signal: AbortSignal): Promise<void> {
    const { datacenter, primaryDatacenter, clock } = this.#options;
    const state = {
      Datacenter: current.Datacenter,
      MeshGateways: current.MeshGateways,
      UpdatedAt: new Date(clock.now()).toISOString(),
    };
    if (datacenter === primaryDatacenter) {
      // The primary writes its own log: there is no token to present to itself.
      const result = await this.#options.apply({
        type: "federationState.upsert",
        // Row types are JSON objects without an index signature; the store keeps them as given.
        state: { ...state, MeshGateways: state.MeshGateways as unknown as JsonObject[] },
      });
      if (!result.ok) {
        throw new Error(
          `error performing federation state anti-entropy sync: ${result.error.message}`,
        );
      }
      return;
    }
    const request: FederationStateRequest = {
      Datacenter: primaryDatacenter,
      Op: "upsert",
      State: state,
      Token: this.#options.replicationToken?.() ?? "",
    };
    await this.#options.callPrimary(
      "FederationState.Apply",
      request as unknown as Record<string, unknown>,
      signal,
    );
  }
}
