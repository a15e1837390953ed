/**
 * The agent's service and check operations, as `/v1/agent/*` performs them: registration
 * with runners, TTL updates, maintenance mode, and reaping. Combines `LocalState` (records and
 * sync) with a `CheckManager` (runners).
 */

import type { CheckDefinition } from "../checks/definition.ts";
import { CheckDefinitionError } from "../checks/definition.ts";
import type { CheckManager, CheckSource } from "../checks/check_manager.ts";
import { healthCheckFromDefinition } from "../checks/health_check.ts";
import {
  isMaintenanceCheckId,
  NODE_MAINTENANCE_CHECK_ID,
  nodeMaintenanceCheck,
  SERVICE_MAINTENANCE_PREFIX,
  serviceMaintenanceCheck,
  serviceMaintenanceCheckId,
} from "../checks/maintenance.ts";
import { type AgentLog, DISCARD_LOG, type HealthStatus } from "../checks/status.ts";
import { type LocalState, LocalStateError } from "./local_state.ts";
import { MIN_DEREGISTER_CRITICAL_SERVICE_AFTER_MS } from "./reaper.ts";
import type { NodeService } from "./types.ts";
import type {
  CheckRegistrationRecord,
  MaintenanceRecord,
  Registrations,
  ServiceRegistrationRecord,
} from "./registrations.ts";

/** Options of a registration. */
export interface RegisterOptions {
  readonly token?: string;
  /** "local" for config files, "remote" for the HTTP API; decides whether scripts may run. */
  readonly source: CheckSource;
  /**
   * Remove the service's checks that this registration does not list (Consul's
   * `?replace-existing-checks`). Without it they are kept, as Consul does.
   */
  readonly replaceExistingChecks?: boolean;
}

/** The local agent's registrations. */
export class LocalAgent {
  readonly #state: LocalState;
  readonly #checks: CheckManager;
  readonly #nodeName: string;
  readonly #log: AgentLog;
  readonly #onRegistrationsChanged: (registrations: Registrations) => Promise<void> | void;
  #lastSave: Promise<void> = Promise.resolve();
  /** Registrations as they were asked for, by service ID and by standalone check ID. */
  readonly #services = new Map<string, ServiceRegistrationRecord>();
  readonly #standaloneChecks = new Map<string, CheckRegistrationRecord>();
  /** Maintenance mode by service ID ("" for the node), kept across restarts as Consul does. */
  readonly #maintenance = new Map<string, MaintenanceRecord>();

  constructor(
    deps: {
      state: LocalState;
      checks: CheckManager;
      log?: AgentLog;
      /** Told the registrations after every change, to persist them (see `registrations.ts`). */
      onRegistrationsChanged?: (registrations: Registrations) => Promise<void> | void;
    },
    config: { nodeName: string },
  ) {
    this.#state = deps.state;
    this.#checks = deps.checks;
    this.#nodeName = config.nodeName;
    this.#log = deps.log ?? DISCARD_LOG;
    this.#onRegistrationsChanged = deps.onRegistrationsChanged ?? (() => {});
  }

