/**
 * Catalog reads (`/v1/catalog/...`): nodes, services with merged tags, instances of a
 * service with tag and node-meta filters, and one node's services. Each answers the index
 * Consul would, and registers what it read in an optional watch set.
 *
 * @module
 */

import { fold, nodeWatch, serviceWatch } from "./_catalog_tables.ts";
import { compareKeys } from "./_sorted_keys.ts";
import type { Tables } from "./_tables.ts";
import { SERVICE_EXTINCTION_INDEX, serviceIndexName } from "./indexes.ts";
import type { Indexed, NodeRow, ServiceInstance, ServiceRow } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

/** Filters shared by catalog and health reads. */
export interface InstanceFilter {
  /** Every tag must be present on the instance (case-insensitive), as `?tag=` repeated. */
  readonly tags?: readonly string[];
  /** Every pair must be in the node's Meta, as `?node-meta=k:v` repeated. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
}

/** True when the node's Meta holds every pair of `filter`. */
export function nodeMetaMatches(
  node: NodeRow,
  filter: Readonly<Record<string, string>> | undefined,
): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([key, value]) => node.Meta[key] === value);
}

function tagsMatch(service: ServiceRow, tags: readonly string[] | undefined): boolean {
  if (tags === undefined) return true;
  const have = new Set(service.Tags.map(fold));
  return tags.every((tag) => have.has(fold(tag)));
}

/**
 * The index of a service name, as Consul's `maxIndexForService`: its own index while it has
 * instances; once gone, the last extinction index; else the catalog tables' max.
 */
export function serviceIndex(t: Tables, service: string, withChecks: boolean): number {
  if (t.services.hasName(service)) {
    const index = t.indexes.get(serviceIndexName(service));
    if (index > 0) return index;
  } else {
    const extinct = t.indexes.get(SERVICE_EXTINCTION_INDEX);
    if (extinct > 0) return extinct;
  }
  return withChecks
    ? t.indexes.max("nodes", "services", "checks")
    : t.indexes.max("nodes", "services");
}

/** True when `filter` keeps everything, so the read may be memoized. */
export function isUnfiltered(filter: InstanceFilter): boolean {
  return (filter.tags === undefined || filter.tags.length === 0) &&
    filter.nodeMeta === undefined;
}

/** Instances of `service` joined with their nodes, filtered, ordered by node then ID. */
export function serviceInstances(
  t: Tables,
  service: string,
  filter: InstanceFilter,
): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  const tags = filter.tags !== undefined && filter.tags.length > 0 ? filter.tags : undefined;
  for (const row of t.services.ofName(service)) {
    const node = t.nodes.get(row.Node)!;
    if (!tagsMatch(row, tags) || !nodeMetaMatches(node, filter.nodeMeta)) continue;
    out.push(Object.freeze({ Node: node, Service: row }));
  }
  return out;
}

/** Memo key of a per-service read: `kind` names the read, the name is folded. */
export function serviceMemoKey(kind: string, service: string): string {
  return `${kind}\u0000${fold(service)}`;
}

/** One node and its service instances (`/v1/catalog/node/:node`). */
export interface NodeServices {
  readonly Node: NodeRow;
  readonly Services: readonly ServiceRow[];
}

/** Reads of the catalog tables. */
export class CatalogReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  /** Every node, ordered by name (`/v1/catalog/nodes`). */
  nodes(filter: InstanceFilter = {}, ws?: WatchSet): Indexed<readonly NodeRow[]> {
    ws?.addEncoded("t:nodes");
    const all = this.#t.nodes.all();
    const nodes = filter.nodeMeta === undefined
      ? all
      : all.filter((node) => nodeMetaMatches(node, filter.nodeMeta));
    return { index: this.#t.indexes.get("nodes"), value: nodes };
  }

  /** One node, or null (used by `/v1/catalog/node/:node` and the agent). */
  node(name: string, ws?: WatchSet): Indexed<NodeRow | null> {
    ws?.addEncoded(nodeWatch(name));
    return { index: this.#t.indexes.get("nodes"), value: this.#t.nodes.get(name) ?? null };
  }

  /**
   * Service names with the union of their instances' tags, names and tags sorted
   * (`/v1/catalog/services`). Node-meta filters keep instances on matching nodes. Without a
   * filter the answer is memoized (and frozen) until the services table changes.
   */
  services(
    filter: InstanceFilter = {},
    ws?: WatchSet,
  ): Indexed<Readonly<Record<string, readonly string[]>>> {
    ws?.addEncoded("t:services");
    if (filter.nodeMeta !== undefined) ws?.addEncoded("t:nodes");
    const index = this.#t.indexes.max("nodes", "services");
    if (filter.nodeMeta !== undefined) return { index, value: this.#serviceTags(filter.nodeMeta) };
    const value = this.#t.memo.remember(
      "catalog.services",
      ["t:services"],
      () => this.#serviceTags(undefined),
    );
    return { index, value };
  }

  #serviceTags(nodeMeta: InstanceFilter["nodeMeta"]): Readonly<Record<string, string[]>> {
    const tags = new Map<string, Set<string>>();
    for (const row of this.#t.services.all()) {
      if (nodeMeta !== undefined && !nodeMetaMatches(this.#t.nodes.get(row.Node)!, nodeMeta)) {
        continue;
      }
      let set = tags.get(row.Service);
      if (set === undefined) tags.set(row.Service, set = new Set());
      for (const tag of row.Tags) set.add(tag);
    }
    const value: Record<string, string[]> = {};
    for (const name of [...tags.keys()].sort(compareKeys)) {
      value[name] = Object.freeze([...tags.get(name)!].sort(compareKeys)) as string[];
    }
    return Object.freeze(value);
  }

  /** Instances of one service with their nodes (`/v1/catalog/service/:service`). */
  serviceNodes(
    service: string,
    filter: InstanceFilter = {},
    ws?: WatchSet,
  ): Indexed<readonly ServiceInstance[]> {
    const watch = serviceWatch(service);
    ws?.addEncoded(watch);
    const index = serviceIndex(this.#t, service, false);
    if (!isUnfiltered(filter)) return { index, value: serviceInstances(this.#t, service, filter) };
    const value = this.#t.memo.remember(
      serviceMemoKey("catalog.service", service),
      [watch],
      () => Object.freeze(serviceInstances(this.#t, service, filter)),
    );
    return { index, value };
  }

  /** One node with its services, or null (`/v1/catalog/node/:node`). */
  nodeServices(name: string, ws?: WatchSet): Indexed<NodeServices | null> {
    ws?.addEncoded(nodeWatch(name));
    const node = this.#t.nodes.get(name);
    const index = this.#t.indexes.max("nodes", "services");
    if (node === undefined) return { index, value: null };
    return { index, value: { Node: node, Services: this.#t.services.ofNode(name) } };
  }
}
