/** Deregisters services whose check has been critical longer than `DeregisterCriticalServiceAfter`. */

import type { Clock, Timer } from "../../runtime/ports.ts";
import { type AgentLog, DISCARD_LOG } from "../checks/status.ts";
import type { CriticalCheck } from "./local_state.ts";

/** Consul's default `check_reap_interval`: how often critical checks are examined. */
export const CHECK_REAP_INTERVAL_MS = 30_000;
/** Consul's `CheckDeregisterIntervalMin`: shorter reap timeouts are raised to this. */
export const MIN_DEREGISTER_CRITICAL_SERVICE_AFTER_MS = 60_000;

/** What the reaper reads and calls. */
export interface ReaperDeps {
  readonly clock: Clock;
  readonly criticalChecks: () => readonly CriticalCheck[];
  /** Removes a service with its checks (the agent's removal, which also stops runners). */
  readonly removeService: (serviceId: string) => void;
  readonly log?: AgentLog;
  /** Default 30 s. */
  readonly intervalMs?: number;
}

/** Reaps every `intervalMs`; {@linkcode ServiceReaper.reapOnce} runs one pass directly. */
export class ServiceReaper {
  readonly #deps: ReaperDeps;
  readonly #log: AgentLog;
  #timer: Timer | undefined;
  #running = false;

  constructor(deps: ReaperDeps) {
    this.#deps = deps;
    this.#log = deps.log ?? DISCARD_LOG;
  }

  /** Starts the periodic pass. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Stops the periodic pass. */
  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** One pass: returns the IDs of the services deregistered. */
  reapOnce(): string[] {
    const reaped = new Set<string>();
    for (const { check, criticalForMs, reapAfterMs } of this.#deps.criticalChecks()) {
      const serviceId = check.ServiceID;
      if (serviceId === "" || reaped.has(serviceId)) continue;
      if (reapAfterMs <= 0 || criticalForMs <= reapAfterMs) continue;
      reaped.add(serviceId);
      try {
        this.#deps.removeService(serviceId);
        this.#log(
          "info",
          "Check for service has been critical for too long; deregistered service",
          {
            service: serviceId,
            check: check.CheckID,
          },
        );
      } catch (error) {
        this.#log(
          "error",
          "unable to deregister service after check has been critical for too long",
          {
            service: serviceId,
            check: check.CheckID,
            error: String(error),
          },
        );
      }
    }
    return [...reaped];
  }

  #schedule(): void {
    this.#timer = this.#deps.clock.setTimer(this.#deps.intervalMs ?? CHECK_REAP_INTERVAL_MS, () => {
      if (!this.#running) return;
      this.reapOnce();
      this.#schedule();
    });
  }
}
