/**
 * The agent's `CatalogSync` over the server endpoints (Catalog.Register/Deregister,
 * Catalog.NodeServices, Health.NodeChecks), as the agent wiring builds it.
 */

import type { HealthCheck } from "../../src/agent/checks/mod.ts";
import {
  CatalogPermissionDeniedError,
  type CatalogSync,
  type NodeInfo,
  type NodeService,
  type RemoteNodeState,
} from "../../src/agent/local/mod.ts";
import type { ServerRpc } from "../../src/http/mod.ts";
import type { IndexedHealthChecks, IndexedNodeServices } from "../../src/endpoints/mod.ts";

/** Implements {@linkcode CatalogSync} with RPC calls in datacenter `datacenter`. */
export class RpcCatalogSync implements CatalogSync {
  readonly #rpc: ServerRpc;
  readonly #datacenter: string;

  constructor(rpc: ServerRpc, datacenter: string) {
    this.#rpc = rpc;
    this.#datacenter = datacenter;
  }

  async #call(method: "Catalog.Register" | "Catalog.Deregister", args: Record<string, unknown>) {
    try {
      await this.#rpc.call(
        method,
        { Datacenter: this.#datacenter, ...args },
        new AbortController().signal,
      );
    } catch (error) {
      if ((error as Error).message.startsWith("Permission denied")) {
        throw new CatalogPermissionDeniedError((error as Error).message);
      }
      throw error;
    }
  }

  #node(node: NodeInfo) {
    return {
      ID: node.ID,
      Node: node.Node,
      Address: node.Address,
      TaggedAddresses: node.TaggedAddresses,
      NodeMeta: node.Meta,
    };
  }

  async readNode(node: string, token: string): Promise<RemoteNodeState | null> {
    const signal = new AbortController().signal;
    const args = { Datacenter: this.#datacenter, Node: node, Token: token };
    const services = await this.#rpc.call(
      "Catalog.NodeServices",
      args,
      signal,
    ) as IndexedNodeServices;
    if (!services.NodeServices) return null;
    const checks = await this.#rpc.call("Health.NodeChecks", args, signal) as IndexedHealthChecks;
    const found = services.NodeServices;
    return {
      node: {
        ID: found.Node.ID,
        Address: found.Node.Address,
        TaggedAddresses: found.Node.TaggedAddresses,
        Meta: found.Node.Meta,
      },
      services: Object.values(found.Services) as unknown as NodeService[],
      checks: checks.HealthChecks as unknown as HealthCheck[],
    };
  }

  registerNode(node: NodeInfo, token: string): Promise<void> {
    return this.#call("Catalog.Register", { ...this.#node(node), Token: token });
  }

  registerService(
    node: NodeInfo,
    service: NodeService,
    checks: readonly HealthCheck[],
    token: string,
  ): Promise<void> {
    return this.#call("Catalog.Register", {
      ...this.#node(node),
      Service: service,
      Checks: checks,
      SkipNodeUpdate: true,
      Token: token,
    });
  }

  registerCheck(
    node: NodeInfo,
    check: HealthCheck,
    service: NodeService | undefined,
    token: string,
  ): Promise<void> {
    return this.#call("Catalog.Register", {
      ...this.#node(node),
      ...(service ? { Service: service } : {}),
      Check: check,
      SkipNodeUpdate: true,
      Token: token,
    });
  }

  deregisterService(node: string, serviceId: string, token: string): Promise<void> {
    return this.#call("Catalog.Deregister", { Node: node, ServiceID: serviceId, Token: token });
  }

  deregisterCheck(node: string, checkId: string, token: string): Promise<void> {
    return this.#call("Catalog.Deregister", { Node: node, CheckID: checkId, Token: token });
  }
}
