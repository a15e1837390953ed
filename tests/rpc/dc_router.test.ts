import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSeededRandom } from "../../src/runtime/random.ts";
import {
  DcRouter,
  MAX_SERVERS_PER_DATACENTER,
  RouterInputError,
  type RouterServer,
} from "../../src/rpc/dc_router.ts";

function server(node: string, port = 8300): RouterServer {
  return { node, addr: { hostname: `10.0.0.${node.length}`, port } };
}

function router(seed = 1): DcRouter {
  return new DcRouter({ localDc: "dc1", random: createSeededRandom(seed) });
}

function picks(r: DcRouter, dc: string, times: number): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < times; i++) {
    const route = r.findRoute(dc);
    assert.equal(route.kind, "server");
    if (route.kind === "server") seen.add(route.server.node);
  }
  return seen;
}

describe("datacenter router", () => {
  test("an unknown datacenter has no route; a known one without servers has no server", () => {
    const r = router();
    assert.deepEqual(r.findRoute("dc9"), { kind: "unknown-dc" });
    r.setServers("dc2", []);
    assert.deepEqual(r.findRoute("dc2"), { kind: "no-server" });
    assert.equal(r.hasDatacenter("dc2"), true);
    assert.equal(r.removeDatacenter("dc2"), true);
    assert.deepEqual(r.findRoute("dc2"), { kind: "unknown-dc" });
  });

  test("knownDatacenters lists the local one and every set one, sorted", () => {
    const r = router();
    r.setServers("dc3", [server("c")]);
    r.setServers("dc10", [server("d")]);
    r.setServers("dc2", [server("b")]);
    assert.deepEqual(r.knownDatacenters(), ["dc1", "dc10", "dc2", "dc3"]);
  });

  test("picks are spread over every healthy server", () => {
    const r = router(7);
    r.setServers("dc2", [server("a"), server("bb"), server("ccc")]);
    assert.deepEqual([...picks(r, "dc2", 200)].sort(), ["a", "bb", "ccc"]);
  });

  test("a failed server moves to the back and is not picked while others are healthy", () => {
    const r = router(3);
    r.setServers("dc2", [server("a"), server("bb"), server("ccc")]);
    r.notifyFailedServer("dc2", "bb");
    assert.equal(r.servers("dc2").at(-1)?.node, "bb");
    assert.equal(r.isFailed("dc2", "bb"), true);
    assert.deepEqual([...picks(r, "dc2", 200)].sort(), ["a", "ccc"]);
    r.notifyServerHealthy("dc2", "bb");
    assert.deepEqual([...picks(r, "dc2", 200)].sort(), ["a", "bb", "ccc"]);
  });

  test("when every server failed, the one that failed longest ago is tried", () => {
    const r = router();
    r.setServers("dc2", [server("a"), server("bb")]);
    r.notifyFailedServer("dc2", "bb");
    r.notifyFailedServer("dc2", "a");
    assert.deepEqual(r.findRoute("dc2"), { kind: "server", server: server("bb") });
    r.notifyFailedServer("dc2", "bb");
    assert.deepEqual(r.findRoute("dc2"), { kind: "server", server: server("a") });
  });

  test("setServers keeps failure marks of servers that stay and drops servers that left", () => {
    const r = router();
    r.setServers("dc2", [server("a"), server("bb")]);
    r.notifyFailedServer("dc2", "a");
    r.setServers("dc2", [server("a"), server("ccc")]);
    assert.deepEqual(r.servers("dc2").map((s) => s.node), ["ccc", "a"]);
    assert.equal(r.isFailed("dc2", "a"), true);
    // The same node at a new address is a new server, without the old mark.
    r.setServers("dc2", [server("a", 9300)]);
    assert.equal(r.isFailed("dc2", "a"), false);
  });

  test("server lists with duplicate nodes or beyond the bound are refused", () => {
    const r = router();
    assert.throws(() => r.setServers("dc2", [server("a"), server("a", 9)]), RouterInputError);
    const many = Array.from({ length: MAX_SERVERS_PER_DATACENTER + 1 }, (_, i) => server(`n${i}`));
    assert.throws(() => r.setServers("dc2", many), /at most 256/);
    assert.equal(r.hasDatacenter("dc2"), false);
  });

  test("notifications for unknown servers or datacenters change nothing", () => {
    const r = router();
    r.setServers("dc2", [server("a")]);
    r.notifyFailedServer("dc2", "zz");
    r.notifyFailedServer("dc9", "a");
    r.notifyServerHealthy("dc9", "a");
    assert.equal(r.isFailed("dc2", "a"), false);
    assert.deepEqual(r.knownDatacenters(), ["dc1", "dc2"]);
  });
});
