/**
 * The agent's own services and checks with in-sync flags, like Consul's `agent/local.State`.
 * Changes mark entries out of sync and ask anti-entropy for a partial sync; `syncFull` and
 * `syncChanges` (in `_sync.ts`) bring the catalog in line.
 */

import type { Clock, Random } from "../../runtime/ports.ts";
import { randomStaggerMs } from "../checks/_interval_loop.ts";
import type { HealthCheck } from "../checks/health_check.ts";
import {
  type AgentLog,
  type CheckNotifier,
  DISCARD_LOG,
  HEALTH_CRITICAL,
  type HealthStatus,
} from "../checks/status.ts";
import type { CatalogSync } from "./catalog_sync.ts";
import type { NodeInfo, NodeService } from "./types.ts";
import type { CheckEntry, ServiceEntry } from "./_entries.ts";
import { syncChanges, syncFull, type SyncView } from "./_sync.ts";

/** Consul's default `check_update_interval`: how long output-only changes may wait. */
export const DEFAULT_CHECK_UPDATE_INTERVAL_MS = 5 * 60_000;

/** A local-state operation on something that is not registered. */
export class LocalStateError extends Error {
  override readonly name = "LocalStateError";
}

/** The node identity and policy the local state syncs with. */
export interface LocalStateConfig {
  readonly nodeName: string;
  readonly nodeId: string;
  readonly address: string;
  readonly datacenter: string;
  readonly taggedAddresses?: Readonly<Record<string, string>>;
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** Output-only changes are written back at most this often. 0 syncs every change. */
  readonly checkUpdateIntervalMs?: number;
  /** Consul's `discard_check_output`. */
  readonly discardCheckOutput?: boolean;
}

/** Ports and collaborators. */
export interface LocalStateDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly catalog: CatalogSync;
  /** Tokens used when a service or check carries none (Consul's agent and user tokens). */
  readonly tokens?: { agentToken(): string; userToken(): string };
  readonly log?: AgentLog;
}

/** A critical check, for reaping. */
export interface CriticalCheck {
  readonly check: HealthCheck;
  readonly criticalForMs: number;
  /** `DeregisterCriticalServiceAfter` in ms; 0 when the service is never reaped. */
  readonly reapAfterMs: number;
}

/** The local agent's services and checks, and what of them the catalog still lacks. */
export class LocalState implements CheckNotifier {
  readonly #services = new Map<string, ServiceEntry>();
  readonly #checks = new Map<string, CheckEntry>();
  readonly #flags = { nodeInfoInSync: false };
  readonly #deps: LocalStateDeps;
  readonly #view: SyncView;
  readonly #config: LocalStateConfig;
  #meta: Record<string, string>;
  #trigger: () => void = () => {};

