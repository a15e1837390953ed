/** Consul's `CheckTTL`: a check whose status is pushed by the application, or expires. */

import type { Clock, Timer } from "../../runtime/ports.ts";
import { DEFAULT_OUTPUT_MAX_BYTES, truncateUtf8, utf8Length } from "./_output.ts";
import type { CheckRunner } from "./check_runner.ts";
import { type CheckNotifier, HEALTH_CRITICAL, type HealthStatus } from "./status.ts";

/** Options for {@linkcode TtlCheck}. */
export interface TtlCheckOptions {
  readonly checkId: string;
  readonly ttlMs: number;
  readonly notifier: CheckNotifier;
  readonly clock: Clock;
  /** Output cap in bytes; default 4 KiB. */
  readonly outputMaxBytes?: number;
}

/**
 * Goes critical with output "TTL expired" when not updated within the TTL (with the last output
 * appended when there was one). Updates bypass the success/failure thresholds, as in Consul.
 */
export class TtlCheck implements CheckRunner {
  readonly #options: TtlCheckOptions;
  readonly #outputMaxBytes: number;
  #timer: Timer | undefined;
  #lastOutput = "";
  #running = false;

  constructor(options: TtlCheckOptions) {
    this.#options = options;
    this.#outputMaxBytes = options.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES;
  }

  /** The TTL in milliseconds. */
  get ttlMs(): number {
    return this.#options.ttlMs;
  }

  /** Arms the expiry timer. */
  start(): void {
    this.#running = true;
    this.#arm();
  }

  /** Disarms the expiry timer. */
  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /**
   * Sets the status, renews the TTL, and returns the output as stored (capped, with Consul's
   * "... (captured N of M bytes)" suffix when it was cut).
   */
  setStatus(status: HealthStatus, output: string): string {
    const total = utf8Length(output);
    if (total > this.#outputMaxBytes) {
      const kept = truncateUtf8(output, this.#outputMaxBytes);
      output = `${kept} ... (captured ${this.#outputMaxBytes} of ${total} bytes)`;
    }
    this.#options.notifier.updateCheck(this.#options.checkId, status, output);
    this.#lastOutput = output;
    if (this.#running) this.#arm();
    return output;
  }

  #arm(): void {
    this.#timer?.cancel();
    this.#timer = this.#options.clock.setTimer(this.#options.ttlMs, () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const output = this.#lastOutput === ""
      ? "TTL expired"
      : `TTL expired (last output before timeout follows): ${this.#lastOutput}`;
    this.#options.notifier.updateCheck(this.#options.checkId, HEALTH_CRITICAL, output);
  }
}
