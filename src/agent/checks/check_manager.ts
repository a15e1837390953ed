/** Starts, replaces and stops the runner behind each registered check. */

import type { Clock, Net, Process, Random } from "../../runtime/ports.ts";
import { DEFAULT_OUTPUT_MAX_BYTES } from "./_output.ts";
import type { CheckRunner } from "./check_runner.ts";
import {
  type CheckDefinition,
  CheckDefinitionError,
  checkKind,
  validateCheckDefinition,
} from "./definition.ts";
import { HttpCheck } from "./http_check.ts";
import type { HttpProber } from "./http_prober.ts";
import { ScriptCheck } from "./script_check.ts";
import { type AgentLog, type CheckNotifier, DISCARD_LOG, type HealthStatus } from "./status.ts";
import { StatusHandler } from "./status_handler.ts";
import { splitHostPort, TcpCheck } from "./tcp_check.ts";
import { TtlCheck } from "./ttl_check.ts";

/** Consul's `MinInterval`: shorter intervals are raised to this, with a warning. */
export const MIN_CHECK_INTERVAL_MS = 1_000;

/** Where a check definition came from: the agent's config files, or the HTTP API. */
export type CheckSource = "local" | "remote";

/** A TTL update for a check that has no TTL runner. */
export class CheckNotTtlError extends Error {
  override readonly name = "CheckNotTtlError";
  constructor(readonly checkId: string) {
    super(`CheckID "${checkId}" does not have associated TTL`);
  }
}

/** What the manager needs from the outside world. */
export interface CheckManagerDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly net: Pick<Net, "dialTcp">;
  readonly process: Pick<Process, "runCommand">;
  readonly prober: HttpProber;
  /** Receives every result (through the thresholds); normally the `LocalState`. */
  readonly notifier: CheckNotifier;
  readonly log?: AgentLog;
}

/** Agent settings that shape checks. */
export interface CheckManagerConfig {
  /** `enable_local_script_checks` (or `enable_script_checks`). Default false. */
  readonly enableLocalScriptChecks?: boolean;
  /** `enable_script_checks`. Default false. */
  readonly enableRemoteScriptChecks?: boolean;
  /** `check_output_max_size`; default 4 KiB. */
  readonly outputMaxBytes?: number;
}

/** Owns one runner per check ID; registering an ID again replaces its runner. */
export class CheckManager {
  readonly #deps: CheckManagerDeps;
  readonly #config: CheckManagerConfig;
  readonly #log: AgentLog;
  readonly #runners = new Map<string, CheckRunner>();

  constructor(deps: CheckManagerDeps, config: CheckManagerConfig = {}) {
    this.#deps = deps;
    this.#config = config;
    this.#log = deps.log ?? DISCARD_LOG;
  }

  /**
   * Checks that `def` may run here: Consul's definition rules, a well-formed TCP address, and
   * script checks only when enabled for `source`. Messages are Consul's.
   *
   * @throws {CheckDefinitionError} naming what is wrong.
   */
  validate(def: CheckDefinition, source: CheckSource): void {
    validateCheckDefinition(def);
    if (def.scriptArgs.length > 0) {
      if (source === "local" && !this.#config.enableLocalScriptChecks) {
        throw new CheckDefinitionError(
          "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true",
          "Args",
        );
      }
      if (source === "remote" && !this.#config.enableRemoteScriptChecks) {
        throw new CheckDefinitionError(
          "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
          "Args",
        );
      }
    }
    if (checkKind(def) === "tcp") {
      try {
        splitHostPort(def.tcp);
      } catch (error) {
        throw new CheckDefinitionError((error as Error).message, "TCP");
      }
    }
  }

  /**
   * Validates `def` and starts its runner under `checkId`, stopping any previous one.
   *
   * @throws {CheckDefinitionError} when {@linkcode CheckManager.validate} does.
   */
  start(checkId: string, def: CheckDefinition, source: CheckSource): void {
    this.validate(def, source);
    this.stop(checkId);
    const runner = this.#createRunner(checkId, def);
    this.#runners.set(checkId, runner);
    runner.start();
  }

  /** Stops and forgets the runner of `checkId`, if any. */
  stop(checkId: string): void {
    this.#runners.get(checkId)?.stop();
    this.#runners.delete(checkId);
  }

  /** Stops every runner (agent shutdown). */
  stopAll(): void {
    for (const runner of this.#runners.values()) runner.stop();
    this.#runners.clear();
  }

  /** True when a runner is registered under `checkId`. */
  has(checkId: string): boolean {
    return this.#runners.has(checkId);
  }

  /**
   * Sets a TTL check's status and renews its TTL; returns the output as stored.
   *
   * @throws {CheckNotTtlError} when `checkId` has no TTL runner.
   */
  updateTtl(checkId: string, status: HealthStatus, output: string): string {
    const runner = this.#runners.get(checkId);
    if (!(runner instanceof TtlCheck)) throw new CheckNotTtlError(checkId);
    return runner.setStatus(status, output);
  }

  #createRunner(checkId: string, def: CheckDefinition): CheckRunner {
    const { clock, random, notifier } = this.#deps;
    const log = this.#log;
    let outputMaxBytes = this.#config.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES;
    if (def.outputMaxSize > 0 && outputMaxBytes > def.outputMaxSize) {
      outputMaxBytes = def.outputMaxSize;
    }
    const kind = checkKind(def);
    if (kind === "ttl") {
      return new TtlCheck({ checkId, ttlMs: def.ttlMs, notifier, clock, outputMaxBytes });
    }
    let intervalMs = def.intervalMs;
    if (intervalMs < MIN_CHECK_INTERVAL_MS) {
      log("warn", "check has interval below minimum", {
        check: checkId,
        minimum_interval: "1s",
      });
      intervalMs = MIN_CHECK_INTERVAL_MS;
    }
    const handler = new StatusHandler(notifier, {
      successBeforePassing: def.successBeforePassing,
      failuresBeforeCritical: def.failuresBeforeCritical,
      failuresBeforeWarning: def.failuresBeforeWarning || def.failuresBeforeCritical,
    }, log);
    const common = { checkId, intervalMs, notifier: handler, clock, random, log };
    switch (kind) {
      case "http":
        return new HttpCheck({
          ...common,
          url: def.http,
          method: def.method,
          header: def.header,
          body: def.body,
          timeoutMs: def.timeoutMs,
          tlsSkipVerify: def.tlsSkipVerify,
          tlsServerName: def.tlsServerName,
          outputMaxBytes,
          prober: this.#deps.prober,
        });
      case "tcp":
        return new TcpCheck({
          ...common,
          address: def.tcp,
          timeoutMs: def.timeoutMs,
          net: this.#deps.net,
        });
      case "script":
        return new ScriptCheck({
          ...common,
          args: def.scriptArgs,
          timeoutMs: def.timeoutMs,
          outputMaxBytes,
          process: this.#deps.process,
        });
      default:
        // validate() accepted it, so some kind must fit; anything else is our bug.
        throw new Error(`Check ${checkId} has no runnable type after validation`);
    }
  }
}
