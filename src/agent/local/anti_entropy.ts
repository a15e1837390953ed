/**
 * Consul's anti-entropy `StateSyncer`: a full sync at start and then every interval (scaled
 * with cluster size, plus stagger), partial syncs on demand in between, retries after
 * failures. Triggers never block and coalesce: any number of changes while a sync runs cause
 * one more sync.
 */

import type { Clock, Random, Timer } from "../../runtime/ports.ts";
import { randomStaggerMs } from "../checks/_interval_loop.ts";
import { type AgentLog, DISCARD_LOG } from "../checks/status.ts";

/** Consul's default `ae_interval`: the base time between full syncs. */
export const DEFAULT_AE_INTERVAL_MS = 60_000;
/** Consul's `retryFailIntv`: the least wait before retrying a failed full sync. */
export const RETRY_FAIL_INTERVAL_MS = 15_000;
/** Consul's `serverUpIntv`: the most wait before a full sync a new server asked for. */
export const SERVER_UP_INTERVAL_MS = 3_000;
/** Cluster size above which full syncs spread out (doubling per doubling of nodes). */
export const AE_SCALE_THRESHOLD_NODES = 128;

/**
 * Consul's `scaleFactor`: 1 up to 128 nodes, then 1 + ceil(log2(nodes) - log2(128)), so 8192
 * nodes wait 7x longer between full syncs.
 */
export function aeScaleFactor(nodes: number): number {
  if (nodes <= AE_SCALE_THRESHOLD_NODES) return 1;
  return Math.ceil(Math.log2(nodes) - Math.log2(AE_SCALE_THRESHOLD_NODES)) + 1;
}

/** What anti-entropy keeps in sync; `LocalState` is one. */
export interface SyncTarget {
  syncFull(): Promise<void>;
  syncChanges(): Promise<void>;
}

/** Ports and settings for {@linkcode AntiEntropy}. */
export interface AntiEntropyOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Members in the cluster, read before each stagger. */
  readonly clusterSize: () => number;
  /** Default 60 s. */
  readonly intervalMs?: number;
  readonly log?: AgentLog;
}

type Phase = "full" | "retry" | "partial";

/** Drives a {@linkcode SyncTarget}; see the module notes. */
export class AntiEntropy {
  readonly #target: SyncTarget;
  readonly #options: AntiEntropyOptions;
  readonly #log: AgentLog;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #changesRequested = false;
  #fullRequested = false;
  #fullDue = false;
  #paused = 0;
  #fullTimer: Timer | undefined;
  #waitTimer: Timer | undefined;

  constructor(target: SyncTarget, options: AntiEntropyOptions) {
    this.#target = target;
    this.#options = options;
    this.#log = options.log ?? DISCARD_LOG;
  }

  /** Starts with a full sync. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#armFullTimer();
    this.#loop = this.#run();
  }

  /** Stops after the sync in flight, if any, finishes. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#fullTimer?.cancel();
    this.#waitTimer?.cancel();
    this.#notify();
    await this.#loop;
  }

  /** Asks for a partial sync soon (a local change happened). Never blocks. */
  triggerSyncChanges(): void {
    this.#changesRequested = true;
    this.#notify();
  }

  /** Asks for a full sync after a random stagger of up to 3 s, scaled (a server joined). */
  triggerSyncFull(): void {
    this.#fullRequested = true;
    this.#notify();
  }

  /** Holds syncs back (while the agent applies a batch of changes); calls nest. */
  pause(): void {
    this.#paused++;
  }

  /** Releases one `pause`; the last one triggers a partial sync. Returns true when it was last. */
  resume(): boolean {
    if (this.#paused === 0) throw new Error("AntiEntropy.resume called without a matching pause");
    this.#paused--;
    if (this.#paused > 0) return false;
    this.triggerSyncChanges();
    return true;
  }

  /** True while paused. */
  get paused(): boolean {
    return this.#paused > 0;
  }

  #stagger(ms: number): number {
    return randomStaggerMs(this.#options.random, aeScaleFactor(this.#options.clusterSize()) * ms);
  }

  #armFullTimer(): void {
    this.#fullTimer?.cancel();
    const intervalMs = this.#options.intervalMs ?? DEFAULT_AE_INTERVAL_MS;
    this.#fullDue = false;
    this.#fullTimer = this.#options.clock.setTimer(intervalMs + this.#stagger(intervalMs), () => {
      this.#fullDue = true;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => this.#wake = resolve);
  }

  async #run(): Promise<void> {
    let phase: Phase = "full";
    while (this.#running) {
      if (phase === "full") phase = await this.#fullSync();
      else if (phase === "retry") phase = await this.#awaitRetry();
      else phase = await this.#partial();
    }
  }

  async #fullSync(): Promise<Phase> {
    if (this.paused) return "retry";
    // A full sync also covers any partial sync asked for so far.
    this.#changesRequested = false;
    try {
      await this.#target.syncFull();
      return "partial";
    } catch (error) {
      this.#log("error", "failed to sync remote state", { error: String(error) });
      return "retry";
    }
  }

  async #awaitRetry(): Promise<Phase> {
    let retryDue = false;
    this.#waitTimer = this.#options.clock.setTimer(
      RETRY_FAIL_INTERVAL_MS + this.#stagger(RETRY_FAIL_INTERVAL_MS),
      () => {
        retryDue = true;
        this.#notify();
      },
    );
    while (this.#running && !retryDue && !this.#fullRequested) await this.#sleep();
    this.#waitTimer.cancel();
    if (!this.#running) return "retry";
    if (this.#fullRequested) return await this.#serverUpDelay();
    this.#armFullTimer();
    return "full";
  }

  async #partial(): Promise<Phase> {
    while (this.#running && !this.#fullRequested && !this.#fullDue && !this.#changesRequested) {
      await this.#sleep();
    }
    if (!this.#running) return "partial";
    if (this.#fullRequested) return await this.#serverUpDelay();
    if (this.#fullDue) {
      this.#armFullTimer();
      return "full";
    }
    this.#changesRequested = false;
    if (this.paused) return "partial";
    try {
      await this.#target.syncChanges();
    } catch (error) {
      this.#log("error", "failed to sync changes", { error: String(error) });
    }
    return "partial";
  }

  /** Waits the staggered server-up delay, then goes to a full sync. */
  async #serverUpDelay(): Promise<Phase> {
    this.#fullRequested = false;
    let due = false;
    this.#waitTimer = this.#options.clock.setTimer(this.#stagger(SERVER_UP_INTERVAL_MS), () => {
      due = true;
      this.#notify();
    });
    while (this.#running && !due) await this.#sleep();
    this.#waitTimer.cancel();
    this.#armFullTimer();
    return "full";
  }
}
