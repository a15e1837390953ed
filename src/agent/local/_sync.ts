/**
 * Anti-entropy's two operations on the local state, after Consul's `updateSyncState`,
 * `SyncFull` and `SyncChanges`. Private to the folder: `LocalState` exposes them.
 */

import type { HealthCheck } from "../checks/health_check.ts";
import type { AgentLog } from "../checks/status.ts";
import { CatalogPermissionDeniedError, type CatalogSync } from "./catalog_sync.ts";
import type { CheckEntry, ServiceEntry } from "./_entries.ts";
import type { NodeInfo, NodeService } from "./types.ts";

/** Consul's own service on servers; managed by the servers, never deregistered by an agent. */
const CONSUL_SERVICE_ID = "consul";
/** Consul's gossip health check; managed by the servers, never deregistered by an agent. */
const SERF_CHECK_ID = "serfHealth";

/** What the sync routines may see and change inside a `LocalState`. */
export interface SyncView {
  readonly services: Map<string, ServiceEntry>;
  readonly checks: Map<string, CheckEntry>;
  readonly flags: { nodeInfoInSync: boolean };
  readonly catalog: CatalogSync;
  readonly log: AgentLog;
  nodeInfo(): NodeInfo;
  serviceToken(id: string): string;
  checkToken(id: string): string;
  agentToken(): string;
  /** True when output-only changes are deferred (then output is not compared while deferred). */
  readonly deferOutput: boolean;
}

/** Reads the catalog's view of this node, marks what differs, then pushes the differences. */
export async function syncFull(view: SyncView): Promise<void> {
  const node = view.nodeInfo();
  const remote = await view.catalog.readNode(node.Node, view.agentToken());
  if (
    !remote || remote.node.ID !== node.ID || remote.node.Address !== node.Address ||
    !sameValue(remote.node.TaggedAddresses, node.TaggedAddresses) ||
    !sameValue(remote.node.Meta, node.Meta)
  ) {
    view.flags.nodeInfoInSync = false;
  }
  markServices(view, remote?.services ?? []);
  markChecks(view, remote?.checks ?? []);
  await syncChanges(view);
}

function markServices(view: SyncView, remoteServices: readonly NodeService[]): void {
  const remote = new Map(remoteServices.map((s) => [s.ID, s]));
  for (const [id, entry] of view.services) {
    if (!remote.has(id)) entry.inSync = false;
  }
  for (const [id, remoteService] of remote) {
    const entry = view.services.get(id);
    if (!entry) {
      if (id === CONSUL_SERVICE_ID) continue;
      view.services.set(id, {
        service: undefined,
        token: "",
        inSync: false,
        deleted: true,
        version: 1,
      });
      continue;
    }
    if (entry.deleted || !entry.service) continue;
    if (entry.service.EnableTagOverride) {
      // Tags may be edited in the catalog; the agent adopts them instead of fighting.
      entry.service = { ...entry.service, Tags: [...(remoteService.Tags ?? [])] };
    }
    entry.inSync = sameValue(entry.service, remoteService);
  }
}

function markChecks(view: SyncView, remoteChecks: readonly HealthCheck[]): void {
  const remote = new Map(remoteChecks.map((c) => [c.CheckID, c]));
  for (const [id, entry] of view.checks) {
    if (!remote.has(id)) entry.inSync = false;
  }
  for (const [id, remoteCheck] of remote) {
    const entry = view.checks.get(id);
    if (!entry) {
      if (id === SERF_CHECK_ID) continue;
      view.checks.set(id, {
        check: undefined,
        token: "",
        inSync: false,
        deleted: true,
        version: 1,
        criticalSinceMs: undefined,
        deferTimer: undefined,
        reapAfterMs: 0,
      });
      continue;
    }
    if (entry.deleted || !entry.check) continue;
    // While an output-only write-back is pending its timer will resync; compare the rest.
    const ignoreOutput = view.deferOutput && entry.deferTimer !== undefined;
    entry.inSync = sameCheck(entry.check, remoteCheck, ignoreOutput);
  }
}

/**
 * Pushes every deleted or out-of-sync service and check, then the node record if nothing
 * else carried it. Stops at the first failure (the next sync retries); writes refused for the
 * token are marked in sync so they are not retried before the next full sync, as in Consul.
 */
export async function syncChanges(view: SyncView): Promise<void> {
  const serviceWork = [...view.services].filter(([, e]) => e.deleted || !e.inSync);
  for (const [id, entry] of serviceWork) {
    if (view.services.get(id) !== entry) continue;
    if (entry.deleted) await deleteService(view, id, entry);
    else if (!entry.inSync) await pushService(view, id, entry);
  }
  const checkWork = [...view.checks].filter(([, e]) => e.deleted || !e.inSync);
  for (const [id, entry] of checkWork) {
    if (view.checks.get(id) !== entry) continue;
    if (entry.deleted) await deleteCheck(view, id, entry);
    else if (!entry.inSync) await pushCheck(view, id, entry);
  }
  if (!view.flags.nodeInfoInSync) {
    try {
      await view.catalog.registerNode(view.nodeInfo(), view.agentToken());
      view.log("info", "Synced node info");
    } catch (error) {
      if (!(error instanceof CatalogPermissionDeniedError)) throw error;
      view.log("warn", "Node info update blocked by ACLs");
    }
    view.flags.nodeInfoInSync = true;
  }
}

