/**
 * Catalog tables (nodes, services, checks) with their secondary indexes. Every write is
 * journaled, bumps the table index and marks the watch keys it changes. Lists come out of
 * {@linkcode SortedRows} already ordered and frozen, so reads share them instead of sorting;
 * callers must not hold a list across a write and expect it to change.
 *
 * @module
 */

import { GroupedRows, SortedRows } from "./_sorted_rows.ts";
import type { TxContext } from "./_tx.ts";
import type { IndexTable } from "./indexes.ts";
import type { CheckRow, NodeRow, ServiceRow } from "./rows.ts";

/** Lowercases a name for case-insensitive lookup, as Consul's memdb indexes do. */
export function fold(name: string): string {
  return name.toLowerCase();
}

/** Watch key of a node's data. */
export function nodeWatch(node: string): string {
  return `n:${fold(node)}`;
}

/** Watch key of a service name's data. */
export function serviceWatch(service: string): string {
  return `s:${fold(service)}`;
}

/** Nodes by name (case-insensitive) and by ID. */
export class NodeTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #byName = new SortedRows<NodeRow>();
  readonly #byId = new Map<string, string>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** The node named `name`, case-insensitively. */
  get(name: string): NodeRow | undefined {
    return this.#byName.get(fold(name));
  }

  /** The node with this ID, case-insensitively. */
  getById(id: string): NodeRow | undefined {
    const name = this.#byId.get(fold(id));
    return name === undefined ? undefined : this.#byName.get(name);
  }

  /** Every node, ordered by lowercased name. */
  all(): readonly NodeRow[] {
    return this.#byName.values();
  }

  /** Inserts or replaces a node. */
  put(row: NodeRow): void {
    this.#write(row.Node, row);
  }

  /** Deletes a node row only (callers delete its services, checks and sessions first). */
  remove(name: string): void {
    if (this.get(name) !== undefined) this.#write(name, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: NodeRow): void {
    this.#raw(fold(row.Node), row);
  }

  #write(name: string, row: NodeRow | undefined): void {
    const key = fold(name);
    const previous = this.#byName.get(key);
    this.#tx.record(() => this.#raw(key, previous));
    this.#raw(key, row);
    this.#indexes.bump("nodes");
    this.#tx.touch("t:nodes");
    this.#tx.touch(nodeWatch(name));
  }

  #raw(key: string, row: NodeRow | undefined): void {
    const previous = this.#byName.get(key);
    if (previous !== undefined && previous.ID !== "") this.#byId.delete(fold(previous.ID));
    if (row === undefined) {
      this.#byName.delete(key);
      return;
    }
    this.#byName.set(key, row);
    if (row.ID !== "") this.#byId.set(fold(row.ID), key);
  }
}

/** Service instances by node and by service name. */
export class ServiceTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #byNode = new GroupedRows<ServiceRow>();
  /** Keyed by service name, then `<node>\0<id>` so that rows order by node then ID. */
  readonly #byName = new GroupedRows<ServiceRow>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** One instance by node and instance ID, case-insensitively. */
  get(node: string, id: string): ServiceRow | undefined {
    return this.#byNode.get(fold(node), fold(id));
  }

  /** Instances on one node, ordered by ID. */
  ofNode(node: string): readonly ServiceRow[] {
    return this.#byNode.of(fold(node));
  }

  /** Instances of one service name, ordered by node then ID. */
  ofName(service: string): readonly ServiceRow[] {
    return this.#byName.of(fold(service));
  }

  /** True when at least one instance of `service` exists. */
  hasName(service: string): boolean {
    return this.#byName.has(fold(service));
  }

  /** Every instance, ordered by node then ID. */
  all(): readonly ServiceRow[] {
    return this.#byNode.all();
  }

  /** Inserts or replaces an instance. */
  put(row: ServiceRow): void {
    this.#write(row.Node, row.ID, row);
  }

  /** Deletes an instance row only (callers handle its checks). */
  remove(node: string, id: string): void {
    if (this.get(node, id) !== undefined) this.#write(node, id, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: ServiceRow): void {
    this.#raw(fold(row.Node), fold(row.ID), row);
  }

  #write(node: string, id: string, row: ServiceRow | undefined): void {
    const nodeKey = fold(node);
    const idKey = fold(id);
    const previous = this.#byNode.get(nodeKey, idKey);
    this.#tx.record(() => this.#raw(nodeKey, idKey, previous));
    this.#raw(nodeKey, idKey, row);
    this.#indexes.bump("services");
    this.#tx.touch("t:services");
    this.#tx.touch(nodeWatch(node));
    if (previous !== undefined) this.#tx.touch(serviceWatch(previous.Service));
    if (row !== undefined) this.#tx.touch(serviceWatch(row.Service));
  }

  #raw(nodeKey: string, idKey: string, row: ServiceRow | undefined): void {
    const previous = this.#byNode.get(nodeKey, idKey);
    const nameKey = `${nodeKey}\u0000${idKey}`;
    if (previous !== undefined) this.#byName.put(fold(previous.Service), nameKey, undefined);
    this.#byNode.put(nodeKey, idKey, row);
    if (row !== undefined) this.#byName.put(fold(row.Service), nameKey, row);
  }
}

