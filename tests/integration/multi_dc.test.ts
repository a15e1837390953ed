import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { currentRuntime } from "../../src/runtime/current.ts";
import { aliveWanMembers, type DcServer, eventually, Federation, getJson } from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
let dc1: DcServer, dc2: DcServer, dc3: DcServer;
const ALL = ["n1.dc1", "n2.dc2", "n3.dc3"];

before(async () => {
  dc1 = await federation.addServer("dc1", "n1");
  dc2 = await federation.addServer("dc2", "n2", { joinWan: dc1 });
  dc3 = await federation.addServer("dc3", "n3", { joinWan: dc1 });
  for (const server of [dc1, dc2, dc3]) await federation.start(server);
  for (const server of [dc1, dc2, dc3]) {
    await eventually(
      `${server.dc} to see every server alive in the WAN pool`,
      async () => JSON.stringify(await aliveWanMembers(server)) === JSON.stringify(ALL),
    );
  }
});
after(() => federation.close());

describe("three datacenters federated over direct WAN", () => {
  test("every server lists every server alive with Consul's member fields", async () => {
    const { body } = await getJson<Record<string, unknown>[]>(`${dc2.api}/agent/members?wan=1`);
    const n1 = body.find((m) => m.Name === "n1.dc1")!;
    assert.equal(n1.Addr, "127.0.0.1");
    assert.equal(n1.Port, dc1.serfWanPort);
    assert.equal(n1.Status, 1);
    const tags = n1.Tags as Record<string, string>;
    assert.equal(tags.dc, "dc1");
    assert.equal(tags.role, "consul");
    assert.equal(tags.port, String(dc1.serverPort));
  });

  test("catalog/datacenters lists every known datacenter", async () => {
    const { body } = await getJson<string[]>(`${dc3.api}/catalog/datacenters`);
    assert.deepEqual([...body].sort(), ["dc1", "dc2", "dc3"]);
  });

  test("catalog, health and KV requests are forwarded in every direction", async () => {
    for (const from of [dc1, dc2, dc3]) {
      for (const to of [dc1, dc2, dc3]) {
        if (from === to) continue;
        const services = await getJson<Record<string, string[]>>(
          `${from.api}/catalog/services?dc=${to.dc}`,
        );
        assert.deepEqual(Object.keys(services.body), ["consul"], `${from.dc} -> ${to.dc} services`);
        const health = await getJson<{ Node: { Node: string } }[]>(
          `${from.api}/health/service/consul?dc=${to.dc}&passing`,
        );
        assert.deepEqual(
          health.body.map((e) => e.Node.Node),
          [to.node],
          `${from.dc} -> ${to.dc} health`,
        );
        const key = `from-${from.dc}`;
        const put = await fetch(`${from.api}/kv/${key}?dc=${to.dc}`, {
          method: "PUT",
          body: from.dc,
        });
        assert.equal(await put.text(), "true", `${from.dc} -> ${to.dc} KV write`);
        const local = await fetch(`${to.api}/kv/${key}?raw`);
        assert.equal(await local.text(), from.dc, `the write landed in ${to.dc} itself`);
      }
    }
  });

  test("a blocking query waits across the hop and wakes on the remote write", async () => {
    await fetch(`${dc2.api}/kv/blocking`, { method: "PUT", body: "before" });
    const first = await fetch(`${dc1.api}/kv/blocking?dc=dc2`);
    const index = first.headers.get("X-Consul-Index");
    await first.body?.cancel();
    let settled = false;
    const blocked = fetch(`${dc1.api}/kv/blocking?dc=dc2&raw&index=${index}&wait=20s`)
      .then(async (response) => ({
        text: await response.text(),
        index: response.headers.get("X-Consul-Index"),
      }))
      .finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, "the query is still waiting before the write");
    await fetch(`${dc2.api}/kv/blocking`, { method: "PUT", body: "after" });
    const result = await blocked;
    assert.equal(result.text, "after");
    assert.ok(Number(result.index) > Number(index), "the index moved past the one waited on");
  });

  test("an unknown datacenter answers 500 No path to datacenter", async () => {
    const response = await fetch(`${dc1.api}/catalog/services?dc=nowhere`);
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "No path to datacenter");
  });

  test("garbage and half-open connections on the RPC and gossip ports change nothing", async () => {
    for (const port of [dc1.serverPort, dc1.serfWanPort]) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.write(new Uint8Array(512).map((_, i) => (i * 37) & 0xff));
          socket.end();
        });
        socket.on("close", () => resolve());
        socket.on("error", () => resolve());
      });
    }
    const halfOpen = connect(dc1.serverPort, "127.0.0.1");
    const services = await getJson<Record<string, string[]>>(`${dc2.api}/catalog/services?dc=dc1`);
    assert.deepEqual(Object.keys(services.body), ["consul"]);
    assert.deepEqual(await aliveWanMembers(dc1), ALL);
    halfOpen.destroy();
  });
});

describe("a server whose certificate comes from another CA", () => {
  test("joins the gossip but its datacenter's RPC is refused", async () => {
    const rogue = await federation.addServer("dc4", "n4", { joinWan: dc1, otherCa: true });
    await federation.start(rogue);
    await eventually(
      "dc1 to learn about dc4 through gossip",
      async () => (await aliveWanMembers(dc1)).includes("n4.dc4"),
    );
    const response = await fetch(`${dc1.api}/catalog/services?dc=dc4`);
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "Remote DC has no server currently reachable");
    const reverse = await fetch(`${rogue.api}/catalog/services?dc=dc1`);
    assert.equal(reverse.status, 500, "dc1 refuses the rogue server's client certificate too");
    await rogue.agent!.shutdown();
  });
});
