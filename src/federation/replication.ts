/**
 * Federation-state replication (Consul's `FederationStateReplicator` on its generic index
 * replicator), run by the leader of each secondary datacenter: long-poll
 * `FederationState.List` in the primary, then make the local replica equal to it — upsert
 * what changed (recording the primary's ModifyIndex as `PrimaryModifyIndex`), delete what
 * vanished. Every round's outcome feeds the gateway locator's replication-health signal, which
 * is how a secondary notices that its path to the primary is broken.
 *
 * @module
 */

import type { IndexedFederationStates } from "../endpoints/federation_state.ts";
import type { Clock } from "../runtime/ports.ts";
import type { FederationStateRow, JsonObject, StateStore } from "../state/mod.ts";
import { DISCARD_FEDERATION_LOG, errorText, retryLoop, TokenBucket } from "./_retry.ts";
import type { ReplicationHealthSink } from "./gateway_locator.ts";
import type { ApplyLocalFn, CallPrimaryFn, FederationLog, LeaderLoop } from "./types.ts";

/** Replication rounds per second (Consul's `FederationStateReplicationRate`). */
export const REPLICATION_ROUNDS_PER_SEC = 1;

/** Rounds allowed back to back (Consul's `FederationStateReplicationBurst`). */
export const REPLICATION_ROUND_BURST = 5;

/** Local writes per second while applying a diff (`FederationStateReplicationApplyLimit`). */
export const REPLICATION_APPLIES_PER_SEC = 100;

/** Most federation states accepted from the primary in one reply. */
export const MAX_REPLICATED_STATES = 4096;

/** The primary answered something that is not a federation-state list. */
export class ReplicationReplyError extends Error {
  /** Builds the error with what was wrong in the reply. */
  constructor(message: string) {
    super(message);
    this.name = "ReplicationReplyError";
  }
}

/** What a replication round must change locally. */
export interface FederationStateDiff {
  /** Remote records to store, in datacenter order. */
  readonly updates: readonly FederationStateRow[];
  /** Datacenters whose local record must go. */
  readonly deletions: readonly string[];
}

/**
 * Consul's `DiffRemoteAndLocalState` for federation states: a datacenter only in the remote
 * list is an update, only in the local list a deletion, in both an update when its remote
 * ModifyIndex is past `lastRemoteIndex`.
 */
export function diffFederationStates(
  local: readonly FederationStateRow[],
  remote: readonly FederationStateRow[],
  lastRemoteIndex: number,
): FederationStateDiff {
  const key = (dc: string) => dc.toLowerCase();
  const remoteByDc = new Map(remote.map((state) => [key(state.Datacenter), state]));
  const localDcs = new Set(local.map((state) => key(state.Datacenter)));
  const deletions = local
    .filter((state) => !remoteByDc.has(key(state.Datacenter)))
    .map((state) => state.Datacenter);
  const updates = remote.filter((state) =>
    !localDcs.has(key(state.Datacenter)) || state.ModifyIndex > lastRemoteIndex
  );
  return { updates, deletions };
}

function checkReply(reply: unknown): { index: number; states: FederationStateRow[] } {
  const body = reply as Partial<IndexedFederationStates> | null;
  const states = body?.States;
  const index = body?.Index;
  if (!Array.isArray(states) || typeof index !== "number" || !Number.isSafeInteger(index)) {
    throw new ReplicationReplyError(
      "The primary answered FederationState.List without a States list and an Index",
    );
  }
  if (states.length > MAX_REPLICATED_STATES) {
    throw new ReplicationReplyError(
      `The primary sent ${states.length} federation states; at most ` +
        `${MAX_REPLICATED_STATES} are accepted`,
    );
  }
  for (const state of states) {
    const ok = typeof state === "object" && state !== null &&
      typeof state.Datacenter === "string" && state.Datacenter !== "" &&
      Number.isSafeInteger(state.ModifyIndex);
    if (!ok) {
      throw new ReplicationReplyError(
        "The primary sent a federation state without a Datacenter name or ModifyIndex",
      );
    }
  }
  return { index, states: states as FederationStateRow[] };
}

/** What the replicator is given. */
export interface ReplicationOptions {
  /** This (secondary) datacenter's store: the replica being kept equal to the primary. */
  readonly store: StateStore;
  readonly clock: Clock;
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  /** Commits to the local log. */
  readonly apply: ApplyLocalFn;
  /** Calls the primary. */
  readonly callPrimary: CallPrimaryFn;
  /** Consul's replication token, sent with the list request. */
  readonly replicationToken?: () => string;
  /** Told the outcome of every round (the gateway locator). */
  readonly health?: ReplicationHealthSink;
  readonly log?: FederationLog;
}

