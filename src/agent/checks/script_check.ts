/** Consul's `CheckMonitor`: runs a command; exit 0 passing, 1 warning, anything else critical. */

import type { Clock, Process, Random } from "../../runtime/ports.ts";
import { IntervalCheck } from "./_interval_loop.ts";
import { DEFAULT_OUTPUT_MAX_BYTES } from "./_output.ts";
import { formatGoDuration } from "../../go_duration.ts";
import {
  type AgentLog,
  type CheckNotifier,
  HEALTH_CRITICAL,
  HEALTH_PASSING,
  HEALTH_WARNING,
} from "./status.ts";

/** Consul's script check timeout when none is given. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 30_000;

/** Options for {@linkcode ScriptCheck}. */
export interface ScriptCheckOptions {
  readonly checkId: string;
  /** argv; run directly, not through a shell (Consul's `Args`). */
  readonly args: readonly string[];
  readonly intervalMs: number;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  /** Default 4 KiB. */
  readonly outputMaxBytes?: number;
  readonly notifier: CheckNotifier;
  readonly process: Pick<Process, "runCommand">;
  readonly clock: Clock;
  readonly random: Random;
  readonly log?: AgentLog;
}

/** Runs the command every interval with its combined output (capped) as the check output. */
export class ScriptCheck extends IntervalCheck {
  readonly #options: ScriptCheckOptions;

  constructor(options: ScriptCheckOptions) {
    super(options, options.intervalMs);
    this.#options = options;
  }

  /** Runs the command once now and reports the result. */
  override async probe(): Promise<void> {
    const o = this.#options;
    const timeoutMs = o.timeoutMs && o.timeoutMs > 0 ? o.timeoutMs : DEFAULT_SCRIPT_TIMEOUT_MS;
    let result;
    try {
      result = await o.process.runCommand(o.args, {
        timeoutMs,
        maxOutputBytes: o.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      o.notifier.updateCheck(o.checkId, HEALTH_CRITICAL, message);
      return;
    }
    if (result.timedOut) {
      let message = `Timed out (${formatGoDuration(timeoutMs)}) running check`;
      if (result.output.length > 0) message += `\n\n${result.output}`;
      o.notifier.updateCheck(o.checkId, HEALTH_CRITICAL, message);
      return;
    }
    const status = result.code === 0
      ? HEALTH_PASSING
      : result.code === 1
      ? HEALTH_WARNING
      : HEALTH_CRITICAL;
    o.notifier.updateCheck(o.checkId, status, result.output);
  }
}
