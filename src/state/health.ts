/**
 * Health reads (`/v1/health/...`): a node's checks, a service's checks, checks in a state,
 * and CheckServiceNodes (instances with node and checks) with a passing-only filter.
 *
 * @module
 */

import { fold, nodeWatch, serviceWatch } from "./_catalog_tables.ts";
import type { Tables } from "./_tables.ts";
import {
  type InstanceFilter,
  nodeMetaMatches,
  serviceIndex,
  serviceInstances,
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
  nodeChecks(node: string, ws?: WatchSet): Indexed<CheckRow[]> {
    ws?.addEncoded(nodeWatch(node));
    return { index: this.#t.indexes.get("checks"), value: this.#t.checks.ofNode(node) };
  }

  /** Checks of every instance of a service (`/v1/health/checks/:service`). */
  serviceChecks(service: string, filter: InstanceFilter = {}, ws?: WatchSet): Indexed<CheckRow[]> {
    ws?.addEncoded(serviceWatch(service));
    const value: CheckRow[] = [];
    for (const instance of serviceInstances(this.#t, service, { nodeMeta: filter.nodeMeta })) {
      for (const check of this.#t.checks.ofNode(instance.Node.Node)) {
        if (fold(check.ServiceID) === fold(instance.Service.ID)) value.push(check);
      }
    }
    return { index: this.#t.indexes.get("checks"), value };
  }

  /** Checks in a state, or every check for "any" (`/v1/health/state/:state`). */
  checksInState(
    state: HealthStatus | "any",
    filter: InstanceFilter = {},
    ws?: WatchSet,
  ): Indexed<CheckRow[]> {
    ws?.addEncoded("t:checks");
    if (filter.nodeMeta !== undefined) ws?.addEncoded("t:nodes");
    const value = this.#t.checks.all().filter((check) =>
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

  #checksOf(node: string, serviceId: string): CheckRow[] {
    return this.#t.checks.ofNode(node).filter((check) =>
      check.ServiceID === "" || fold(check.ServiceID) === fold(serviceId)
    );
  }

  /**
   * Instances of a service with their node and checks (node-level checks plus the
   * instance's own), ordered by node then service ID (`/v1/health/service/:service`).
   */
  serviceNodes(
    service: string,
    filter: HealthServiceFilter = {},
    ws?: WatchSet,
  ): Indexed<CheckServiceNode[]> {
    ws?.addEncoded(serviceWatch(service));
    const value: CheckServiceNode[] = [];
    for (const instance of serviceInstances(this.#t, service, filter)) {
      const checks = this.#checksOf(instance.Node.Node, instance.Service.ID);
      if (filter.passingOnly && checks.some((check) => check.Status !== "passing")) continue;
      value.push({ Node: instance.Node, Service: instance.Service, Checks: checks });
    }
    return { index: serviceIndex(this.#t, service, true), value };
  }
}
