/**
 * Which mesh gateway a server dials to reach another datacenter (Consul's `GatewayLocator`).
 *
 * It keeps three address lists: the primary datacenter's usable gateways (WAN addresses, from
 * the replicated federation state of the primary), this datacenter's usable gateways (LAN
 * addresses, from its own federation state), and the configured `primary_gateways` fallback.
 * It reads only the local replica of the federation states (a blocking read of the local
 * store, no network), and it learns from federation-state replication whether the path to the
 * primary through the local gateways works.
 *
 * Three states, as in Consul: (1) dial the primary's gateways from the fallback list, (2) dial
 * them from replicated data, (3) dial through the local gateways. (1) and (2) are merged; (3)
 * is the steady state, left for (1)+(2) only after {@linkcode
 * LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY} consecutive replication failures on the
 * secondary's leader.
 *
 * @module
 */

import type { Clock, Random } from "../runtime/ports.ts";
import type { FederationStateRow, StateStore, WatchSet } from "../state/mod.ts";
import { DISCARD_FEDERATION_LOG, errorText, retryLoop } from "./_retry.ts";
import { renderCriticalGatewayAddrs, renderGatewayAddrs } from "./gateway_nodes.ts";
import type { FederationLog } from "./types.ts";

/**
 * Consecutive replication failures after which a secondary's leader stops trusting its local
 * gateways and dials the primary's gateways directly (Consul's
 * `localFederationStateReplicatorFailuresBeforeDialingDirectly`).
 */
export const LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY = 3;

/** Refresh rounds per second in steady state (Consul's `loopRateLimit`). */
export const LOCATOR_ROUNDS_PER_SEC = 0.2;

/** Refresh rounds allowed back to back (Consul's `retryBurst`). */
export const LOCATOR_ROUND_BURST = 5;

/** Most addresses kept per list; a federation state larger than this is cut, with a warning. */
export const MAX_GATEWAY_ADDRS = 1024;

/** What a {@linkcode GatewayLocator} is built from. */
export interface GatewayLocatorOptions {
  /** The local replica of the federation states. */
  readonly store: StateStore;
  readonly clock: Clock;
  /** Picks among gateways, uniformly. */
  readonly random: Random;
  /** This server's datacenter. */
  readonly datacenter: string;
  /** The primary datacenter (`primary_datacenter`). */
  readonly primaryDatacenter: string;
  readonly log?: FederationLog;
  /**
   * True once the local store may be read: this server leads, or has heard from the leader.
   * Default: always (a single server leads).
   */
  readonly localStateReady?: () => boolean;
  /** Called whenever the replica holds any federation state (Consul's feature bit). */
  readonly onFederationStatesFound?: () => void;
}

/** The replication-health signal replication reports into (see {@linkcode GatewayLocator}). */
export interface ReplicationHealthSink {
  /** Turns the signal on while this server's replicator runs (leader of a secondary). */
  setUseReplicationSignal(value: boolean): void;
  /** Records one replication round: `null` for success, else its error. */
  setLastReplicationError(error: unknown, fromReplication: boolean): void;
}

/** Picks mesh gateways for cross-datacenter dials. */
export class GatewayLocator implements ReplicationHealthSink {
  readonly #options: GatewayLocatorOptions;
  readonly #log: FederationLog;
  #primaryGateways: string[] = [];
  #localGateways: string[] = [];
  // Listed in the federation states but with a critical check: tried only as a last resort.
  #primaryCritical: string[] = [];
  #localCritical: string[] = [];
  #populated = false;
  #fallback: string[] = [];
  #primaryReady = false;
  #resolveReady!: () => void;
  /** Resolves the first time replicated data names at least one primary gateway. */
  readonly primaryGatewaysReady: Promise<void>;
  // Replication events are ordered by a counter, not by wall time, so "success newer than
  // failure" is exact even when both land within one clock tick.
  #eventSeq = 0;
  #lastSuccessSeq = 0;
  #lastFailureSeq = 0;
  #consecutiveFailures = 0;
  #useReplicationSignal = false;

