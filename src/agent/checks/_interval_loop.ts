/** The loop every interval check runs: a random stagger, then one probe per interval. */

import type { Clock, Random, Timer } from "../../runtime/ports.ts";
import type { AgentLog } from "./status.ts";

/** Consul's `lib.RandomStagger`: uniform in [0, `ms`). */
export function randomStaggerMs(random: Random, ms: number): number {
  return Math.floor(random.float() * ms);
}

/**
 * Runs `probe` after a random stagger in [0, interval), then `intervalMs` after each probe
 * finishes, so two probes of one check never overlap (Consul waits for the script/request too).
 */
export class IntervalLoop {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #intervalMs: number;
  readonly #probe: () => Promise<void>;
  readonly #log: AgentLog;
  #timer: Timer | undefined;
  #running = false;

  constructor(
    deps: { clock: Clock; random: Random; log: AgentLog },
    intervalMs: number,
    probe: () => Promise<void>,
  ) {
    this.#clock = deps.clock;
    this.#random = deps.random;
    this.#log = deps.log;
    this.#intervalMs = intervalMs;
    this.#probe = probe;
  }

  /** Schedules the first probe. Calling it on a running loop does nothing. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(randomStaggerMs(this.#random, this.#intervalMs));
  }

  /** Cancels the next probe; a probe already in flight finishes but schedules nothing. */
  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimer(delayMs, () => void this.#tick());
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (!this.#running) return;
    try {
      await this.#probe();
    } catch (error) {
      // Probes turn failures into statuses themselves; reaching here is a bug worth seeing.
      this.#log("error", "Check probe threw", { error: String(error) });
    }
    if (this.#running) this.#schedule(this.#intervalMs);
  }
}
