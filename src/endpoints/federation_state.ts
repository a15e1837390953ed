/**
 * The `FederationState.*` endpoints (Consul's `agent/consul/federation_state_endpoint.go`):
 * writes of a datacenter's mesh gateways, accepted only in the primary datacenter (a secondary
 * forwards them there), and blocking reads of one state, all states, and the gateways by
 * datacenter.
 *
 * Differences from Consul, on purpose:
 * - Every Consulate request is routed by its `Datacenter` field, so `FederationState.Get`
 *   names the record it reads `StateDatacenter` (Consul routes that one call by
 *   `TargetDatacenter` and names the record `Datacenter`).
 * - There is no "Federation states are currently disabled until all servers in the datacenter
 *   support the feature" phase: every Consulate server supports them.
 * - ACLs are not enforced yet (tokens are carried), as for every other endpoint.
 *
 * @module
 */

import type {
  CheckRow,
  CheckServiceNode,
  FederationStateRow,
  JsonObject,
  NodeRow,
} from "../state/mod.ts";
import { type Args, argsOf, optObj, optStr, optUint, requireStr } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { toNodeService } from "./_shapes.ts";
import { applyOrThrow, type EndpointDeps, type EndpointHandler } from "./deps.ts";
import { badRequest, EndpointError, NO_PATH_TEXT } from "./errors.ts";
import type { NodeServiceRow, QueryMeta, QueryOptions, WriteRequest } from "./types.ts";

/** Consul's `structs.MetaWANFederationKey`: service meta marking gateways servers may dial. */
export const META_WAN_FEDERATION_KEY = "consul-wan-federation";

/** The service kind of mesh gateways (Consul's `structs.ServiceKindMeshGateway`). */
export const MESH_GATEWAY_KIND = "mesh-gateway";

/** Go's zero `time.Time` in JSON, which Consul treats as "not set". */
export const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

/** Most gateways one federation state may list; a bound on what one write can carry. */
export const MAX_GATEWAYS_PER_STATE = 4096;

/** A mesh gateway instance with its node and checks (Consul's `structs.CheckServiceNode`). */
export interface GatewayServiceNode {
  readonly Node: NodeRow;
  readonly Service: NodeServiceRow;
  readonly Checks: readonly CheckRow[];
}

/** A datacenter's federation state as sent in writes (Consul's `structs.FederationState`). */
export interface FederationStateInputBody {
  readonly Datacenter: string;
  /** CheckServiceNode documents; Consul's `omitempty`, so absent means none. */
  readonly MeshGateways?: readonly (GatewayServiceNode | JsonObject)[] | null;
  /** RFC 3339; empty or Go's zero time means "now" on upsert. */
  readonly UpdatedAt?: string;
  /** The record's ModifyIndex in the primary; 0 on a direct write there. */
  readonly PrimaryModifyIndex?: number;
}

/** One operation of `FederationState.Apply` (Consul's `structs.FederationStateOp`). */
export type FederationStateOp = "upsert" | "delete";

/** A federation state write (Consul's `structs.FederationStateRequest`). */
export interface FederationStateRequest extends WriteRequest {
  /** Ignored for routing: writes always go to the primary datacenter. */
  readonly Datacenter?: string;
  readonly Op: FederationStateOp;
  readonly State: FederationStateInputBody | null;
}

/** A read of one datacenter's state (Consul's `structs.FederationStateQuery`). */
export interface FederationStateQuery extends QueryOptions {
  /** The datacenter that answers; empty means this server's. */
  readonly Datacenter?: string;
  /** The datacenter whose record is read. */
  readonly StateDatacenter: string;
}

/** A read of every state (Consul's `structs.DCSpecificRequest`). */
export interface FederationStateListRequest extends QueryOptions {
  readonly Datacenter?: string;
}

/** `FederationState.Get`: the record, or null when that datacenter has none. */
export interface FederationStateResponse extends QueryMeta {
  readonly State: FederationStateRow | null;
}

/** `FederationState.List`: every record ordered by datacenter, `[]` when none. */
export interface IndexedFederationStates extends QueryMeta {
  readonly States: readonly FederationStateRow[];
}

/** `FederationState.ListMeshGateways`: gateways by datacenter, only datacenters with some. */
export interface DatacenterIndexedCheckServiceNodes extends QueryMeta {
  readonly DatacenterNodes: Readonly<Record<string, readonly JsonObject[]>>;
}

/** A store CheckServiceNode in the wire shape (the service without its node name). */
export function toGatewayServiceNode(csn: CheckServiceNode): GatewayServiceNode {
  return { Node: csn.Node, Service: toNodeService(csn.Service), Checks: csn.Checks };
}

