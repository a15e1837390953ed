/** The catalog as anti-entropy sees it: what the servers hold for this node, and how to change it. */

import type { HealthCheck } from "../checks/health_check.ts";
import type { NodeInfo, NodeService } from "./types.ts";

/** What the catalog currently holds for this node. */
export interface RemoteNodeState {
  readonly node: {
    readonly ID: string;
    readonly Address: string;
    readonly TaggedAddresses: Readonly<Record<string, string>>;
    readonly Meta: Readonly<Record<string, string>>;
  };
  readonly services: readonly NodeService[];
  readonly checks: readonly HealthCheck[];
}

/**
 * Writes and reads the catalog on the servers (Consul's `Catalog.Register`,
 * `Catalog.Deregister`, `Catalog.NodeServices` + `Health.NodeChecks`). The agent wiring
 * implements it over the state store or RPC.
 *
 * Contract: every register call also upserts the node record; deregistering something the
 * catalog does not hold resolves (it is already gone); a call the token may not make rejects
 * with {@linkcode CatalogPermissionDeniedError}; any other failure rejects with an `Error`.
 */
export interface CatalogSync {
  /** This node's record, services and checks; `null` when the catalog does not know the node. */
  readNode(node: string, token: string): Promise<RemoteNodeState | null>;
  registerNode(node: NodeInfo, token: string): Promise<void>;
  /** Registers a service with some of its checks in one atomic write. */
  registerService(
    node: NodeInfo,
    service: NodeService,
    checks: readonly HealthCheck[],
    token: string,
  ): Promise<void>;
  /** Registers one check; `service` is its service, re-sent as Consul does, when it has one. */
  registerCheck(
    node: NodeInfo,
    check: HealthCheck,
    service: NodeService | undefined,
    token: string,
  ): Promise<void>;
  deregisterService(node: string, serviceId: string, token: string): Promise<void>;
  deregisterCheck(node: string, checkId: string, token: string): Promise<void>;
}

/** The token in use may not make this catalog change (Consul's "Permission denied"). */
export class CatalogPermissionDeniedError extends Error {
  override readonly name = "CatalogPermissionDeniedError";
  constructor(message = "Permission denied") {
    super(message);
  }
}
