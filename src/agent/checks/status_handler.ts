/** Consul's `StatusHandler`: success/failure thresholds between a runner and its notifier. */

import {
  type AgentLog,
  type CheckNotifier,
  DISCARD_LOG,
  HEALTH_PASSING,
  HEALTH_WARNING,
  type HealthStatus,
} from "./status.ts";

/** Thresholds from the check definition. Zero means "apply at once". */
export interface StatusThresholds {
  readonly successBeforePassing: number;
  /** Consecutive failures before warning; the agent defaults it to `failuresBeforeCritical`. */
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
}

/**
 * Counts consecutive results and forwards a status only once its threshold is reached.
 *
 * Passing and warning results count as successes; critical as failures. Between
 * `failuresBeforeWarning` and `failuresBeforeCritical` failures the check reports warning.
 * Counters start at their thresholds so the very first result is reported at once, as in Consul.
 */
export class StatusHandler {
  readonly #notifier: CheckNotifier;
  readonly #thresholds: StatusThresholds;
  readonly #log: AgentLog;
  #successes: number;
  #failures: number;

  constructor(notifier: CheckNotifier, thresholds: StatusThresholds, log: AgentLog = DISCARD_LOG) {
    this.#notifier = notifier;
    this.#thresholds = thresholds;
    this.#log = log;
    this.#successes = thresholds.successBeforePassing;
    this.#failures = thresholds.failuresBeforeCritical;
  }

  /** Records one result of check `checkId` and forwards what the thresholds allow. */
  updateCheck(checkId: string, status: HealthStatus, output: string): void {
    const t = this.#thresholds;
    if (status === HEALTH_PASSING || status === HEALTH_WARNING) {
      this.#successes++;
      this.#failures = 0;
      if (this.#successes >= t.successBeforePassing) {
        this.#notifier.updateCheck(checkId, status, output);
        return;
      }
      this.#log("warn", "Check passed but has not reached success threshold", {
        check: checkId,
        status,
        success_count: this.#successes,
        success_threshold: t.successBeforePassing,
      });
      return;
    }
    this.#failures++;
    this.#successes = 0;
    if (this.#failures >= t.failuresBeforeCritical) {
      this.#notifier.updateCheck(checkId, status, output);
      return;
    }
    if (this.#failures >= t.failuresBeforeWarning) {
      this.#notifier.updateCheck(checkId, HEALTH_WARNING, output);
      return;
    }
    this.#log("warn", "Check failed but has not reached warning/failure threshold", {
      check: checkId,
      failure_count: this.#failures,
      warning_threshold: t.failuresBeforeWarning,
      failure_threshold: t.failuresBeforeCritical,
    });
  }
}
