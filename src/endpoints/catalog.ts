/**
 * The `Catalog.*` endpoints (Consul's `agent/consul/catalog_endpoint.go`): registration and
 * deregistration with Consul's argument checks, and the node and service reads.
 *
 * @module
 */

import type { CheckInput, ServiceInput } from "../state/mod.ts";
import {
  type Args,
  argsOf,
  optBool,
  optObj,
  optStr,
  optStrList,
  optStrMap,
  requireStr,
} from "./_args.ts";
import { runQuery } from "./_query.ts";
import { FILTER_FIELDS, shapeList, toNodeService, toServiceNode } from "./_shapes.ts";
import { applyOrThrow, type EndpointDeps, type EndpointHandler } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { filterRows } from "./filter.ts";
import type { ServiceInstance } from "../state/mod.ts";
import type {
  IndexedNodes,
  IndexedNodeServices,
  IndexedServiceNodes,
  IndexedServices,
  NodeServiceRow,
  ServiceNode,
} from "./types.ts";

/** `ServiceNode` lists shaped from memoized store reads. */
const SERVICE_NODES = new WeakMap<readonly ServiceInstance[], readonly ServiceNode[]>();

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The service of a registration, checked as Consul's `servicePreApply` does. */
function serviceOf(args: Args): ServiceInput | undefined {
  const service = optObj(args, "Service");
  if (service === undefined) return undefined;
  const id = optStr(service, "ID");
  const name = optStr(service, "Service");
  if (name === "") {
    badRequest(id === "" ? "Must provide service name" : "Must provide service name with ID");
  }
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = service;
  return { ...rest, ID: id || name, Service: name } as ServiceInput;
}

/** The checks of a registration: `Check` merged into `Checks`, IDs defaulted from names. */
function checksOf(args: Args, node: string): CheckInput[] {
  const single = optObj(args, "Check");
  const list = args.Checks === undefined || args.Checks === null ? [] : args.Checks;
  if (!Array.isArray(list)) badRequest("Invalid argument: Checks must be a list");
  const all = single === undefined ? [...list] : [...list, single];
  return all.map((raw) => {
    const check = argsOf(raw, "Check");
    const checkId = optStr(check, "CheckID") || optStr(check, "Name");
    if (checkId === "") badRequest("Must provide check ID or name");
    return { ...check, CheckID: checkId, Node: optStr(check, "Node") || node } as CheckInput;
  });
}

function register(deps: EndpointDeps): EndpointHandler {
  return async (body) => {
    const args = argsOf(body, "RegisterRequest");
    const node = requireStr(args, "Node", "Must provide node");
    const address = optStr(args, "Address");
    const skipNodeUpdate = optBool(args, "SkipNodeUpdate");
    if (address === "" && !skipNodeUpdate) {
      badRequest("Must provide address if SkipNodeUpdate is not set");
    }
    const id = optStr(args, "ID");
    if (id !== "" && !UUID_PATTERN.test(id)) {
      badRequest(`Bad node ID: ${JSON.stringify(id)} is not a UUID`);
    }
    const service = serviceOf(args);
    await applyOrThrow(deps, {
      type: "catalog.register",
      nowMs: deps.clock.now(),
      node: {
        ID: id,
        Node: node,
        Address: address,
        Datacenter: deps.datacenter,
        TaggedAddresses: optStrMap(args, "TaggedAddresses") ?? {},
        Meta: optStrMap(args, "NodeMeta") ?? {},
      },
      ...(service === undefined ? {} : { service }),
      checks: checksOf(args, node),
      skipNodeUpdate,
    });
    return null;
  };
}

function deregister(deps: EndpointDeps): EndpointHandler {
  return async (body) => {
    const args = argsOf(body, "DeregisterRequest");
    const node = requireStr(args, "Node", "Must provide node");
    const serviceId = optStr(args, "ServiceID");
    const checkId = optStr(args, "CheckID");
    await applyOrThrow(deps, {
      type: "catalog.deregister",
      nowMs: deps.clock.now(),
      node,
      ...(serviceId === "" ? {} : { serviceId }),
      ...(checkId === "" ? {} : { checkId }),
    });
    return null;
  };
}

function listNodes(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "DCSpecificRequest");
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.node);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.catalog.nodes({ nodeMeta }, ws),
      (nodes, meta): IndexedNodes => ({ Nodes: keep(nodes), ...meta }),
    );
  };
}

function listServices(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "DCSpecificRequest");
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const filter = optStr(args, "Filter");
    const keep = filterRows(filter, FILTER_FIELDS.serviceNode);
    return runQuery(
      deps,
      args,
      context,
      (ws) => {
        const read = deps.store.catalog.services({ nodeMeta }, ws);
        if (filter === "") return read;
        // Consul filters instances, then merges tags of the ones left. Node changes matter
        // too, since the filter may select node fields.
        ws?.add({ table: "nodes" });
        const merged: Record<string, string[]> = {};
        for (const name of Object.keys(read.value)) {
          const instances = deps.store.catalog.serviceNodes(name, { nodeMeta }).value;
          const kept = keep(instances.map(toServiceNode));
          if (kept.length === 0) continue;
          merged[name] = [...new Set(kept.flatMap((row) => row.ServiceTags))].sort();
        }
        return { index: read.index, value: merged };
      },
      (services, meta): IndexedServices => ({ Services: services, ...meta }),
    );
  };
}

function serviceNodes(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "ServiceSpecificRequest");
    const name = requireStr(args, "ServiceName", "Must provide service name");
    const tags = optBool(args, "TagFilter") ? optStrList(args, "ServiceTags") : [];
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const filter = optStr(args, "Filter");
    const keep = filterRows(filter, FILTER_FIELDS.serviceNode);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.catalog.serviceNodes(name, { tags, nodeMeta }, ws),
      (instances, meta): IndexedServiceNodes => {
        const shaped = shapeList(SERVICE_NODES, instances, toServiceNode);
        return { ServiceNodes: filter === "" ? shaped : keep(shaped), ...meta };
      },
    );
  };
}

function nodeServices(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "NodeSpecificRequest");
    const node = requireStr(args, "Node", "Must provide node");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.nodeService);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.catalog.nodeServices(node, ws),
      (found, meta): IndexedNodeServices => {
        if (found === null) return { NodeServices: null, ...meta };
        const services: Record<string, NodeServiceRow> = {};
        for (const row of keep(found.Services.map(toNodeService))) services[row.ID] = row;
        return { NodeServices: { Node: found.Node, Services: services }, ...meta };
      },
    );
  };
}

/** The `Catalog.*` handlers by method name. */
export function catalogEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    "Catalog.Register": register(deps),
    "Catalog.Deregister": deregister(deps),
    "Catalog.ListDatacenters": () => Promise.resolve(deps.datacenters?.() ?? [deps.datacenter]),
    "Catalog.ListNodes": listNodes(deps),
    "Catalog.ListServices": listServices(deps),
    "Catalog.ServiceNodes": serviceNodes(deps),
    "Catalog.NodeServices": nodeServices(deps),
  };
}
