/**
 * Consul's blocking query loop (`agent/consul/rpc.go` `blockingQuery`): run a read; when the
 * caller passed `MinQueryIndex` and the answer is not newer, wait on the store's watches for
 * exactly what the read touched, re-run on a change, and give up after `MaxQueryTime` plus a
 * little jitter with the last answer.
 *
 * Cost model: a waiting query is a watch-set entry in the store plus one Clock timer; nothing
 * polls. The timer is canceled as soon as the query returns.
 *
 * @module
 */

import type { Clock, Random, Timer } from "../runtime/ports.ts";
import type { Indexed, StateStore, WatchSet } from "../state/mod.ts";
import { EndpointError, NO_LEADER_TEXT } from "./errors.ts";
import type { QueryMeta, QueryOptions } from "./types.ts";

/** Wait used when a blocking query gives no MaxQueryTime (Consul's default, 5 minutes). */
export const DEFAULT_QUERY_TIME_MS = 5 * 60_000;

/** Longest wait a blocking query may ask for (Consul's cap, 10 minutes). */
export const MAX_QUERY_TIME_MS = 10 * 60_000;

/** The jitter added to a wait is uniform in [0, wait / JITTER_FRACTION), as in Consul. */
export const JITTER_FRACTION = 16;

/** What the loop needs from the server. */
export interface BlockingDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  readonly random: Random;
  /** True when this server knows a leader; a non-stale read fails without one. */
  readonly knownLeader: () => boolean;
  /** Milliseconds since the leader was last heard from; 0 on the leader. */
  readonly lastContactMs?: () => number;
  /**
   * Confirms leadership before a consistent read (Raft's VerifyLeader). A single server is
   * always the leader, so the default does nothing; a Raft cluster passes the real check.
   */
  readonly verifyLeader?: () => Promise<void>;
}

/** A read's value with the meta Consul sends alongside it. */
export interface BlockingResult<T> {
  readonly value: T;
  readonly meta: QueryMeta;
}

/** How long a blocking query waits before jitter: the asked time, defaulted and capped. */
export function queryTimeMs(maxQueryTimeMs: number | undefined): number {
  if (maxQueryTimeMs === undefined || !(maxQueryTimeMs > 0)) return DEFAULT_QUERY_TIME_MS;
  return Math.min(maxQueryTimeMs, MAX_QUERY_TIME_MS);
}

function abortedError(signal: AbortSignal): EndpointError {
  return new EndpointError("aborted", "The query was canceled before it completed", {
    cause: signal.reason,
  });
}

async function checkConsistency(deps: BlockingDeps, options: QueryOptions): Promise<void> {
  if (!options.AllowStale && !deps.knownLeader()) {
    throw new EndpointError("no_leader", NO_LEADER_TEXT);
  }
  if (options.RequireConsistent && !options.AllowStale) await deps.verifyLeader?.();
}

function metaOf(deps: BlockingDeps, options: QueryOptions, index: number): QueryMeta {
  return {
    // Consul never reports 0: a client blocking on 0 would not block at all.
    Index: index < 1 ? 1 : index,
    LastContact: deps.lastContactMs?.() ?? 0,
    KnownLeader: deps.knownLeader(),
    ConsistencyLevel: options.AllowStale
      ? "stale"
      : options.RequireConsistent
      ? "consistent"
      : "leader",
  };
}

/**
 * Runs `read` as a (possibly blocking) query. Without `MinQueryIndex` it answers at once.
 * With it, it answers as soon as the read's index differs from `MinQueryIndex` (newer data,
 * or an index that went backwards, e.g. after a restore, which the client must see to reset),
 * or after the timeout with the last answer.
 *
 * `read` receives a watch set to pass to the store's reads, and must be synchronous so that
 * nothing can change between the read and the registration of its watches.
 *
 * @throws {EndpointError} `aborted` when `signal` aborts first; `no_leader` without a leader.
 */
export async function blockingQuery<T>(
  deps: BlockingDeps,
  options: QueryOptions,
  read: (ws: WatchSet | undefined) => Indexed<T>,
  signal?: AbortSignal,
): Promise<BlockingResult<T>> {
  await checkConsistency(deps, options);
  if (signal?.aborted) throw abortedError(signal);
  const minIndex = options.MinQueryIndex ?? 0;
  if (!(minIndex > 0)) {
    const { index, value } = read(undefined);
    return { value, meta: metaOf(deps, options, index) };
  }
  const baseMs = queryTimeMs(options.MaxQueryTime);
  const waitMs = baseMs + deps.random.int(Math.max(1, Math.floor(baseMs / JITTER_FRACTION)));
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer: Timer = deps.clock.setTimer(waitMs, () => stop.abort("timeout"));
  try {
    for (;;) {
      const ws = deps.store.newWatchSet();
      let answer: Indexed<T>;
      try {
        answer = read(ws);
      } catch (error) {
        ws.close();
        throw error;
      }
      const { index, value } = answer;
      const meta = metaOf(deps, options, index);
      if (meta.Index !== minIndex) {
        ws.close();
        return { value, meta };
      }
      const outcome = await ws.wait(stop.signal);
      if (signal?.aborted) throw abortedError(signal);
      if (outcome === "aborted") return { value, meta };
    }
  } finally {
    timer.cancel();
    signal?.removeEventListener("abort", onAbort);
  }
}
