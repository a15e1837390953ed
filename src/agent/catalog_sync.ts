/**
 * The agent's {@linkcode CatalogSync} over the server endpoints: anti-entropy writes the
 * agent's services and checks with `Catalog.Register` / `Catalog.Deregister` and reads the
 * catalog's view with `Catalog.NodeServices` + `Health.NodeChecks`, exactly the calls a
 * Consul client agent makes to its servers.
 *
 * @module
 */

import type { HealthCheck } from "./checks/mod.ts";
import {
  CatalogPermissionDeniedError,
  type CatalogSync,
  type NodeInfo,
  type NodeService,
  type RemoteNodeState,
} from "./local/mod.ts";
import type { ServerRpc } from "../http/mod.ts";
import type { IndexedHealthChecks, IndexedNodeServices } from "../endpoints/mod.ts";

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
