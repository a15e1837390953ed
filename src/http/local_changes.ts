/**
 * A wake-up feed for agent-local blocking reads (`/v1/agent/service/:id?hash=`,
 * `/v1/event/list?index=`): waiters sleep on a Clock timer and wake on the next `notify()`.
 */

import type { Clock } from "../runtime/ports.ts";

/** Most requests that may wait on one feed; more answer at once instead of queueing. */
export const MAX_FEED_WAITERS = 16_384;

/** How a wait ended. */
export type FeedWaitOutcome = "changed" | "timeout" | "aborted";

/**
 * Something changed; whoever waits re-reads. The agent wiring calls `notify()` from the
 * `LocalState` sync trigger so hash-blocking reads of local services wake on every change.
 */
export class LocalChangeFeed {
  readonly #waiters = new Set<() => void>();

  /** Wakes every current waiter. */
  notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Number of requests waiting now; for tests and metrics. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Resolves on the next `notify()`, after `timeoutMs`, or when `signal` aborts. */
  wait(clock: Clock, timeoutMs: number, signal?: AbortSignal): Promise<FeedWaitOutcome> {
    if (signal?.aborted) return Promise.resolve("aborted");
    if (this.#waiters.size >= MAX_FEED_WAITERS) return Promise.resolve("timeout");
    return new Promise((resolve) => {
      const finish = (outcome: FeedWaitOutcome) => {
        this.#waiters.delete(onChange);
        timer.cancel();
        signal?.removeEventListener("abort", onAbort);
        resolve(outcome);
      };
      const onChange = () => finish("changed");
      const onAbort = () => finish("aborted");
      const timer = clock.setTimer(timeoutMs, () => finish("timeout"));
      this.#waiters.add(onChange);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
