import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENDPOINT_METHODS, EndpointError } from "../../src/endpoints/mod.ts";
import { Server } from "./_helpers.ts";

function refusedWith(kind: string, message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof EndpointError, `expected an EndpointError, got ${error}`);
    assert.equal(error.kind, kind);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

const WEB = {
  Service: { Service: "web", Tags: ["v1", "primary"], Port: 80 },
  Checks: [{ CheckID: "web-alive", Name: "web alive", Status: "passing", ServiceID: "web" }],
};

describe("Catalog endpoints", () => {
  test("every method in ENDPOINT_METHODS is registered", () => {
    const server = new Server();
    for (const method of ENDPOINT_METHODS) assert.ok(server.registry.has(method), method);
  });

  test("Register refuses a request without a node, address or service name", async () => {
    const server = new Server();
    await assert.rejects(
      server.call("Catalog.Register", { Address: "10.0.0.1" }),
      refusedWith("bad_request", "Must provide node"),
    );
    await assert.rejects(
      server.call("Catalog.Register", { Node: "n1" }),
      refusedWith("bad_request", "Must provide address if SkipNodeUpdate is not set"),
    );
    await assert.rejects(
      server.register("n1", { Service: { ID: "web-1" } }),
      refusedWith("bad_request", "Must provide service name with ID"),
    );
    await assert.rejects(
      server.register("n1", { ID: "not-a-uuid" }),
      refusedWith("bad_request", /^Bad node ID/),
    );
    assert.equal(server.applied.length, 0, "refused requests submit nothing");
  });

  test("Register refuses a body that is not an object with a clear error text", async () => {
    const server = new Server();
    await assert.rejects(server.call("Catalog.Register", "n1"), /must be an object/);
    await assert.rejects(
      server.call("Catalog.Register", { Node: 7, Address: "x" }),
      /Node must be a string/,
    );
  });

  test("Register stores node, service and checks in this datacenter; NodeServices reads them", async () => {
    const server = new Server();
    await server.register("n1", { NodeMeta: { rack: "r1" }, ...WEB });
    const reply = await server.call("Catalog.NodeServices", { Node: "n1" });
    assert.equal(reply.NodeServices.Node.Datacenter, "dc1");
    assert.deepEqual(reply.NodeServices.Node.Meta, { rack: "r1" });
    assert.deepEqual(Object.keys(reply.NodeServices.Services), ["web"]);
    assert.equal(reply.NodeServices.Services.web.Port, 80);
    assert.equal("Node" in reply.NodeServices.Services.web, false, "NodeService has no Node");
    const missing = await server.call("Catalog.NodeServices", { Node: "nope" });
    assert.equal(missing.NodeServices, null);
  });

  test("a store refusal comes back as apply_failed with the store's text", async () => {
    const server = new Server();
    await assert.rejects(
      server.register("n1", { Checks: [{ CheckID: "c", ServiceID: "missing" }] }),
      refusedWith("apply_failed", "Missing service registration"),
    );
  });

  test("ListServices merges tags; ServiceNodes flattens instances and filters by tag", async () => {
    const server = new Server();
    await server.register("n1", WEB);
    await server.register("n2", { Service: { Service: "web", Tags: ["v2"], Port: 81 } });
    const services = await server.call("Catalog.ListServices", {});
    assert.deepEqual(services.Services, { web: ["primary", "v1", "v2"] });
    const all = await server.call("Catalog.ServiceNodes", { ServiceName: "web" });
    assert.deepEqual(all.ServiceNodes.map((row: { Node: string }) => row.Node), ["n1", "n2"]);
    assert.equal(all.ServiceNodes[0].ServiceName, "web");
    assert.equal(all.ServiceNodes[0].ServicePort, 80);
    assert.equal(all.ServiceNodes[0].Address, "10.1.0.1");
    const tagged = await server.call("Catalog.ServiceNodes", {
      ServiceName: "web",
      ServiceTags: ["v2"],
      TagFilter: true,
    });
    assert.deepEqual(tagged.ServiceNodes.map((row: { Node: string }) => row.Node), ["n2"]);
    await assert.rejects(
      server.call("Catalog.ServiceNodes", {}),
      refusedWith("bad_request", "Must provide service name"),
    );
  });

  test("Filter selects rows with bexpr, and a bad one is refused with Consul's prefix", async () => {
    const server = new Server();
    await server.register("n1", { NodeMeta: { env: "prod" }, ...WEB });
    await server.register("n2", { NodeMeta: { env: "dev" }, Service: { Service: "db" } });
    const prod = await server.call("Catalog.ListNodes", { Filter: 'Meta.env == "prod"' });
    assert.deepEqual(prod.Nodes.map((node: { Node: string }) => node.Node), ["n1"]);
    const services = await server.call("Catalog.ListServices", { Filter: "NodeMeta.env == dev" });
    assert.deepEqual(services.Services, { db: [] });
    const tagged = await server.call("Catalog.ServiceNodes", {
      ServiceName: "web",
      Filter: "v1 in ServiceTags",
    });
    assert.equal(tagged.ServiceNodes.length, 1);
    await assert.rejects(
      server.call("Catalog.ListNodes", { Filter: "Meta.env ==" }),
      refusedWith("bad_request", /^Failed to create boolean expression evaluator: /),
    );
    await assert.rejects(
      server.call("Catalog.ListNodes", { Filter: "Bogus == 1" }),
      refusedWith("bad_request", /Selector "Bogus" is not valid/),
    );
  });

  test("Deregister removes a service, then the node; it needs a node name", async () => {
    const server = new Server();
    await server.register("n1", WEB);
    await server.call("Catalog.Deregister", { Node: "n1", ServiceID: "web" });
    const after = await server.call("Catalog.NodeServices", { Node: "n1" });
    assert.deepEqual(after.NodeServices.Services, {});
    await server.call("Catalog.Deregister", { Node: "n1" });
    const nodes = await server.call("Catalog.ListNodes", {});
    assert.deepEqual(nodes.Nodes, []);
    await assert.rejects(
      server.call("Catalog.Deregister", {}),
      refusedWith("bad_request", "Must provide node"),
    );
  });

  test("ListDatacenters answers this datacenter; another datacenter has no path without forwarding", async () => {
    const server = new Server();
    assert.deepEqual(await server.call("Catalog.ListDatacenters", {}), ["dc1"]);
    await assert.rejects(
      server.call("Catalog.ListNodes", { Datacenter: "dc2" }),
      refusedWith("no_path", "No path to datacenter"),
    );
  });

  test("a request for another datacenter goes to the forward hook with its method", async () => {
    const seen: string[] = [];
    const server = new Server({
      forward: (dc, method) => {
        seen.push(`${dc} ${method}`);
        return Promise.resolve({ Nodes: [], Index: 9 });
      },
    });
    const reply = await server.call("Catalog.ListNodes", { Datacenter: "dc2" });
    assert.equal(reply.Index, 9);
    assert.deepEqual(seen, ["dc2 Catalog.ListNodes"]);
  });
});

