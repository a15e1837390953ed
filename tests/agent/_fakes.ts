/** Small fakes and helpers shared by the agent tests. */

import type { HealthCheck } from "../../src/agent/checks/health_check.ts";
import type { CheckNotifier, HealthStatus } from "../../src/agent/checks/status.ts";
import {
  CatalogPermissionDeniedError,
  type CatalogSync,
  type RemoteNodeState,
} from "../../src/agent/local/catalog_sync.ts";
import type { NodeInfo, NodeService } from "../../src/agent/local/types.ts";

/** One status report. */
export interface Report {
  readonly checkId: string;
  readonly status: HealthStatus;
  readonly output: string;
}

/** A notifier that records every report and lets tests await one. */
export class RecordingNotifier implements CheckNotifier {
  readonly reports: Report[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  updateCheck(checkId: string, status: HealthStatus, output: string): void {
    this.reports.push({ checkId, status, output });
    this.#waiters = this.#waiters.filter((w) => {
      if (this.reports.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** The latest report. */
  get last(): Report | undefined {
    return this.reports.at(-1);
  }

  /** Resolves once `count` reports exist; rejects after `timeoutMs` of real time. */
  waitForReports(count: number, timeoutMs = 5_000): Promise<void> {
    if (this.reports.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} reports, got ${this.reports.length}`)),
        timeoutMs,
      );
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** A catalog call as the fake saw it. */
export type CatalogCall =
  | { op: "readNode"; node: string }
  | { op: "registerNode"; node: NodeInfo; token: string }
  | { op: "registerService"; service: NodeService; checks: string[]; token: string }
  | { op: "registerCheck"; check: HealthCheck; serviceId: string | undefined; token: string }
  | { op: "deregisterService"; serviceId: string; token: string }
  | { op: "deregisterCheck"; checkId: string; token: string };

/** An in-memory catalog for one node that records every call. */
export class FakeCatalog implements CatalogSync {
  readonly calls: CatalogCall[] = [];
  node: RemoteNodeState["node"] | undefined;
  readonly services = new Map<string, NodeService>();
  readonly checks = new Map<string, HealthCheck>();
  /** When set, the next call rejects with it (then it is cleared). */
  failNext: Error | undefined;
  /** Tokens refused with "Permission denied". */
  readonly deniedTokens = new Set<string>();

  #gate(token: string): void {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    if (this.deniedTokens.has(token)) throw new CatalogPermissionDeniedError();
  }

  #upsertNode(node: NodeInfo): void {
    this.node = {
      ID: node.ID,
      Address: node.Address,
      TaggedAddresses: node.TaggedAddresses,
      Meta: node.Meta,
    };
  }

  readNode(node: string, token: string): Promise<RemoteNodeState | null> {
    this.calls.push({ op: "readNode", node });
    this.#gate(token);
    if (!this.node) return Promise.resolve(null);
    return Promise.resolve({
      node: this.node,
      services: [...this.services.values()],
      checks: [...this.checks.values()],
    });
  }

  registerNode(node: NodeInfo, token: string): Promise<void> {
    this.calls.push({ op: "registerNode", node, token });
    this.#gate(token);
    this.#upsertNode(node);
    return Promise.resolve();
  }

  registerService(
    node: NodeInfo,
    service: NodeService,
    checks: readonly HealthCheck[],
    token: string,
  ): Promise<void> {
    this.calls.push({
      op: "registerService",
      service,
      checks: checks.map((c) => c.CheckID),
      token,
    });
    this.#gate(token);
    this.#upsertNode(node);
    this.services.set(service.ID, service);
    for (const check of checks) this.checks.set(check.CheckID, check);
    return Promise.resolve();
  }

  registerCheck(
    node: NodeInfo,
    check: HealthCheck,
    service: NodeService | undefined,
    token: string,
  ): Promise<void> {
    this.calls.push({ op: "registerCheck", check, serviceId: service?.ID, token });
    this.#gate(token);
    this.#upsertNode(node);
    if (service) this.services.set(service.ID, service);
    this.checks.set(check.CheckID, check);
    return Promise.resolve();
  }

  deregisterService(_node: string, serviceId: string, token: string): Promise<void> {
    this.calls.push({ op: "deregisterService", serviceId, token });
    this.#gate(token);
    this.services.delete(serviceId);
    for (const [id, check] of this.checks) {
      if (check.ServiceID === serviceId) this.checks.delete(id);
    }
    return Promise.resolve();
  }

  deregisterCheck(_node: string, checkId: string, token: string): Promise<void> {
    this.calls.push({ op: "deregisterCheck", checkId, token });
    this.#gate(token);
    this.checks.delete(checkId);
    return Promise.resolve();
  }

  /** The calls made since `from`, as "op:id" strings, for compact assertions. */
  summary(from = 0): string[] {
    return this.calls.slice(from).map((call) => {
      switch (call.op) {
        case "readNode":
          return "readNode";
        case "registerNode":
          return "registerNode";
        case "registerService":
          return `registerService:${call.service.ID}[${call.checks.join(",")}]`;
        case "registerCheck":
          return `registerCheck:${call.check.CheckID}`;
        case "deregisterService":
          return `deregisterService:${call.serviceId}`;
        case "deregisterCheck":
          return `deregisterCheck:${call.checkId}`;
      }
    });
  }
}