  /** Creates a locator that knows nothing until its first read of the store. */
  constructor(options: GatewayLocatorOptions) {
    this.#options = options;
    this.#log = options.log ?? DISCARD_FEDERATION_LOG;
    this.primaryGatewaysReady = new Promise((resolve) => (this.#resolveReady = resolve));
    this.#logPrimaryDialing(this.dialPrimaryThroughLocalGateway());
    this.setLastReplicationError(null, false);
  }

  /** True once {@linkcode primaryGatewaysReady} has resolved. */
  get isPrimaryGatewaysReady(): boolean {
    return this.#primaryReady;
  }

  /** `true` in the primary datacenter itself. */
  get #inPrimary(): boolean {
    return this.#options.datacenter === this.#options.primaryDatacenter;
  }

  /**
   * A gateway address ("host:port") for reaching `datacenter`, chosen uniformly at random, or
   * "" when none is known yet (the dialer then fails with "Remote DC has no server currently
   * reachable"). Any datacenter other than the primary is reached through the local gateways.
   */
  pickGateway(datacenter: string): string {
    const addrs = this.listGateways(datacenter === this.#options.primaryDatacenter);
    if (addrs.length === 0) return "";
    return addrs.length === 1 ? addrs[0] : addrs[this.#options.random.int(addrs.length)];
  }

  /** The candidates {@linkcode pickGateway} chooses from, for the primary or for any other DC. */
  listGateways(primary: boolean): string[] {
    if (!this.#populated) return [];
    if (this.#usesLocalGateways(primary)) return [...this.#localGateways];
    if (this.#inPrimary) return [...this.#primaryGateways];
    return mergeSorted(this.#primaryGateways, this.#fallback);
  }

  /**
   * The gateways to try, in this order, once every candidate of {@linkcode pickGateway} for
   * `datacenter` has failed: those its federation state lists with a critical check (on the
   * same path, local or the primary's, that `pickGateway` uses). Consul has no such step; it
   * keeps a secondary reachable when its usable primary gateways went away before the state
   * showing their replacement healthy could replicate.
   */
  lastResortGateways(datacenter: string): string[] {
    if (!this.#populated) return [];
    const primary = datacenter === this.#options.primaryDatacenter;
    return [...(this.#usesLocalGateways(primary) ? this.#localCritical : this.#primaryCritical)];
  }

  /** True when a dial to the primary (`primary`) or another datacenter uses local gateways. */
  #usesLocalGateways(primary: boolean): boolean {
    if (!primary) return true;
    if (this.#inPrimary) return false;
    return this.dialPrimaryThroughLocalGateway() && this.#localGateways.length > 0;
  }

  /**
   * True when the primary should be dialed through the local gateways (state 3), false when
   * its gateways should be dialed directly (states 1+2). Followers always trust the local
   * gateways; the leader of a secondary stops after repeated replication failures.
   */
  dialPrimaryThroughLocalGateway(): boolean {
    if (this.#inPrimary) return false;
    if (!this.#useReplicationSignal) return true;
    if (this.#lastSuccessSeq === 0 && this.#lastFailureSeq === 0) return false;
    if (this.#lastSuccessSeq > this.#lastFailureSeq) return true;
    return this.#consecutiveFailures < LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY;
  }

  /** Turns the replication-health signal on or off (replication start and stop do this). */
  setUseReplicationSignal(value: boolean): void {
    this.#useReplicationSignal = value;
  }

  /**
   * Records the outcome of a federation-state replication round (`null` = success). A success
   * reported by replication itself also turns the signal on.
   */
  setLastReplicationError(error: unknown, fromReplication: boolean): void {
    const before = this.dialPrimaryThroughLocalGateway();
    this.#eventSeq++;
    if (error === null || error === undefined) {
      this.#lastSuccessSeq = this.#eventSeq;
      this.#consecutiveFailures = 0;
      if (fromReplication) this.#useReplicationSignal = true;
    } else {
      this.#lastFailureSeq = this.#eventSeq;
      this.#consecutiveFailures++;
    }
    const after = this.dialPrimaryThroughLocalGateway();
    if (before !== after) this.#logPrimaryDialing(after);
  }

  #logPrimaryDialing(useLocal: boolean): void {
    if (this.#inPrimary) return;
    this.#log(
      "info",
      useLocal
        ? "will dial the primary datacenter using our local mesh gateways if possible"
        : "will dial the primary datacenter through its mesh gateways",
    );
  }

  /** Replaces the `primary_gateways` fallback list (kept sorted). */
  refreshPrimaryGatewayFallbackAddresses(addrs: readonly string[]): void {
    const sorted = [...new Set(addrs)].sort().slice(0, MAX_GATEWAY_ADDRS);
    if (sameList(sorted, this.#fallback)) return;
    this.#fallback = sorted;
    this.#log("info", "updated fallback list of primary mesh gateways", { mesh_gateways: sorted });
  }

  /** The current `primary_gateways` fallback list. */
  primaryGatewayFallbackAddresses(): string[] {
    return [...this.#fallback];
  }

  /**
   * Reads the local replica once and updates the lists; returns the table index read. Pass a
   * watch set to be woken on the next change.
   */
  refreshFromStore(ws?: WatchSet): number {
    const { index, value } = this.#options.store.federationStates.list(ws);
    this.#updateFromStates(value);
    return index;
  }

  #updateFromStates(states: readonly FederationStateRow[]): void {
    const { datacenter, primaryDatacenter } = this.#options;
    if (states.length > 0) this.#options.onFederationStatesFound?.();
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const local = states.find((state) => same(state.Datacenter, datacenter));
    const primary = states.find((state) => same(state.Datacenter, primaryDatacenter));
    const primaryAddrs = this.#bounded(renderGatewayAddrs(primary?.MeshGateways ?? [], true));
    const localAddrs = this.#bounded(renderGatewayAddrs(local?.MeshGateways ?? [], false));
    this.#primaryCritical = this.#bounded(
      renderCriticalGatewayAddrs(primary?.MeshGateways ?? [], true),
    );
    this.#localCritical = this.#bounded(
      renderCriticalGatewayAddrs(local?.MeshGateways ?? [], false),
    );
    this.#populated = true;
    let changed = false;
    let primaryReady = false;
    if (!sameList(primaryAddrs, this.#primaryGateways)) {
      this.#primaryGateways = primaryAddrs;
      primaryReady = primaryAddrs.length > 0;
      changed = true;
    }
    if (!sameList(localAddrs, this.#localGateways)) {
      this.#localGateways = localAddrs;
      changed = true;
    }
    if (changed) {
      this.#log("info", "new cached locations of mesh gateways", {
        primary: primaryAddrs,
        local: localAddrs,
      });
    }
    if (primaryReady && !this.#primaryReady) {
      this.#primaryReady = true;
      this.#resolveReady();
    }
  }

  #bounded(addrs: string[]): string[] {
    if (addrs.length <= MAX_GATEWAY_ADDRS) return addrs;
    this.#log("warn", "too many mesh gateways in a federation state; keeping the first ones", {
      count: addrs.length,
      kept: MAX_GATEWAY_ADDRS,
    });
    return addrs.slice(0, MAX_GATEWAY_ADDRS);
  }

  /** Waits until the table index differs from `minIndex` (-1: at once), refreshing on the way. */
  async #blockingRefresh(minIndex: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      const ws = this.#options.store.newWatchSet();
      const index = this.refreshFromStore(ws);
      if (index !== minIndex) {
        ws.close();
        return index;
      }
      if (await ws.wait(signal) === "aborted") return index;
    }
  }

  /**
   * Keeps the lists current until `signal` aborts: a blocking read of the local replica per
   * round, rate limited, with backoff after errors. Resolves when stopped.
   */
  async run(signal: AbortSignal): Promise<void> {
    const ready = this.#options.localStateReady ?? (() => true);
    let lastIndex = -1;
    await retryLoop({
      clock: this.#options.clock,
      ratePerSec: LOCATOR_ROUNDS_PER_SEC,
      burst: LOCATOR_ROUND_BURST,
      signal,
      onError: (error, backoffMs) =>
        this.#log("error", "error tracking primary and local mesh gateways", {
          error: errorText(error),
          retry_in_ms: backoffMs,
        }),
    }, async () => {
      // Not an error: a follower that has not heard from its leader yet just waits its turn.
      if (!ready()) return;
      lastIndex = await this.#blockingRefresh(lastIndex, signal);
    });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** Merges two sorted lists into one sorted list (duplicates kept, as in Consul). */
function mergeSorted(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i] <= b[j] ? a[i++] : b[j++]);
  return out.concat(a.slice(i), b.slice(j));
}
