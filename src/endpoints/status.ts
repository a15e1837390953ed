/**
 * The `Status.*` endpoints (Consul's `agent/consul/status_endpoint.go`): liveness, the
 * leader's address and the Raft peers.
 *
 * @module
 */

import type { EndpointDeps, EndpointHandler } from "./deps.ts";

/** The `Status.*` handlers by method name. */
export function statusEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    // Consul answers an empty struct; null is its msgpack form.
    "Status.Ping": () => Promise.resolve(null),
    "Status.Leader": () =>
      Promise.resolve(deps.leaderAddr?.() ?? (deps.knownLeader() ? deps.serverAddr : "")),
    "Status.Peers": () => Promise.resolve(deps.peers?.() ?? [deps.serverAddr]),
  };
}
