/**
 * Conversions from state-store rows to the reply shapes of Consul's structs.
 *
 * @module
 */

import type { KvRow, ServiceInstance, ServiceRow } from "../state/mod.ts";
import type { KvDirEntry, NodeServiceRow, ServiceNode } from "./types.ts";

/**
 * `rows.map(shape)`. A frozen `rows` (a memoized store read) is shaped once, and the same
 * frozen list is handed out while `rows` lives, so that its rendered JSON is reused too.
 */
export function shapeList<S, R extends object>(
  cache: WeakMap<readonly S[], readonly R[]>,
  rows: readonly S[],
  shape: (row: S) => R,
): readonly R[] {
  if (!Object.isFrozen(rows)) return rows.map(shape);
  let shaped = cache.get(rows);
  if (shaped === undefined) {
    shaped = Object.freeze(rows.map((row) => Object.freeze(shape(row))));
    cache.set(rows, shaped);
  }
  return shaped;
}

/** A service row without its node name (`structs.NodeService`). */
export function toNodeService(row: ServiceRow): NodeServiceRow {
  return {
    Kind: row.Kind,
    ID: row.ID,
    Service: row.Service,
    Tags: row.Tags,
    Address: row.Address,
    TaggedAddresses: row.TaggedAddresses,
    Meta: row.Meta,
    Port: row.Port,
    Weights: row.Weights,
    EnableTagOverride: row.EnableTagOverride,
    Proxy: row.Proxy,
    Connect: row.Connect,
    CreateIndex: row.CreateIndex,
    ModifyIndex: row.ModifyIndex,
  };
}

/** An instance flattened with its node (`structs.ServiceNode`). */
export function toServiceNode({ Node: node, Service: service }: ServiceInstance): ServiceNode {
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
    ServiceKind: service.Kind,
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: service.Tags,
    ServiceAddress: service.Address,
    ServiceTaggedAddresses: service.TaggedAddresses,
    ServiceWeights: service.Weights,
    ServiceMeta: service.Meta,
    ServicePort: service.Port,
    ServiceEnableTagOverride: service.EnableTagOverride,
    ServiceProxy: service.Proxy,
    ServiceConnect: service.Connect,
    CreateIndex: service.CreateIndex,
    ModifyIndex: service.ModifyIndex,
  };
}

/** A KV row as a `structs.DirEntry`. */
export function toDirEntry(row: KvRow): KvDirEntry {
  return {
    Key: row.Key,
    Flags: row.Flags,
    Value: row.Value,
    Session: row.Session,
    LockIndex: row.LockIndex,
    CreateIndex: row.CreateIndex,
    ModifyIndex: row.ModifyIndex,
  };
}

/** Top-level fields of each reply row type, for validating filter selectors. */
export const FILTER_FIELDS = {
  node: ["ID", "Node", "Address", "Datacenter", "TaggedAddresses", "Meta"],
  serviceNode: [
    "ID",
    "Node",
    "Address",
    "Datacenter",
    "TaggedAddresses",
    "NodeMeta",
    "ServiceKind",
    "ServiceID",
    "ServiceName",
    "ServiceTags",
    "ServiceAddress",
    "ServiceTaggedAddresses",
    "ServiceWeights",
    "ServiceMeta",
    "ServicePort",
    "ServiceEnableTagOverride",
    "ServiceProxy",
    "ServiceConnect",
  ],
  nodeService: [
    "Kind",
    "ID",
    "Service",
    "Tags",
    "Address",
    "TaggedAddresses",
    "Meta",
    "Port",
    "Weights",
    "EnableTagOverride",
    "Proxy",
    "Connect",
  ],
  check: [
    "Node",
    "CheckID",
    "Name",
    "Status",
    "Notes",
    "Output",
    "ServiceID",
    "ServiceName",
    "ServiceTags",
    "Type",
    "Interval",
    "Timeout",
  ],
  checkServiceNode: ["Node", "Service", "Checks"],
  session: ["ID", "Name", "Node", "LockDelay", "Behavior", "TTL", "NodeChecks", "ServiceChecks"],
  coordinate: ["Node", "Segment", "Coord"],
} as const;