/** The secondary leader's federation-state replication loop. */
export class FederationStateReplicator implements LeaderLoop {
  readonly #options: ReplicationOptions;
  readonly #log: FederationLog;
  readonly #applyBucket: TokenBucket;
  #lastRemoteIndex = 0;

  /** Prepares the loop; {@linkcode run} starts it. */
  constructor(options: ReplicationOptions) {
    this.#options = options;
    this.#log = options.log ?? DISCARD_FEDERATION_LOG;
    this.#applyBucket = new TokenBucket(options.clock, {
      ratePerSec: REPLICATION_APPLIES_PER_SEC,
      burst: REPLICATION_APPLIES_PER_SEC,
    });
  }

  /** The primary's index this replica is synced to (0 before the first round). */
  get lastRemoteIndex(): number {
    return this.#lastRemoteIndex;
  }

  /** Replicates until `signal` aborts; does nothing in the primary itself. */
  async run(signal: AbortSignal): Promise<void> {
    const { datacenter, primaryDatacenter, health } = this.#options;
    if (primaryDatacenter === "" || primaryDatacenter === datacenter) return;
    health?.setUseReplicationSignal(true);
    health?.setLastReplicationError(null, false);
    this.#log("info", "started federation state replication");
    try {
      await retryLoop({
        clock: this.#options.clock,
        ratePerSec: REPLICATION_ROUNDS_PER_SEC,
        burst: REPLICATION_ROUND_BURST,
        signal,
        onError: (error, backoffMs) =>
          this.#log("warn", "federation state replication error (will retry)", {
            error: errorText(error),
            retry_in_ms: backoffMs,
          }),
      }, async () => {
        this.#lastRemoteIndex = await this.replicateOnce(this.#lastRemoteIndex, signal);
      });
    } finally {
      health?.setUseReplicationSignal(false);
      health?.setLastReplicationError(null, false);
      this.#log("info", "stopped federation state replication");
    }
  }

  async #fetchRemote(lastRemoteIndex: number, signal: AbortSignal) {
    const { callPrimary, primaryDatacenter, health } = this.#options;
    try {
      const reply = await callPrimary("FederationState.List", {
        Datacenter: primaryDatacenter,
        AllowStale: true,
        MinQueryIndex: lastRemoteIndex,
        Token: this.#options.replicationToken?.() ?? "",
      }, signal);
      const checked = checkReply(reply);
      health?.setLastReplicationError(null, true);
      return checked;
    } catch (error) {
      if (!signal.aborted) health?.setLastReplicationError(error, true);
      throw new Error(`failed to retrieve federation states: ${errorText(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * One round: fetch (blocking past `lastRemoteIndex`), diff, apply. Returns the remote index
   * now synced to, or `lastRemoteIndex` when stopped midway.
   *
   * @throws {Error} when the primary cannot be reached or a local write is refused.
   */
  async replicateOnce(lastRemoteIndex: number, signal: AbortSignal): Promise<number> {
    const remote = await this.#fetchRemote(lastRemoteIndex, signal);
    if (signal.aborted) return lastRemoteIndex;
    let since = lastRemoteIndex;
    if (remote.index < since) {
      // The primary was rebuilt (restore, new cluster): assume nothing, compare everything.
      this.#log("warn", "federation state replication index went backwards, resetting", {
        from: since,
        to: remote.index,
      });
      since = 0;
    }
    const local = this.#options.store.federationStates.list().value;
    const diff = diffFederationStates(local, remote.states, since);
    for (const datacenter of diff.deletions) {
      if (!await this.#applyBucket.take(signal)) return lastRemoteIndex;
      await this.#commit({ type: "federationState.delete", datacenter });
    }
    for (const state of diff.updates) {
      if (!await this.#applyBucket.take(signal)) return lastRemoteIndex;
      await this.#commit({
        type: "federationState.upsert",
        state: {
          Datacenter: state.Datacenter,
          MeshGateways: (state.MeshGateways ?? []) as readonly JsonObject[],
          UpdatedAt: state.UpdatedAt,
          PrimaryModifyIndex: state.ModifyIndex,
        },
      });
    }
    if (diff.deletions.length + diff.updates.length > 0) {
      this.#log("debug", "federation state replication applied changes", {
        updated: diff.updates.length,
        deleted: diff.deletions.length,
        remote_index: remote.index,
      });
    }
    return remote.index;
  }

  async #commit(command: Parameters<ApplyLocalFn>[0]): Promise<void> {
    const result = await this.#options.apply(command);
    if (!result.ok) {
      throw new Error(`failed to apply replicated federation state: ${result.error.message}`);
    }
  }
}