/** Group key of the checks of one service instance ("" service ID: node-level checks). */
function instanceKey(nodeKey: string, serviceId: string): string {
  return `${nodeKey}\u0000${fold(serviceId)}`;
}

/** Health checks by node, and by node and service ID. */
export class CheckTable {
  readonly #tx: TxContext;
  readonly #indexes: IndexTable;
  readonly #byNode = new GroupedRows<CheckRow>();
  readonly #byInstance = new GroupedRows<CheckRow>();

  /** Creates an empty table writing through `tx`. */
  constructor(tx: TxContext, indexes: IndexTable) {
    this.#tx = tx;
    this.#indexes = indexes;
  }

  /** One check by node and check ID, case-insensitively. */
  get(node: string, checkId: string): CheckRow | undefined {
    return this.#byNode.get(fold(node), fold(checkId));
  }

  /** Checks of one node (node-level and service-level), ordered by CheckID. */
  ofNode(node: string): readonly CheckRow[] {
    return this.#byNode.of(fold(node));
  }

  /**
   * Checks of one service instance, ordered by CheckID; `serviceId` "" gives the node-level
   * checks (those bound to no service).
   */
  ofInstance(node: string, serviceId: string): readonly CheckRow[] {
    return this.#byInstance.of(instanceKey(fold(node), serviceId));
  }

  /** Every check, ordered by node then CheckID. */
  all(): readonly CheckRow[] {
    return this.#byNode.all();
  }

  /** Inserts or replaces a check. */
  put(row: CheckRow): void {
    this.#write(row.Node, row.CheckID, row);
  }

  /** Deletes a check row only (callers invalidate dependent sessions). */
  remove(node: string, checkId: string): void {
    if (this.get(node, checkId) !== undefined) this.#write(node, checkId, undefined);
  }

  /** Inserts without journaling; for restore only. */
  load(row: CheckRow): void {
    this.#raw(fold(row.Node), fold(row.CheckID), row);
  }

  #write(node: string, checkId: string, row: CheckRow | undefined): void {
    const nodeKey = fold(node);
    const idKey = fold(checkId);
    const previous = this.#byNode.get(nodeKey, idKey);
    this.#tx.record(() => this.#raw(nodeKey, idKey, previous));
    this.#raw(nodeKey, idKey, row);
    this.#indexes.bump("checks");
    this.#tx.touch("t:checks");
    this.#tx.touch(nodeWatch(node));
  }

  #raw(nodeKey: string, idKey: string, row: CheckRow | undefined): void {
    const previous = this.#byNode.get(nodeKey, idKey);
    if (previous !== undefined) {
      this.#byInstance.put(instanceKey(nodeKey, previous.ServiceID), idKey, undefined);
    }
    this.#byNode.put(nodeKey, idKey, row);
    if (row !== undefined) this.#byInstance.put(instanceKey(nodeKey, row.ServiceID), idKey, row);
  }
}
