/**
 * Health reads (`/v1/health/...`): a node's checks, a service's checks, checks in a state,
 * and CheckServiceNodes (instances with node and checks) with a passing-only filter.
 *
 * @module
 */

import { fold, nodeWatch, serviceWatch } from "./_catalog_tables.ts";
import { compareKeys } from "./_sorted_keys.ts";
import type { Tables } from "./_tables.ts";
import {
  type InstanceFilter,
  isUnfiltered,
  nodeMetaMatches,
  serviceIndex,
  serviceInstances,
  serviceMemoKey,
} from "./catalog_read.ts";
import type { CheckRow, CheckServiceNode, HealthStatus, Indexed } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

/** Options of a health service query. */
export interface HealthServiceFilter extends InstanceFilter {
  /** Keep only instances whose every check is passing (`?passing`). */
  readonly passingOnly?: boolean;
}

/** Reads of checks and service health. */
export class HealthReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  /** Checks of one node, ordered by CheckID (`/v1/health/node/:node`). */
  nodeChecks(node: string, ws?: WatchSet): Indexed<readonly CheckRow[]> {
    ws?.addEncoded(nodeWatch(node));
    return { index: this.#t.indexes.get("checks"), value: this.#t.checks.ofNode(node) };
  }

  /** Checks of every instance of a service (`/v1/health/checks/:service`). */
  serviceChecks(service: string, filter: InstanceFilter = {}, ws?: WatchSet): Indexed<CheckRow[]> {
    ws?.addEncoded(serviceWatch(service));
    const value: CheckRow[] = [];
    for (const instance of serviceInstances(this.#t, service, { nodeMeta: filter.nodeMeta })) {
      value.push(...this.#t.checks.ofInstance(instance.Node.Node, instance.Service.ID));
    }
    return { index: this.#t.indexes.get("checks"), value };
  }

  /** Checks in a state, or every check for "any" (`/v1/health/state/:state`). */
  checksInState(
    state: HealthStatus | "any",
    filter: InstanceFilter = {},
    ws?: WatchSet,
  ): Indexed<readonly CheckRow[]> {
    ws?.addEncoded("t:checks");
    if (filter.nodeMeta !== undefined) ws?.addEncoded("t:nodes");
    const all = this.#t.checks.all();
    const value = state === "any" && filter.nodeMeta === undefined
      ? all
      : all.filter((check) =>
        (state === "any" || check.Status === state) &&
        nodeMetaMatches(this.#t.nodes.get(check.Node)!, filter.nodeMeta)
      );
    return { index: this.#t.indexes.get("checks"), value };
  }

  /**
   * Every instance of a service kind (e.g. "mesh-gateway") with node and checks, ordered by
   * node then service ID: Consul's `ServiceDump` by kind, which federation anti-entropy and
   * the gateway read.
   */
  serviceNodesByKind(kind: string, ws?: WatchSet): Indexed<CheckServiceNode[]> {
    for (const table of ["t:nodes", "t:services", "t:checks"]) ws?.addEncoded(table);
    const value: CheckServiceNode[] = [];
    for (const service of this.#t.services.all()) {
      if (service.Kind !== kind) continue;
      const node = this.#t.nodes.get(service.Node)!;
      value.push({ Node: node, Service: service, Checks: this.#checksOf(node.Node, service.ID) });
    }
    return { index: this.#t.indexes.max("nodes", "services", "checks"), value };
  }

  /** Node-level checks merged with the instance's own, ordered by CheckID. */
  #checksOf(node: string, serviceId: string): readonly CheckRow[] {
    const nodeLevel = this.#t.checks.ofInstance(node, "");
    const own = this.#t.checks.ofInstance(node, serviceId);
    if (nodeLevel.length === 0) return own;
    if (own.length === 0) return nodeLevel;
    const merged: CheckRow[] = [];
    let a = 0;
    let b = 0;
    while (a < nodeLevel.length && b < own.length) {
      const order = compareKeys(fold(nodeLevel[a].CheckID), fold(own[b].CheckID));
      merged.push(order < 0 ? nodeLevel[a++] : own[b++]);
    }
    merged.push(...nodeLevel.slice(a), ...own.slice(b));
    return Object.freeze(merged);
  }

  /**
   * Instances of a service with their node and checks (node-level checks plus the
   * instance's own), ordered by node then service ID (`/v1/health/service/:service`).
   * Without tag or node-meta filters the answer is memoized (and frozen) until something
   * under the service's watch key changes.
   */
  serviceNodes(
    service: string,
    filter: HealthServiceFilter = {},
    ws?: WatchSet,
  ): Indexed<readonly CheckServiceNode[]> {
    const watch = serviceWatch(service);
    ws?.addEncoded(watch);
    const index = serviceIndex(this.#t, service, true);
    if (!isUnfiltered(filter)) return { index, value: this.#checkServiceNodes(service, filter) };
    const kind = filter.passingOnly ? "health.service.passing" : "health.service";
    const value = this.#t.memo.remember(
      serviceMemoKey(kind, service),
      [watch],
      () => Object.freeze(this.#checkServiceNodes(service, filter)),
    );
    return { index, value };
  }

  #checkServiceNodes(service: string, filter: HealthServiceFilter): CheckServiceNode[] {
    const value: CheckServiceNode[] = [];
    for (const instance of serviceInstances(this.#t, service, filter)) {
      const checks = this.#checksOf(instance.Node.Node, instance.Service.ID);
      if (filter.passingOnly && checks.some((check) => check.Status !== "passing")) continue;
      value.push(Object.freeze({ Node: instance.Node, Service: instance.Service, Checks: checks }));
    }
    return value;
  }
}
