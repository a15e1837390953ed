/**
 * What the leader server does besides answering requests, as Consul's leader loop does:
 * registers the servers in the catalog (node, `serfHealth`, the `consul` service), expires
 * TTL sessions, and reaps KV tombstones.
 *
 * Every change goes through `apply`, so it is logged and (later) replicated like any write.
 * Time comes from the Clock port; one timer per duty, re-armed when its data changes.
 *
 * @module
 */
import type { Clock } from "../runtime/ports.ts";
import type { ApplyResult, Command, SessionExpiry, StateStore } from "../state/mod.ts";
import type { Logger } from "./logger.ts";

/** How often KV tombstones older than {@linkcode TOMBSTONE_TTL_MS} are reaped. */
export const TOMBSTONE_REAP_INTERVAL_MS = 60_000;
/** Tombstones are kept this long so blocking prefix queries see deletes (Consul: 15 min GC). */
export const TOMBSTONE_TTL_MS = 15 * 60_000;
/** A failed duty is retried after this delay. */
const RETRY_DELAY_MS = 1_000;

/** This server as the catalog shows it. */
export interface ServerIdentity {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly datacenter: string;
  /** LAN address advertised to the catalog. */
  readonly address: string;
  /** WAN address for the `wan` tagged addresses. */
  readonly wanAddress: string;
  /** Server RPC port, registered as the `consul` service's port. */
  readonly serverPort: number;
  readonly nodeMeta: Readonly<Record<string, string>>;
}

/** A node's tagged addresses as Consul's agent sets them. */
export function nodeTaggedAddresses(lan: string, wan: string): Record<string, string> {
  return { lan, lan_ipv4: lan, wan, wan_ipv4: wan };
}

/** What the leader duties need. */
export interface LeaderOptions {
  readonly store: StateStore;
  readonly apply: (command: Command) => Promise<ApplyResult<unknown>>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly self: ServerIdentity;
  /** Shared with the Session endpoints, which arm and renew it. */
  readonly sessionExpiry: SessionExpiry;
}

/** The running leader duties. */
export class LeaderDuties {
  readonly #options: LeaderOptions;
  readonly #abort = new AbortController();
  #expiryTimer: { cancel(): void } | null = null;
  #reapTimer: { cancel(): void } | null = null;
  /** Indexes seen at each reap tick: tombstones at or below the oldest are old enough. */
  readonly #indexHistory: { atMs: number; index: number }[] = [];

  constructor(options: LeaderOptions) {
    this.#options = options;
  }

  /** Registers this server and starts the session and tombstone loops. */
  async start(): Promise<void> {
    await this.registerSelf();
    void this.#watchSessions();
    this.#scheduleReap();
  }

  /** Stops every loop and timer. */
  stop(): void {
    this.#abort.abort();
    this.#expiryTimer?.cancel();
    this.#reapTimer?.cancel();
  }

  /** Writes this server's node, `serfHealth` check and `consul` service to the catalog. */
  async registerSelf(): Promise<void> {
    const { self, clock } = this.#options;
    const result = await this.#options.apply({
      type: "catalog.register",
      nowMs: clock.now(),
      node: {
        ID: self.nodeId,
        Node: self.nodeName,
        Address: self.address,
        Datacenter: self.datacenter,
        TaggedAddresses: nodeTaggedAddresses(self.address, self.wanAddress),
        Meta: self.nodeMeta,
      },
      service: {
        ID: "consul",
        Service: "consul",
        Port: self.serverPort,
        Address: "",
        Weights: { Passing: 1, Warning: 1 },
        Meta: {
          raft_version: "3",
          serf_protocol_current: "2",
          serf_protocol_max: "5",
          serf_protocol_min: "1",
          version: "1.21.0",
        },
      },
      checks: [{
        CheckID: "serfHealth",
        Name: "Serf Health Status",
        Status: "passing",
        Output: "Agent alive and reachable",
        Type: "",
      }],
    });
    if (!result.ok) {
      throw new Error(`Could not register this server in the catalog: ${result.error.message}`);
    }
  }

  async #watchSessions(): Promise<void> {
    const { store, sessionExpiry, clock } = this.#options;
    while (!this.#abort.signal.aborted) {
      sessionExpiry.sync(store.sessions.withTtl(), clock.now());
      this.#armExpiry();
      const outcome = await store.watch([{ table: "sessions" }], this.#abort.signal);
      if (outcome === "aborted") return;
    }
  }

  #armExpiry(): void {
    const { sessionExpiry, clock } = this.#options;
    this.#expiryTimer?.cancel();
    const next = sessionExpiry.nextDeadlineMs();
    if (next === null || this.#abort.signal.aborted) return;
    this.#expiryTimer = clock.setTimer(Math.max(0, next - clock.now()), () => void this.#expire());
  }

  async #expire(): Promise<void> {
    const { sessionExpiry, clock, logger, apply } = this.#options;
    const now = clock.now();
    for (const id of sessionExpiry.due(now)) {
      sessionExpiry.remove(id);
      const result = await apply({ type: "session.destroy", nowMs: now, id }).catch((error) => {
        logger.error("could not expire session", { session: id, error: String(error) });
        return null;
      });
      if (result?.ok) logger.debug("session expired", { session: id });
    }
    this.#armExpiry();
  }

  #scheduleReap(delayMs = TOMBSTONE_REAP_INTERVAL_MS): void {
    if (this.#abort.signal.aborted) return;
    this.#reapTimer = this.#options.clock.setTimer(delayMs, () => void this.#reap());
  }

  async #reap(): Promise<void> {
    const { store, clock, apply, logger } = this.#options;
    const now = clock.now();
    this.#indexHistory.push({ atMs: now, index: store.appliedIndex });
    while (this.#indexHistory.length > 1 && now - this.#indexHistory[1].atMs >= TOMBSTONE_TTL_MS) {
      this.#indexHistory.shift();
    }
    const oldest = this.#indexHistory[0];
    let delay = TOMBSTONE_REAP_INTERVAL_MS;
    if (now - oldest.atMs >= TOMBSTONE_TTL_MS && oldest.index > 0) {
      const result = await apply({ type: "kv.reapTombstones", upToIndex: oldest.index }).catch(
        (error) => {
          logger.warn("tombstone reaping failed", { error: String(error) });
          delay = RETRY_DELAY_MS;
          return null;
        },
      );
      if (result?.ok && (result.value as number) > 0) {
        logger.debug("reaped KV tombstones", {
          count: result.value as number,
          up_to_index: oldest.index,
        });
      }
    }
    this.#scheduleReap(delay);
  }
}