  /** The registrations made through this agent, as they were asked for. */
  registrations(): Registrations {
    return {
      services: [...this.#services.values()],
      checks: [...this.#standaloneChecks.values()],
      maintenance: [...this.#maintenance.values()],
    };
  }

  /**
   * Registers again what a journal holds (at start); an entry that no longer validates is
   * logged and skipped, so one bad record cannot keep the agent down.
   */
  restore(registrations: Registrations): void {
    for (const record of registrations.services) {
      try {
        this.addService(record.service, record.checks, {
          token: record.token,
          source: record.source,
        });
      } catch (error) {
        this.#log("warn", "could not restore a service registration", {
          service: record.service.ID,
          error: (error as Error).message,
        });
      }
    }
    for (const record of registrations.checks) {
      try {
        this.addCheck(record.check, { token: record.token, source: record.source });
      } catch (error) {
        this.#log("warn", "could not restore a check registration", {
          check: record.check.id || record.check.name,
          error: (error as Error).message,
        });
      }
    }
    for (const record of registrations.maintenance ?? []) {
      try {
        if (record.serviceId === "") this.enableNodeMaintenance(record.reason, record.token);
        else this.enableServiceMaintenance(record.serviceId, record.reason, record.token);
      } catch (error) {
        this.#log("warn", "could not restore maintenance mode", {
          service: record.serviceId,
          error: (error as Error).message,
        });
      }
    }
  }

  /**
   * Registers a service with its checks (IDs `service:<id>` or `service:<id>:<n>` when not
   * given), replacing an earlier registration; with `replaceExistingChecks`, checks it no
   * longer lists are removed. All definitions are validated before anything changes.
   *
   * @throws {CheckDefinitionError} when a check is invalid or not allowed here.
   * @throws {LocalStateError} when the service has no name.
   */
  addService(service: NodeService, checks: readonly CheckDefinition[], options: RegisterOptions) {
    for (const def of checks) this.#checks.validate(def, options.source);
    const stored = this.#state.addService(service, options.token);
    const keep = new Set<string>();
    checks.forEach((def, index) => {
      let check = healthCheckFromDefinition(def, {
        node: this.#nodeName,
        service: stored,
        index,
        count: checks.length,
      });
      // Re-registering must not flap a check back to its initial status (Consul snapshots too).
      const previous = this.#state.check(check.CheckID);
      if (previous) check = { ...check, Status: previous.Status, Output: previous.Output };
      keep.add(check.CheckID);
      this.#startCheck(check.CheckID, def, () => {
        this.#state.addCheck(check, this.#checkOptions(def, options.token));
      }, options.source);
    });
    const previous = this.#services.get(stored.ID);
    const kept = options.replaceExistingChecks || !previous ? checks : [
      ...previous.checks.filter((def) => !checks.some((c) => c.id !== "" && c.id === def.id)),
      ...checks,
    ];
    this.#services.set(stored.ID, {
      service: stored,
      checks: kept,
      token: options.token ?? "",
      source: options.source,
    });
    if (options.replaceExistingChecks) {
      for (const old of this.#state.checksForService(stored.ID)) {
        if (!keep.has(old.CheckID) && old.Type !== "maintenance") this.removeCheck(old.CheckID);
      }
    }
    this.#changed();
    return stored;
  }

  /**
   * Deregisters a service and all its checks.
   *
   * @throws {LocalStateError} when the service is not registered.
   */
  removeService(serviceId: string): void {
    if (!this.#state.service(serviceId)) {
      throw new LocalStateError(
        `Unknown service ID "${serviceId}". Ensure that the service ID is passed, not the service name.`,
      );
    }
    for (const check of this.#state.checksForService(serviceId)) this.removeCheck(check.CheckID);
    this.#state.removeService(serviceId);
    this.#services.delete(serviceId);
    this.#changed();
  }

  /**
   * Registers a check (agent API). Its ID defaults to its name.
   *
   * @throws {CheckDefinitionError} when invalid, unnamed, not allowed, or for an unknown service.
   */
  addCheck(def: CheckDefinition, options: RegisterOptions): string {
    if (def.name === "") throw new CheckDefinitionError("Missing check name", "Name");
    this.#checks.validate(def, options.source);
    let service: NodeService | undefined;
    if (def.serviceId !== "") {
      service = this.#state.service(def.serviceId);
      if (!service) {
        throw new CheckDefinitionError(`ServiceID "${def.serviceId}" does not exist`, "ServiceID");
      }
    }
    const check = healthCheckFromDefinition(def, { node: this.#nodeName, service });
    this.#startCheck(check.CheckID, def, () => {
      this.#state.addCheck(check, this.#checkOptions(def, options.token));
    }, options.source);
    this.#standaloneChecks.set(check.CheckID, {
      check: def,
      token: options.token ?? "",
      source: options.source,
    });
    this.#changed();
    return check.CheckID;
  }

  /**
   * Deregisters a check and stops its runner.
   *
   * @throws {LocalStateError} when the check is not registered.
   */
  removeCheck(checkId: string): void {
    this.#checks.stop(checkId);
    this.#state.removeCheck(checkId);
    const maintenanceKey = isMaintenanceCheckId(checkId) ? maintenanceKeyOf(checkId) : null;
    const forgotMaintenance = maintenanceKey !== null && this.#maintenance.delete(maintenanceKey);
    if (this.#standaloneChecks.delete(checkId) || forgotMaintenance) this.#changed();
  }

  /**
   * Sets a TTL check's status (`/v1/agent/check/pass|warn|fail|update`); returns the output
   * as stored.
   *
   * @throws {CheckNotTtlError} when the check has no TTL.
   */
  updateTtlCheck(checkId: string, status: HealthStatus, output: string): string {
    return this.#checks.updateTtl(checkId, status, output);
  }

  /**
   * Puts a service in maintenance: registers its critical `_service_maintenance:<id>` check.
   * Enabling twice keeps the first reason, as Consul.
   *
   * @throws {LocalStateError} when the service is not registered.
   */
  enableServiceMaintenance(serviceId: string, reason: string, token = ""): void {
    const service = this.#state.service(serviceId);
    if (!service) throw new LocalStateError(`No service registered with ID "${serviceId}"`);
    if (this.#state.check(serviceMaintenanceCheckId(serviceId))) return;
    this.#state.addCheck(serviceMaintenanceCheck(this.#nodeName, service, reason), { token });
    this.#maintenance.set(serviceId, { serviceId, reason, token });
    this.#changed();
    this.#log("info", "Service entered maintenance mode", { service: serviceId });
  }

  /**
   * Takes a service out of maintenance.
   *
   * @throws {LocalStateError} when the service is not registered.
   */
  disableServiceMaintenance(serviceId: string): void {
    if (!this.#state.service(serviceId)) {
      throw new LocalStateError(`No service registered with ID "${serviceId}"`);
    }
    const checkId = serviceMaintenanceCheckId(serviceId);
    if (!this.#state.check(checkId)) return;
    this.removeCheck(checkId);
    this.#log("info", "Service left maintenance mode", { service: serviceId });
  }

  /** Puts the whole node in maintenance (`_node_maintenance`). */
  enableNodeMaintenance(reason: string, token = ""): void {
    if (this.#state.check(NODE_MAINTENANCE_CHECK_ID)) return;
    this.#state.addCheck(nodeMaintenanceCheck(this.#nodeName, reason), { token });
    this.#maintenance.set("", { serviceId: "", reason, token });
    this.#changed();
    this.#log("info", "Node entered maintenance mode");
  }

  /** Takes the node out of maintenance. */
  disableNodeMaintenance(): void {
    if (!this.#state.check(NODE_MAINTENANCE_CHECK_ID)) return;
    this.removeCheck(NODE_MAINTENANCE_CHECK_ID);
    this.#log("info", "Node left maintenance mode");
  }

  /** Stops every check runner (shutdown); records stay for the next start's sync. */
  stop(): void {
    this.#checks.stopAll();
  }

  #changed(): void {
    this.#lastSave = Promise.resolve(this.#onRegistrationsChanged(this.registrations()));
  }

  /** Resolves once the latest change has been persisted; rejects when that save failed. */
  saved(): Promise<void> {
    return this.#lastSave;
  }

  #checkOptions(def: CheckDefinition, token = "") {
    let reapAfterMs = def.deregisterCriticalServiceAfterMs;
    if (reapAfterMs > 0 && reapAfterMs < MIN_DEREGISTER_CRITICAL_SERVICE_AFTER_MS) {
      this.#log("warn", "check has deregister interval below minimum", {
        minimum_interval: "1m0s",
      });
      reapAfterMs = MIN_DEREGISTER_CRITICAL_SERVICE_AFTER_MS;
    }
    return { token: def.token || token, reapAfterMs };
  }

  /** Adds the record first so the runner's first result lands on it, then starts the runner. */
  #startCheck(checkId: string, def: CheckDefinition, add: () => void, source: CheckSource) {
    add();
    this.#checks.start(checkId, def, source);
  }
}

/** The maintenance-map key of a maintenance check ID: the service ID, or "" for the node. */
function maintenanceKeyOf(checkId: string): string {
  return checkId === NODE_MAINTENANCE_CHECK_ID
    ? ""
    : checkId.slice(SERVICE_MAINTENANCE_PREFIX.length);
}
