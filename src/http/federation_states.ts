/**
 * `/v1/internal/federation-state*` (Consul's `agent/federation_state_endpoint.go`): every
 * datacenter's federation state, one datacenter's, and the mesh gateways by datacenter, with
 * Consul's JSON and the blocking-query parameters and headers.
 */

import type { FederationStateRow } from "../state/mod.ts";
import type { HandlerContext } from "./context.ts";
import { badRequest } from "./errors.ts";
import type { Route } from "./router.ts";

/** Go's `time.Duration` in JSON is nanoseconds; our query meta carries milliseconds. */
const NANOS_PER_MS = 1_000_000;

/** A federation state as Consul's JSON has it (`MeshGateways` is `omitempty`). */
export function federationStateJson(state: FederationStateRow): Record<string, unknown> {
  return {
    Datacenter: state.Datacenter,
    ...(state.MeshGateways.length > 0 ? { MeshGateways: state.MeshGateways } : {}),
    UpdatedAt: state.UpdatedAt,
    PrimaryModifyIndex: state.PrimaryModifyIndex,
    CreateIndex: state.CreateIndex,
    ModifyIndex: state.ModifyIndex,
  };
}

async function listStates(ctx: HandlerContext) {
  const reply = await ctx.read("FederationState.List", ctx.query());
  return (reply.States ?? []).map(federationStateJson);
}

async function getState(ctx: HandlerContext) {
  const datacenter = ctx.req.rest("/v1/internal/federation-state/");
  if (datacenter === "") throw badRequest("Missing datacenter name");
  // `?dc=` picks the datacenter that answers; the path names the record.
  const reply = await ctx.read("FederationState.Get", {
    ...ctx.query(),
    StateDatacenter: datacenter,
  });
  if (reply.State === null) return new Response(null, { status: 404 });
  // Consul answers the whole FederationStateResponse: the record and its query meta.
  return {
    State: federationStateJson(reply.State),
    Index: reply.Index,
    LastContact: reply.LastContact * NANOS_PER_MS,
    KnownLeader: reply.KnownLeader,
    ConsistencyLevel: reply.ConsistencyLevel,
    NotModified: false,
    Backend: 0,
    ResultsFilteredByACLs: false,
  };
}

async function listMeshGateways(ctx: HandlerContext) {
  const reply = await ctx.read("FederationState.ListMeshGateways", ctx.query());
  const out: Record<string, readonly unknown[]> = {};
  for (const [datacenter, nodes] of Object.entries(reply.DatacenterNodes ?? {})) {
    out[datacenter] = nodes ?? [];
  }
  return out;
}

/** The federation-state routes; mount them with the other `/v1` routes. */
export const FEDERATION_STATE_ROUTES: readonly Route[] = [
  { path: "/v1/internal/federation-states", methods: ["GET"], handler: listStates },
  {
    path: "/v1/internal/federation-states/mesh-gateways",
    methods: ["GET"],
    handler: listMeshGateways,
  },
  { path: "/v1/internal/federation-state/", methods: ["GET"], handler: getState },
];
