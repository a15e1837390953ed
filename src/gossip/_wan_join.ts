/**
 * Join error text and the retry-join loop of the WAN pool. Private to the gossip module.
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import type { WanPoolLog } from "./wan_pool_types.ts";

/** Formats per-address failures the way Consul's joins report them (a Go multierror). */
export function formatJoinErrors(failures: readonly string[]): string {
  const head = failures.length === 1 ? "1 error occurred:" : `${failures.length} errors occurred:`;
  return `${head}\n${failures.map((f) => `\t* ${f}`).join("\n")}\n\n`;
}

/** What the retry loop needs. */
export interface RetryJoinOptions {
  readonly join: () => Promise<number>;
  readonly addresses: readonly string[];
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly log: WanPoolLog;
  readonly intervalMs: number;
  /** Retries after the first attempt (Consul's `retry_max_wan`); 0 means no limit. */
  readonly maxAttempts: number;
  readonly makeError: (message: string) => Error;
}

/**
 * Tries `join` until it reaches someone, sleeping `intervalMs` between attempts.
 * @throws the error from `makeError` once the retries are used up or the signal fires.
 */
export async function retryJoinLoop(options: RetryJoinOptions): Promise<number> {
  const { clock, signal, log } = options;
  if (!(options.intervalMs > 0)) {
    throw options.makeError(`Retry interval must be positive, got ${options.intervalMs} ms`);
  }
  let attempt = 0;
  while (!signal.aborted) {
    let failure: string;
    if (options.addresses.length === 0) failure = "No servers to join";
    else {
      try {
        const joined = await options.join();
        log("info", `Join WAN completed. Synced with ${joined} initial agents`);
        return joined;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    }
    attempt++;
    if (options.maxAttempts > 0 && attempt > options.maxAttempts) {
      throw options.makeError("agent: max join WAN retry exhausted, exiting");
    }
    log("warn", "Join WAN failed, retrying", { error: failure, intervalMs: options.intervalMs });
    try {
      await clock.sleep(options.intervalMs, signal);
    } catch {
      break;
    }
  }
  throw options.makeError("WAN join stopped: the gossip pool was stopped");
}
