/** The loop every interval check runs: a random stagger, then one probe per interval. */

import type { Clock, Random, Timer } from "../../runtime/ports.ts";
import type { CheckRunner } from "./check_runner.ts";
import { type AgentLog, DISCARD_LOG } from "./status.ts";

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

/** What every interval check shares: the staggered loop and start/stop around it. */
export abstract class IntervalCheck implements CheckRunner {
  readonly #loop: IntervalLoop;

  protected constructor(
    deps: { clock: Clock; random: Random; log?: AgentLog },
    intervalMs: number,
  ) {
    this.#loop = new IntervalLoop(
      { clock: deps.clock, random: deps.random, log: deps.log ?? DISCARD_LOG },
      intervalMs,
      () => this.probe(),
    );
  }

  /** Starts the staggered probe loop. */
  start(): void {
    this.#loop.start();
  }

  /** Stops the probe loop. */
  stop(): void {
    this.#loop.stop();
  }

  /** Runs one probe now and reports its result. */
  abstract probe(): Promise<void>;
}