describe("Health endpoints", () => {
  test("ServiceNodes joins node, service and checks; PassingOnly drops failing instances", async () => {
    const server = new Server();
    await server.register("n1", WEB);
    await server.register("n2", {
      Service: { Service: "web" },
      Check: { Name: "web-down", Status: "critical", ServiceID: "web" },
    });
    const all = await server.call("Health.ServiceNodes", { ServiceName: "web" });
    assert.equal(all.Nodes.length, 2);
    assert.equal(all.Nodes[0].Node.Node, "n1");
    assert.equal(all.Nodes[0].Service.Service, "web");
    assert.deepEqual(all.Nodes[1].Checks.map((c: { CheckID: string }) => c.CheckID), ["web-down"]);
    const passing = await server.call("Health.ServiceNodes", {
      ServiceName: "web",
      PassingOnly: true,
    });
    assert.deepEqual(passing.Nodes.map((n: { Node: { Node: string } }) => n.Node.Node), ["n1"]);
    const filtered = await server.call("Health.ServiceNodes", {
      ServiceName: "web",
      Filter: "Checks.Status contains critical",
    });
    assert.deepEqual(filtered.Nodes.map((n: { Node: { Node: string } }) => n.Node.Node), ["n2"]);
  });

  test("NodeChecks, ServiceChecks and ChecksInState read checks; a bad state is refused", async () => {
    const server = new Server();
    await server.register("n1", WEB);
    await server.register("n2", { Check: { CheckID: "disk", Status: "warning" } });
    const node = await server.call("Health.NodeChecks", { Node: "n1" });
    assert.deepEqual(node.HealthChecks.map((c: { CheckID: string }) => c.CheckID), ["web-alive"]);
    const service = await server.call("Health.ServiceChecks", { ServiceName: "web" });
    assert.equal(service.HealthChecks.length, 1);
    const warning = await server.call("Health.ChecksInState", { State: "warning" });
    assert.deepEqual(warning.HealthChecks.map((c: { CheckID: string }) => c.CheckID), ["disk"]);
    const any = await server.call("Health.ChecksInState", { State: "any" });
    assert.equal(any.HealthChecks.length, 2);
    await assert.rejects(
      server.call("Health.ChecksInState", { State: "bogus" }),
      refusedWith("bad_request", /Invalid check state "bogus"/),
    );
  });
});
