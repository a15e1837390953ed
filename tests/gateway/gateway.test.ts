import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Runtime } from "../../src/runtime/ports.ts";
import { type MeshGateway, startMeshGateway } from "../../src/gateway/gateway.ts";
import { FakeAgent, gatewayEntry, serverEntry } from "./_fake_agent.ts";
import {
  dialThrough,
  eventually,
  type GatewayPki,
  issueGatewayPki,
  readLine,
  TlsPeer,
} from "./_tls_peers.ts";

const WAIT_MS = 10_000;

describe("mesh gateway with a local agent", () => {
  let runtime: Runtime;
  let pki: GatewayPki;
  let agent: FakeAgent;
  let n1: TlsPeer;
  let n2: TlsPeer;
  let remote: TlsPeer;
  const peers: TlsPeer[] = [];

  before(async () => {
    runtime = await currentRuntime();
    pki = await issueGatewayPki(runtime);
    n1 = await TlsPeer.start(runtime, "n1", await pki.server("n1", "dc1"));
    n2 = await TlsPeer.start(runtime, "n2", await pki.server("n2", "dc1"));
    remote = await TlsPeer.start(runtime, "dc2-gateway", await pki.server("s9", "dc2"));
    peers.push(n1, n2, remote);
    agent = new FakeAgent(runtime);
    agent.setServers([
      serverEntry("n1", "127.0.0.1", n1.addr.port),
      serverEntry("n2", "127.0.0.1", n2.addr.port),
    ]);
    await agent.start();
  });

  after(async () => {
    await agent.stop();
    await Promise.all(peers.map((peer) => peer.stop()));
  });

  function start(overrides: Partial<Parameters<typeof startMeshGateway>[0]> = {}) {
    return startMeshGateway({
      runtime,
      agentAddr: agent.address,
      token: "gateway-token",
      lanAddr: { Address: "127.0.0.1", Port: 0 },
      wanAddr: { Address: "127.0.0.2", Port: 0 },
      exposeServers: true,
      register: true,
      ...overrides,
    });
  }

  test("registers as Consul's connect envoy does and deregisters on stop", async () => {
    const gateway = await start();
    const [lan, wan] = gateway.addrs;
    assert.equal(gateway.addrs.length, 2);
    assert.equal(lan.hostname, "127.0.0.1");
    assert.equal(wan.hostname, "127.0.0.2");
    const registration = agent.seen("/v1/agent/service/register").at(-1)!;
    assert.equal(registration.token, "gateway-token");
    assert.deepEqual(JSON.parse(registration.body), {
      Kind: "mesh-gateway",
      ID: "mesh-gateway",
      Name: "mesh-gateway",
      Address: "127.0.0.1",
      Port: lan.port,
      TaggedAddresses: {
        lan: { Address: "127.0.0.1", Port: lan.port },
        wan: { Address: "127.0.0.2", Port: wan.port },
      },
      Meta: { "consul-wan-federation": "1" },
      Proxy: {
        Config: {
          envoy_gateway_no_default_bind: true,
          envoy_gateway_bind_tagged_addresses: true,
        },
      },
      Check: {
        Name: "mesh-gateway listening",
        TCP: `127.0.0.1:${lan.port}`,
        Interval: "10s",
        DeregisterCriticalServiceAfter: "6h",
      },
    });
    assert.deepEqual(agent.deregistrations, []);
    await gateway.stop();
    assert.deepEqual(agent.deregistrations, ["mesh-gateway"]);
    assert.equal(agent.seen("/v1/agent/service/deregister/mesh-gateway")[0].token, "gateway-token");
  });

  test("without -expose-servers there is no federation meta; -service names the service", async () => {
    const gateway = await start({ exposeServers: false, serviceName: "edge", wanAddr: null });
    const body = JSON.parse(agent.seen("/v1/agent/service/register").at(-1)!.body);
    assert.equal(body.Name, "edge");
    assert.equal(body.ID, "edge");
    assert.equal(body.Meta, undefined);
    assert.equal(body.Proxy, undefined);
    assert.deepEqual(Object.keys(body.TaggedAddresses), ["lan"]);
    await gateway.stop();
    assert.equal(agent.deregistrations.at(-1), "edge");
  });

  test("listens on LAN and WAN and routes both to the named server", async () => {
    const gateway = await start({ register: false });
    await gateway.routes.ready;
    for (const addr of gateway.addrs) {
      const conn = await dialThrough(runtime, addr, "n2.server.dc1.consul", pki.client);
      assert.equal(await readLine(conn), "n2 n2.server.dc1.consul");
      conn.close();
    }
    await gateway.stop();
  });

  test("routes follow the catalog and federation states without a restart", async () => {
    agent.setGateways(null);
    let gateway: MeshGateway | null = null;
    const moved = await TlsPeer.start(runtime, "n1-moved", await pki.server("n1", "dc1"));
    peers.push(moved);
    try {
      gateway = await start({ register: false });
      await gateway.routes.ready;
      const [lan] = gateway.addrs;
      const first = await dialThrough(runtime, lan, "n1.server.dc1.consul", pki.client);
      assert.equal(await readLine(first), "n1 n1.server.dc1.consul");
      first.close();
      await assert.rejects(dialThrough(runtime, lan, "s9.server.dc2.consul", pki.client));

      agent.setGateways({ dc2: [gatewayEntry("gw-dc2", "127.0.0.1", remote.addr.port)] });
      agent.setServers([
        serverEntry("n1", "127.0.0.1", moved.addr.port),
        serverEntry("n2", "127.0.0.1", n2.addr.port),
      ]);
      const routes = gateway.routes;
      await eventually(
        runtime,
        () =>
          routes.current().servers.get("n1")?.addr === moved.hostPort &&
          routes.current().remoteDcs.has("dc2"),
        WAIT_MS,
        "route table follows the agent",
      );
      const second = await dialThrough(runtime, lan, "n1.server.dc1.consul", pki.client);
      assert.equal(await readLine(second), "n1-moved n1.server.dc1.consul");
      second.close();
      const cross = await dialThrough(runtime, lan, "s9.server.dc2.consul", pki.client);
      assert.equal(await readLine(cross), "dc2-gateway s9.server.dc2.consul");
      cross.close();
      const blocking = agent.seen("/v1/health/service/consul").filter((r) => r.query !== "");
      assert.ok(blocking.some((r) => /(^|&)index=\d+/.test(r.query) && /wait=\d+ms/.test(r.query)));
    } finally {
      await gateway?.stop();
      agent.setServers([
        serverEntry("n1", "127.0.0.1", n1.addr.port),
        serverEntry("n2", "127.0.0.1", n2.addr.port),
      ]);
    }
  });

  test("the admin listener answers /ready and /stats with counters and routes", async () => {
    const gateway = await start({
      register: false,
      adminAddr: { hostname: "127.0.0.1", port: 0 },
    });
    await gateway.routes.ready;
    const conn = await dialThrough(runtime, gateway.addrs[0], "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(conn), "n1 n1.server.dc1.consul");
    conn.close();
    const base = `http://127.0.0.1:${gateway.adminAddr!.port}`;
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), "LIVE\n");
    const stats = await (await fetch(`${base}/stats`)).json();
    assert.equal(stats.routes.localDc, "dc1");
    assert.deepEqual(stats.routes.servers.map((s: { node: string }) => s.node), ["n1", "n2"]);
    assert.equal(stats.counters.routes[0].route, "local-server:n1");
    assert.equal(stats.counters.routes[0].connections, 1);
    const missing = await fetch(`${base}/config_dump`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    await gateway.stop();
  });

  test("an unbindable LAN address fails with Consul's advice and registers nothing", async () => {
    const registrations = agent.registrations.length;
    await assert.rejects(
      start({ lanAddr: { Address: "192.0.2.77", Port: 0 }, wanAddr: null }),
      /The LAN address "192\.0\.2\.77" will not be bindable/,
    );
    assert.equal(agent.registrations.length, registrations);
  });
});