declare module "./signatures.ts" {
  interface EndpointRequests {
    "FederationState.Apply": FederationStateRequest;
    "FederationState.Get": FederationStateQuery;
    "FederationState.List": FederationStateListRequest;
    "FederationState.ListMeshGateways": FederationStateListRequest;
  }
  interface EndpointReplies {
    /** True once the write is committed in the primary. */
    "FederationState.Apply": boolean;
    "FederationState.Get": FederationStateResponse;
    "FederationState.List": IndexedFederationStates;
    "FederationState.ListMeshGateways": DatacenterIndexedCheckServiceNodes;
  }
}

/** The primary datacenter the deps name, or this one. */
export function primaryOf(deps: EndpointDeps): string {
  return deps.primaryDatacenter || deps.datacenter;
}

function gatewaysOf(state: Args): JsonObject[] {
  const value = state.MeshGateways;
  if (value === undefined || value === null) return [];
  const ok = Array.isArray(value) &&
    value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item));
  if (!ok) badRequest("Invalid argument: State.MeshGateways must be a list of CheckServiceNode");
  const list = value as JsonObject[];
  if (list.length > MAX_GATEWAYS_PER_STATE) {
    throw new EndpointError(
      "too_large",
      `A federation state may list at most ${MAX_GATEWAYS_PER_STATE} mesh gateways, got ` +
        `${list.length}`,
    );
  }
  return list;
}

function updatedAtOf(state: Args, nowMs: number): string {
  const text = optStr(state, "UpdatedAt");
  if (text === "" || text === GO_ZERO_TIME) return new Date(nowMs).toISOString();
  if (Number.isNaN(Date.parse(text))) {
    badRequest(`Invalid argument: State.UpdatedAt must be RFC 3339 time, got ${text}`);
  }
  return text;
}

async function applyHere(deps: EndpointDeps, args: Args): Promise<boolean> {
  const state = optObj(args, "State");
  const datacenter = state === undefined ? "" : optStr(state, "Datacenter");
  if (state === undefined || datacenter === "") {
    badRequest("invalid request: missing federation state datacenter");
  }
  const op = args.Op;
  if (op === "upsert") {
    await applyOrThrow(deps, {
      type: "federationState.upsert",
      state: {
        Datacenter: datacenter,
        MeshGateways: gatewaysOf(state),
        UpdatedAt: updatedAtOf(state, deps.clock.now()),
        PrimaryModifyIndex: optUint(state, "PrimaryModifyIndex"),
      },
    });
  } else if (op === "delete") {
    await applyOrThrow(deps, { type: "federationState.delete", datacenter });
  } else {
    badRequest(`Invalid federation state operation: ${typeof op === "string" ? op : ""}`);
  }
  return true;
}

/** The `FederationState.*` handlers by method name. */
export function federationStateEndpoints(
  deps: EndpointDeps,
): Record<string, EndpointHandler> {
  const primary = primaryOf(deps);
  return {
    "FederationState.Apply": (body, context) => {
      const args = argsOf(body, "FederationStateRequest");
      if (primary === deps.datacenter) return applyHere(deps, args);
      // Consul forces every write to the primary, which replicates it back to everyone.
      if (deps.forward === undefined) {
        return Promise.reject(new EndpointError("no_path", NO_PATH_TEXT));
      }
      return deps.forward(
        primary,
        "FederationState.Apply",
        { ...args, Datacenter: primary },
        context.signal,
      );
    },
    "FederationState.Get": (body, context) => {
      const args = argsOf(body, "FederationStateQuery");
      const datacenter = requireStr(
        args,
        "StateDatacenter",
        "Missing datacenter name",
      );
      return runQuery(
        deps,
        args,
        context,
        (ws) => deps.store.federationStates.get(datacenter, ws),
        (state, meta): FederationStateResponse => ({ State: state, ...meta }),
      );
    },
    "FederationState.List": (body, context) =>
      runQuery(
        deps,
        argsOf(body, "DCSpecificRequest"),
        context,
        (ws) => deps.store.federationStates.list(ws),
        (states, meta): IndexedFederationStates => ({ States: states, ...meta }),
      ),
    "FederationState.ListMeshGateways": (body, context) =>
      runQuery(
        deps,
        argsOf(body, "DCSpecificRequest"),
        context,
        (ws) => deps.store.federationStates.meshGateways(ws),
        (nodes, meta): DatacenterIndexedCheckServiceNodes => ({ DatacenterNodes: nodes, ...meta }),
      ),
  };
}
