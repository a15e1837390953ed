/**
 * The `Health.*` endpoints (Consul's `agent/consul/health_endpoint.go`): checks by node, by
 * service and by state, and service instances with their node and checks.
 *
 * @module
 */

import type { CheckServiceNode as StateCheckServiceNode, HealthStatus } from "../state/mod.ts";
import { argsOf, optBool, optStr, optStrList, optStrMap, requireStr } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { FILTER_FIELDS, shapeList, toNodeService } from "./_shapes.ts";
import type { EndpointDeps, EndpointHandler } from "./deps.ts";
import { badRequest } from "./errors.ts";
import { filterRows } from "./filter.ts";
import type { CheckServiceNode, IndexedCheckServiceNodes, IndexedHealthChecks } from "./types.ts";

/** Reply lists shaped from memoized store reads. */
const CHECK_SERVICE_NODES = new WeakMap<
  readonly StateCheckServiceNode[],
  readonly CheckServiceNode[]
>();

/** A store row with its service as a `structs.NodeService`. */
function toCheckServiceNode(instance: StateCheckServiceNode): CheckServiceNode {
  return {
    Node: instance.Node,
    Service: toNodeService(instance.Service),
    Checks: instance.Checks,
  };
}

const CHECK_STATES: readonly (HealthStatus | "any")[] = ["any", "passing", "warning", "critical"];

function nodeChecks(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "NodeSpecificRequest");
    const node = requireStr(args, "Node", "Must provide node");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.check);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.health.nodeChecks(node, ws),
      (checks, meta): IndexedHealthChecks => ({ HealthChecks: keep(checks), ...meta }),
    );
  };
}

function serviceChecks(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "ServiceSpecificRequest");
    const name = requireStr(args, "ServiceName", "Must provide service name");
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.check);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.health.serviceChecks(name, { nodeMeta }, ws),
      (checks, meta): IndexedHealthChecks => ({ HealthChecks: keep(checks), ...meta }),
    );
  };
}

function checksInState(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "ChecksInStateRequest");
    const state = optStr(args, "State") as HealthStatus | "any";
    if (!CHECK_STATES.includes(state)) {
      badRequest(
        `Invalid check state ${JSON.stringify(state)}; use any, passing, warning or critical`,
      );
    }
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.check);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.health.checksInState(state, { nodeMeta }, ws),
      (checks, meta): IndexedHealthChecks => ({ HealthChecks: keep(checks), ...meta }),
    );
  };
}

function serviceNodes(deps: EndpointDeps): EndpointHandler {
  return (body, context) => {
    const args = argsOf(body, "ServiceSpecificRequest");
    const name = requireStr(args, "ServiceName", "Must provide service name");
    const tags = optBool(args, "TagFilter") ? optStrList(args, "ServiceTags") : [];
    const nodeMeta = optStrMap(args, "NodeMetaFilters");
    const passingOnly = optBool(args, "PassingOnly");
    const filter = optStr(args, "Filter");
    const keep = filterRows(filter, FILTER_FIELDS.checkServiceNode);
    return runQuery(
      deps,
      args,
      context,
      (ws) => deps.store.health.serviceNodes(name, { tags, nodeMeta, passingOnly }, ws),
      (instances, meta): IndexedCheckServiceNodes => {
        const shaped = shapeList(CHECK_SERVICE_NODES, instances, toCheckServiceNode);
        return { Nodes: filter === "" ? shaped : keep(shaped), ...meta };
      },
    );
  };
}

/** The `Health.*` handlers by method name. */
export function healthEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    "Health.NodeChecks": nodeChecks(deps),
    "Health.ServiceChecks": serviceChecks(deps),
    "Health.ChecksInState": checksInState(deps),
    "Health.ServiceNodes": serviceNodes(deps),
  };
}
