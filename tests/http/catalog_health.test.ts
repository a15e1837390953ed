import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TestAgent } from "./_server.ts";

/** Registers `web` on two nodes with different tags, meta and health. */
async function seed(agent: TestAgent) {
  const register = async (body: unknown) => {
    const res = await agent.put("/v1/catalog/register", body);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await res.text(), "true");
  };
  await register({
    Node: "n1",
    Address: "10.0.0.1",
    NodeMeta: { rack: "a" },
    Service: { ID: "web-a", Service: "web", Tags: ["v1", "blue"], Port: 80 },
    Checks: [{ CheckID: "web-a-ok", Name: "ok", Status: "passing", ServiceID: "web-a" }],
  });
  await register({
    Node: "n2",
    Address: "10.0.0.2",
    NodeMeta: { rack: "b" },
    Service: { ID: "web-b", Service: "web", Tags: ["v2"], Port: 81 },
    Check: { CheckID: "web-b-ok", Name: "ok", Status: "critical", ServiceID: "web-b" },
  });
}

describe("catalog endpoints", () => {
  test("datacenters lists the agent's datacenter", async () => {
    assert.deepEqual(await new TestAgent().getJson("/v1/catalog/datacenters"), ["dc1"]);
  });

  test("register then nodes and services list what was registered", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const nodes = await agent.getJson("/v1/catalog/nodes") as Array<{ Node: string }>;
    assert.deepEqual(nodes.map((n) => n.Node), ["n1", "n2", "node1"]);
    assert.deepEqual(await agent.getJson("/v1/catalog/services"), { web: ["blue", "v1", "v2"] });
    const rackA = await agent.getJson("/v1/catalog/nodes?node-meta=rack:a") as Array<
      { Node: string }
    >;
    assert.deepEqual(rackA.map((n) => n.Node), ["n1"]);
    assert.deepEqual(await agent.getJson("/v1/catalog/services?node-meta=rack:b"), { web: ["v2"] });
  });

  test("service/:name flattens instances and filters by tag, node-meta and filter", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const all = await agent.getJson("/v1/catalog/service/web") as Array<Record<string, any>>;
    assert.deepEqual(all.map((s) => [s.Node, s.ServiceID, s.ServicePort]), [
      ["n1", "web-a", 80],
      ["n2", "web-b", 81],
    ]);
    assert.equal(all[0].Address, "10.0.0.1");
    assert.deepEqual(all[0].NodeMeta, { rack: "a" });
    const tagged = await agent.getJson("/v1/catalog/service/web?tag=v1&tag=blue") as any[];
    assert.deepEqual(tagged.map((s) => s.ServiceID), ["web-a"]);
    const meta = await agent.getJson("/v1/catalog/service/web?node-meta=rack:b") as any[];
    assert.deepEqual(meta.map((s) => s.ServiceID), ["web-b"]);
    const filter = encodeURIComponent("ServicePort == 81");
    const filtered = await agent.getJson(`/v1/catalog/service/web?filter=${filter}`) as any[];
    assert.deepEqual(filtered.map((s) => s.ServiceID), ["web-b"]);
    assert.deepEqual(await agent.getJson("/v1/catalog/service/unknown"), []);
    assert.equal((await agent.request("/v1/catalog/service/")).status, 400);
  });

  test("node/:node answers the node with its services, or null when unknown", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const found = await agent.getJson("/v1/catalog/node/n1") as Record<string, any>;
    assert.equal(found.Node.Address, "10.0.0.1");
    assert.deepEqual(Object.keys(found.Services), ["web-a"]);
    assert.equal(await agent.getJson("/v1/catalog/node/ghost"), null);
    const missing = await agent.request("/v1/catalog/node/");
    assert.equal(await missing.text(), "Missing node name");
  });

  test("node-services/:node lists services as an array, 404 when unknown", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const found = await agent.getJson("/v1/catalog/node-services/n2") as Record<string, any>;
    assert.equal(found.Node.Node, "n2");
    assert.deepEqual(found.Services.map((s: any) => s.ID), ["web-b"]);
    assert.equal((await agent.request("/v1/catalog/node-services/ghost")).status, 404);
  });

  test("deregister removes a service, a check or a whole node", async () => {
    const agent = new TestAgent();
    await seed(agent);
    await agent.put("/v1/catalog/deregister", { Node: "n1", ServiceID: "web-a" });
    assert.deepEqual(await agent.getJson("/v1/catalog/services"), { web: ["v2"] });
    await agent.put("/v1/catalog/deregister", { Node: "n2", CheckID: "web-b-ok" });
    assert.deepEqual(await agent.getJson("/v1/health/checks/web"), []);
    await agent.put("/v1/catalog/deregister", { Node: "n2" });
    const nodes = await agent.getJson("/v1/catalog/nodes") as Array<{ Node: string }>;
    assert.deepEqual(nodes.map((n) => n.Node), ["n1", "node1"]);
  });

  test("register refuses a registration without a node", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/catalog/register", { Address: "10.0.0.1" });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /node/i);
  });
});

describe("health endpoints", () => {
  test("node/:node lists the node's checks", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const checks = await agent.getJson("/v1/health/node/n1") as Array<{ CheckID: string }>;
    assert.deepEqual(checks.map((c) => c.CheckID), ["web-a-ok"]);
    assert.deepEqual(await agent.getJson("/v1/health/node/ghost"), []);
  });

  test("checks/:service lists the checks of every instance", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const checks = await agent.getJson("/v1/health/checks/web") as Array<{ CheckID: string }>;
    assert.deepEqual(checks.map((c) => c.CheckID).sort(), ["web-a-ok", "web-b-ok"]);
  });

  test("service/:service answers instances with checks; ?passing and ?tag filter", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const all = await agent.getJson("/v1/health/service/web") as Array<Record<string, any>>;
    assert.equal(all.length, 2);
    assert.equal(all[0].Service.ID, "web-a");
    assert.deepEqual(all[0].Checks.map((c: any) => c.CheckID), ["web-a-ok"]);
    const passing = await agent.getJson("/v1/health/service/web?passing") as any[];
    assert.deepEqual(passing.map((e) => e.Service.ID), ["web-a"]);
    const passingFalse = await agent.getJson("/v1/health/service/web?passing=false") as any[];
    assert.equal(passingFalse.length, 2);
    const bad = await agent.request("/v1/health/service/web?passing=nah");
    assert.equal(await bad.text(), "Invalid value for ?passing");
    const tagged = await agent.getJson("/v1/health/service/web?tag=v2") as any[];
    assert.deepEqual(tagged.map((e) => e.Service.ID), ["web-b"]);
  });

  test("state/:state lists checks in a state and refuses unknown states", async () => {
    const agent = new TestAgent();
    await seed(agent);
    const critical = await agent.getJson("/v1/health/state/critical") as Array<{ CheckID: string }>;
    assert.deepEqual(critical.map((c) => c.CheckID), ["web-b-ok"]);
    const any = await agent.getJson("/v1/health/state/any") as unknown[];
    assert.equal(any.length, 3);
    const bad = await agent.request("/v1/health/state/sleepy");
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), "Invalid check state");
  });
});
