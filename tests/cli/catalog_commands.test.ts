import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  catalogDatacentersCommand,
  catalogNodesCommand,
  catalogServicesCommand,
} from "../../src/cli/catalog_commands.ts";
import type { AgentService, CatalogNodeEntry } from "../../src/api/mod.ts";
import { type FakeConsul, startFakeConsul } from "../api/_fake_consul.ts";
import { cliContext } from "../api/_cli_context.ts";

function node(
  name: string,
  id: string,
  address: string,
  extra: Partial<CatalogNodeEntry> = {},
): CatalogNodeEntry {
  return {
    ID: id,
    Node: name,
    Address: address,
    Datacenter: "dc1",
    TaggedAddresses: {},
    Meta: {},
    CreateIndex: 5,
    ModifyIndex: 6,
    ...extra,
  };
}

function agentService(id: string, service: string, tags: string[]): AgentService {
  return { ID: id, Service: service, Tags: tags, Port: 80, Address: "" };
}

describe("consulate catalog", () => {
  let fake: FakeConsul;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeConsul();
    env = { CONSUL_HTTP_ADDR: fake.address };
    fake.datacenters = ["dc1", "dc2"];
    fake.nodes = [
      node("node-1", "3f5a7c9e-1111-2222-3333-444455556666", "10.0.0.1", {
        TaggedAddresses: { wan: "198.51.100.1", lan: "10.0.0.1" },
        Meta: { rack: "r1", "consul-network-segment": "" },
      }),
      node("web-node-2", "", "10.0.0.22"),
    ];
    fake.catalogServices = { web: ["v2", "v1"], consul: [], db: ["primary"] };
    fake.nodeServices = {
      "node-1": {
        web1: agentService("web1", "web", ["b"]),
        web2: agentService("web2", "web", ["a"]),
        db: agentService("db", "db", []),
      },
    };
  });
  after(async () => await fake.stop());

  test("datacenters prints one datacenter per line", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogDatacentersCommand.run([], context), 0);
    assert.equal(fake.last.path, "/v1/catalog/datacenters");
    assert.equal(context.out(), "dc1\ndc2\n");
  });

  test("datacenters exits 1 (not 0 as Consul does) when the query fails", async () => {
    fake.failNext("GET", "/v1/catalog/datacenters", 500, "No cluster leader");
    const context = await cliContext(env);
    assert.equal(await catalogDatacentersCommand.run([], context), 1);
    assert.equal(
      context.err(),
      "Error listing datacenters: Unexpected response code: 500 (No cluster leader)\n",
    );
  });

  test("nodes prints Node, short ID, Address and DC in columns", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogNodesCommand.run([], context), 0);
    assert.equal(fake.last.path, "/v1/catalog/nodes");
    assert.equal(
      context.out(),
      "Node        ID        Address    DC\n" +
        "node-1      3f5a7c9e  10.0.0.1   dc1\n" +
        "web-node-2            10.0.0.22  dc1\n",
    );
  });

  test("nodes -detailed adds full IDs, tagged addresses and meta sorted by key", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogNodesCommand.run(["-detailed"], context), 0);
    const lines = context.out().split("\n");
    assert.match(lines[0], /^Node\s+ID\s+Address\s+DC\s+TaggedAddresses\s+Meta$/);
    assert.match(
      lines[1],
      /^node-1\s+3f5a7c9e-1111-2222-3333-444455556666\s+10\.0\.0\.1\s+dc1\s+lan=10\.0\.0\.1, wan=198\.51\.100\.1\s+consul-network-segment=, rack=r1$/,
    );
  });

  test("nodes passes -datacenter, -stale, -near and -node-meta as query parameters", async () => {
    const context = await cliContext(env);
    const code = await catalogNodesCommand.run(
      ["-datacenter=dc2", "-stale", "-near=_agent", "-node-meta=rack=r1"],
      context,
    );
    assert.equal(code, 0);
    assert.equal(fake.last.query, "dc=dc2&near=_agent&node-meta=rack%3Ar1&stale=");
  });

  test("nodes -service lists the nodes of that service's instances", async () => {
    fake.serviceInstances = {
      web: [{
        ID: "3f5a7c9e-1111-2222-3333-444455556666",
        Node: "node-1",
        Address: "10.0.0.1",
        Datacenter: "dc1",
        ServiceID: "web1",
        ServiceName: "web",
        ServiceAddress: "",
        ServicePort: 80,
        CreateIndex: 1,
        ModifyIndex: 1,
      }],
    };
    const context = await cliContext(env);
    assert.equal(await catalogNodesCommand.run(["-service=web"], context), 0);
    assert.equal(fake.last.path, "/v1/catalog/service/web");
    assert.equal(
      context.out(),
      "Node    ID        Address   DC\nnode-1  3f5a7c9e  10.0.0.1  dc1\n",
    );
  });

  test("nodes with no match says so on stderr and exits 0, like Consul", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogNodesCommand.run(["-service=nothing"], context), 0);
    assert.equal(context.out(), "");
    assert.equal(
      context.err(),
      "No nodes match the given query - try expanding your search.\n",
    );
  });

  test("a malformed -node-meta is a usage error", async () => {
    const context = await cliContext(env);
    await assert.rejects(
      catalogNodesCommand.run(["-node-meta=rack"], context),
      /Missing "=" value in argument: rack/,
    );
  });

  test("services prints the names sorted", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogServicesCommand.run([], context), 0);
    assert.equal(fake.last.path, "/v1/catalog/services");
    assert.equal(context.out(), "consul\ndb\nweb\n");
  });

  test("services -tags aligns sorted, comma-joined tags as Consul's tabwriter does", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogServicesCommand.run(["-tags"], context), 0);
    assert.equal(context.out(), "consul      \ndb          primary\nweb         v1,v2\n");
  });

  test("services -node merges the tags of that node's instances per service", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogServicesCommand.run(["-node=node-1", "-tags"], context), 0);
    assert.equal(fake.last.path, "/v1/catalog/node/node-1");
    assert.equal(context.out(), "db       \nweb      a,b\n");
  });

  test("services -node of an unknown node finds nothing and exits 0", async () => {
    const context = await cliContext(env);
    assert.equal(await catalogServicesCommand.run(["-node=ghost"], context), 0);
    assert.equal(
      context.err(),
      "No services match the given query - try expanding your search.\n",
    );
  });

  test("extra arguments are a usage error", async () => {
    const context = await cliContext(env);
    await assert.rejects(
      catalogServicesCommand.run(["web"], context),
      /Too many arguments \(expected 0, got 1\)/,
    );
  });
});