  constructor(config: LocalStateConfig, deps: LocalStateDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#meta = { ...config.nodeMeta };
    this.#view = {
      services: this.#services,
      checks: this.#checks,
      flags: this.#flags,
      catalog: deps.catalog,
      log: deps.log ?? DISCARD_LOG,
      nodeInfo: () => this.nodeInfo(),
      serviceToken: (id) => this.serviceToken(id),
      checkToken: (id) => this.checkToken(id),
      agentToken: () => deps.tokens?.agentToken() ?? "",
      deferOutput: (config.checkUpdateIntervalMs ?? DEFAULT_CHECK_UPDATE_INTERVAL_MS) > 0,
    };
  }

  /** Sets what is called whenever a change needs a partial sync (anti-entropy's trigger). */
  setSyncTrigger(trigger: () => void): void {
    this.#trigger = trigger;
  }

  /** This node as the catalog should hold it. */
  nodeInfo(): NodeInfo {
    const c = this.#config;
    return {
      ID: c.nodeId,
      Node: c.nodeName,
      Address: c.address,
      Datacenter: c.datacenter,
      TaggedAddresses: { ...c.taggedAddresses },
      Meta: { ...this.#meta },
    };
  }

  /** Replaces the node metadata and schedules a node-info sync. */
  setNodeMeta(meta: Readonly<Record<string, string>>): void {
    this.#meta = { ...meta };
    this.#flags.nodeInfoInSync = false;
    this.#trigger();
  }

  /**
   * Adds or replaces a service. Its ID defaults to its name.
   *
   * @throws {LocalStateError} when it has neither ID nor name.
   */
  addService(service: NodeService, token = ""): NodeService {
    const id = service.ID || service.Service;
    if (id === "") throw new LocalStateError("Missing service name");
    const stored: NodeService = { ...service, ID: id };
    const old = this.#services.get(id);
    this.#services.set(id, {
      service: stored,
      token,
      inSync: false,
      deleted: false,
      version: (old?.version ?? 0) + 1,
    });
    this.#trigger();
    return stored;
  }

  /**
   * Marks a service deleted; anti-entropy removes it from the catalog, then forgets it.
   *
   * @throws {LocalStateError} when it is not registered.
   */
  removeService(id: string): void {
    const entry = this.#services.get(id);
    if (!entry || entry.deleted) throw new LocalStateError(`Service "${id}" does not exist`);
    entry.inSync = false;
    entry.deleted = true;
    entry.version++;
    this.#trigger();
  }

  /** The service `id`, unless absent or deleted. */
  service(id: string): NodeService | undefined {
    const entry = this.#services.get(id);
    return entry && !entry.deleted ? entry.service : undefined;
  }

  /** All live services. */
  listServices(): NodeService[] {
    return [...this.#services.values()].flatMap((e) => e.deleted || !e.service ? [] : [e.service]);
  }

  /** The token used for service `id`'s catalog writes. */
  serviceToken(id: string): string {
    return this.#services.get(id)?.token || this.#deps.tokens?.userToken() || "";
  }

  /** The token used for check `id`'s catalog writes. */
  checkToken(id: string): string {
    return this.#checks.get(id)?.token || this.#deps.tokens?.userToken() || "";
  }

  /**
   * Adds or replaces a check (its `Node` is set to this node). `reapAfterMs` > 0 deregisters the
   * check's service once the check has been critical that long.
   *
   * @throws {LocalStateError} when the check names a service that is not registered.
   */
  addCheck(check: HealthCheck, options: { token?: string; reapAfterMs?: number } = {}): void {
    if (check.ServiceID !== "" && !this.service(check.ServiceID)) {
      throw new LocalStateError(
        `Check "${check.CheckID}" refers to non-existent service "${check.ServiceID}"`,
      );
    }
    const old = this.#checks.get(check.CheckID);
    old?.deferTimer?.cancel();
    const stored: HealthCheck = {
      ...check,
      Node: this.#config.nodeName,
      Output: this.#config.discardCheckOutput ? "" : check.Output,
    };
    this.#checks.set(check.CheckID, {
      check: stored,
      token: options.token ?? "",
      inSync: false,
      deleted: false,
      version: (old?.version ?? 0) + 1,
      // Unlike Consul, a check registered critical starts its reap clock at once.
      criticalSinceMs: stored.Status === HEALTH_CRITICAL
        ? this.#deps.clock.monotonicMs()
        : undefined,
      deferTimer: undefined,
      reapAfterMs: options.reapAfterMs ?? 0,
    });
    this.#trigger();
  }

  /**
   * Marks a check deleted; anti-entropy removes it from the catalog, then forgets it.
   *
   * @throws {LocalStateError} when it is not registered.
   */
  removeCheck(id: string): void {
    const entry = this.#checks.get(id);
    if (!entry || entry.deleted) throw new LocalStateError(`Check "${id}" does not exist`);
    entry.deferTimer?.cancel();
    entry.deferTimer = undefined;
    entry.inSync = false;
    entry.deleted = true;
    entry.version++;
    this.#trigger();
  }

  /**
   * Records a check result. A status change syncs at once; an output-only change is written
   * back within `checkUpdateInterval` (half of it plus a random stagger), as in Consul.
   */
  updateCheck(id: string, status: HealthStatus, output: string): void {
    const entry = this.#checks.get(id);
    if (!entry || entry.deleted || !entry.check) return;
    if (this.#config.discardCheckOutput) output = "";
    if (status === HEALTH_CRITICAL) {
      entry.criticalSinceMs ??= this.#deps.clock.monotonicMs();
    } else {
      entry.criticalSinceMs = undefined;
    }
    if (entry.check.Status === status && entry.check.Output === output) return;
    const updateIntervalMs = this.#config.checkUpdateIntervalMs ??
      DEFAULT_CHECK_UPDATE_INTERVAL_MS;
    if (updateIntervalMs > 0 && entry.check.Status === status) {
      entry.check = { ...entry.check, Output: output };
      entry.deferTimer ??= this.#deps.clock.setTimer(
        updateIntervalMs / 2 + randomStaggerMs(this.#deps.random, updateIntervalMs),
        () => this.#deferredOutputDue(id, entry),
      );
      return;
    }
    entry.check = { ...entry.check, Status: status, Output: output };
    entry.inSync = false;
    entry.version++;
    this.#trigger();
  }

  #deferredOutputDue(id: string, entry: CheckEntry): void {
    entry.deferTimer = undefined;
    if (this.#checks.get(id) !== entry || entry.deleted) return;
    entry.inSync = false;
    entry.version++;
    this.#trigger();
  }

  /** The check `id`, unless absent or deleted. */
  check(id: string): HealthCheck | undefined {
    const entry = this.#checks.get(id);
    return entry && !entry.deleted ? entry.check : undefined;
  }

  /** All live checks. */
  listChecks(): HealthCheck[] {
    return [...this.#checks.values()].flatMap((e) => e.deleted || !e.check ? [] : [e.check]);
  }

  /** The live checks of service `serviceId`. */
  checksForService(serviceId: string): HealthCheck[] {
    return this.listChecks().filter((check) => check.ServiceID === serviceId);
  }

  /** Live checks that are critical now, with how long they have been. */
  criticalChecks(): CriticalCheck[] {
    const now = this.#deps.clock.monotonicMs();
    const result: CriticalCheck[] = [];
    for (const entry of this.#checks.values()) {
      if (entry.deleted || !entry.check || entry.criticalSinceMs === undefined) continue;
      result.push({
        check: entry.check,
        criticalForMs: now - entry.criticalSinceMs,
        reapAfterMs: entry.reapAfterMs,
      });
    }
    return result;
  }

  /** True when service `id` (live or deleted) is known to match the catalog. */
  isServiceInSync(id: string): boolean {
    return this.#services.get(id)?.inSync ?? false;
  }

  /** True when check `id` (live or deleted) is known to match the catalog. */
  isCheckInSync(id: string): boolean {
    return this.#checks.get(id)?.inSync ?? false;
  }

  /** True when the node record is known to match the catalog. */
  isNodeInfoInSync(): boolean {
    return this.#flags.nodeInfoInSync;
  }

  /** Reads the catalog's view of this node, marks differences, then pushes them. */
  syncFull(): Promise<void> {
    return syncFull(this.#view);
  }

  /** Pushes every out-of-sync or deleted service and check, then the node info if needed. */
  syncChanges(): Promise<void> {
    return syncChanges(this.#view);
  }
}