async function deleteService(view: SyncView, id: string, entry: ServiceEntry): Promise<void> {
  const node = view.nodeInfo().Node;
  try {
    await view.catalog.deregisterService(node, id, view.serviceToken(id));
  } catch (error) {
    if (!(error instanceof CatalogPermissionDeniedError)) throw error;
    entry.inSync = true;
    view.log("warn", "Service deregistration blocked by ACLs", { service: id });
    return;
  }
  if (view.services.get(id) === entry && entry.deleted) view.services.delete(id);
  view.log("info", "Deregistered service", { service: id });
}

async function pushService(view: SyncView, id: string, entry: ServiceEntry): Promise<void> {
  const service = entry.service!;
  const token = view.serviceToken(id);
  // Checks ride along when they share the service's token, so both land atomically.
  const riders: [string, CheckEntry, HealthCheck][] = [];
  for (const [checkId, c] of view.checks) {
    if (c.deleted || c.inSync || !c.check || c.check.ServiceID !== id) continue;
    if (view.checkToken(checkId) !== token) continue;
    riders.push([checkId, c, c.check]);
  }
  const version = entry.version;
  const riderVersions = riders.map(([, c]) => c.version);
  let denied = false;
  try {
    await view.catalog.registerService(view.nodeInfo(), service, riders.map((r) => r[2]), token);
  } catch (error) {
    if (!(error instanceof CatalogPermissionDeniedError)) throw error;
    denied = true;
    view.log("warn", "Service registration blocked by ACLs", { service: id });
  }
  // A change made while the write was in flight keeps the entry out of sync.
  entry.inSync = denied || entry.version === version;
  riders.forEach(([, c], i) => c.inSync = denied || c.version === riderVersions[i]);
  if (!denied) {
    view.flags.nodeInfoInSync = true;
    view.log("info", "Synced service", { service: id });
  }
}

async function deleteCheck(view: SyncView, id: string, entry: CheckEntry): Promise<void> {
  const node = view.nodeInfo().Node;
  try {
    await view.catalog.deregisterCheck(node, id, view.checkToken(id));
  } catch (error) {
    if (!(error instanceof CatalogPermissionDeniedError)) throw error;
    entry.inSync = true;
    view.log("warn", "Check deregistration blocked by ACLs", { check: id });
    return;
  }
  if (view.checks.get(id) === entry && entry.deleted) view.checks.delete(id);
  view.log("info", "Deregistered check", { check: id });
}

async function pushCheck(view: SyncView, id: string, entry: CheckEntry): Promise<void> {
  entry.deferTimer?.cancel();
  entry.deferTimer = undefined;
  const check = entry.check!;
  const serviceEntry = view.services.get(check.ServiceID);
  const service = serviceEntry && !serviceEntry.deleted ? serviceEntry.service : undefined;
  const version = entry.version;
  let denied = false;
  try {
    await view.catalog.registerCheck(view.nodeInfo(), check, service, view.checkToken(id));
  } catch (error) {
    if (!(error instanceof CatalogPermissionDeniedError)) throw error;
    denied = true;
    view.log("warn", "Check registration blocked by ACLs", { check: id });
  }
  entry.inSync = denied || entry.version === version;
  if (!denied) {
    view.flags.nodeInfoInSync = true;
    view.log("info", "Synced check", { check: id });
  }
}

const CHECK_FIELDS = [
  "Node",
  "CheckID",
  "Name",
  "Status",
  "Notes",
  "ServiceID",
  "ServiceName",
  "ServiceTags",
  "Type",
  "Interval",
  "Timeout",
] as const;

function sameCheck(local: HealthCheck, remote: HealthCheck, ignoreOutput: boolean): boolean {
  if (!ignoreOutput && (local.Output ?? "") !== (remote.Output ?? "")) return false;
  return CHECK_FIELDS.every((field) => sameValue(local[field], remote[field]));
}

/** Fields the catalog adds to what an agent sent; never a reason to resync. */
const CATALOG_ONLY_FIELDS = new Set(["CreateIndex", "ModifyIndex", "Definition"]);

/**
 * Deep equality that treats absent, null, "", 0, false, [] and {} alike, so defaults the
 * catalog fills in do not make a record look changed forever.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(strip(value)) ?? "null";
}

function strip(value: unknown): unknown {
  if (value === null || value === undefined || value === "" || value === 0 || value === false) {
    return undefined;
  }
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(strip);
  if (typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (CATALOG_ONLY_FIELDS.has(key)) continue;
    const v = strip((value as Record<string, unknown>)[key]);
    if (v !== undefined) out[key] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
