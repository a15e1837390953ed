/**
 * The agent's {@linkcode CatalogSync} over the server endpoints: anti-entropy writes the
 * agent's services and checks with `Catalog.Register` / `Catalog.Deregister` and reads the
 * catalog's view with `Catalog.NodeServices` + `Health.NodeChecks`, exactly the calls a
 * Consul client agent makes to its servers.
 *
 * @module
 */
import type { HealthCheck } from "./checks/mod.ts";
import type { CatalogSync, NodeInfo, NodeService, RemoteNodeState } from "./local/mod.ts";
import type { Endpoints } from "../endpoints/mod.ts";

/** A CatalogSync that calls the endpoints of the local server. */
export function createCatalogSync(endpoints: Endpoints): CatalogSync {
  return {
    async readNode(node, token) {
      const services = await endpoints.call("Catalog.NodeServices", { Node: node, Token: token });
      if (!services.NodeServices) return null;
      const checks = await endpoints.call("Health.NodeChecks", { Node: node, Token: token });
      const row = services.NodeServices.Node;
      return {
        node: {
          ID: row.ID,
          Address: row.Address,
          TaggedAddresses: row.TaggedAddresses ?? {},
          Meta: row.Meta ?? {},
        },
        services: Object.values(services.NodeServices.Services ?? {}) as unknown as NodeService[],
        checks: checks.HealthChecks as unknown as HealthCheck[],
      } satisfies RemoteNodeState;
    },
    async registerNode(node, token) {
      await endpoints.call("Catalog.Register", { ...nodeFields(node), Token: token });
    },
    async registerService(node, service, checks, token) {
      await endpoints.call("Catalog.Register", {
        ...nodeFields(node),
        Service: service as never,
        Checks: checks as never,
        Token: token,
      });
    },
    async registerCheck(node, check, service, token) {
      await endpoints.call("Catalog.Register", {
        ...nodeFields(node),
        ...(service ? { Service: service as never } : {}),
        Check: check as never,
        Token: token,
      });
    },
    async deregisterService(node, serviceId, token) {
      await endpoints.call("Catalog.Deregister", {
        Node: node,
        ServiceID: serviceId,
        Token: token,
      });
    },
    async deregisterCheck(node, checkId, token) {
      await endpoints.call("Catalog.Deregister", { Node: node, CheckID: checkId, Token: token });
    },
  };
}

function nodeFields(node: NodeInfo) {
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    NodeMeta: node.Meta,
  };
}
