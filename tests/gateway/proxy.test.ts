import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { NetAddr, Random, Runtime } from "../../src/runtime/ports.ts";
import { GatewayProxy, type ProxyLimits } from "../../src/gateway/proxy.ts";
import { GatewayCounters } from "../../src/gateway/counters.ts";
import { buildRouteTable, type RouteTable } from "../../src/gateway/route_table.ts";
import { buildHello, frame } from "./_hello_bytes.ts";
import { SeededRandom } from "./_seeded_random.ts";
import {
  dialThrough,
  endsWithin,
  eventually,
  type GatewayPki,
  issueGatewayPki,
  rawDial,
  readLine,
  TlsPeer,
  within,
} from "./_tls_peers.ts";

const WAIT_MS = 5_000;

/** Always picks the first candidate, so failover order is known. */
const FIRST: Random = { float: () => 0, int: () => 0, bytes: (n) => new Uint8Array(n) };

interface Harness {
  proxy: GatewayProxy;
  counters: GatewayCounters;
  addr: NetAddr;
}

describe("gateway proxy", () => {
  let runtime: Runtime;
  let pki: GatewayPki;
  let n1: TlsPeer;
  let n2: TlsPeer;
  let remote: TlsPeer;
  let deadPort: number;
  const harnesses: Harness[] = [];

  before(async () => {
    runtime = await currentRuntime();
    pki = await issueGatewayPki(runtime);
    n1 = await TlsPeer.start(runtime, "n1", await pki.server("n1", "dc1"));
    n2 = await TlsPeer.start(runtime, "n2", await pki.server("n2", "dc1"));
    remote = await TlsPeer.start(runtime, "dc2-gateway", await pki.server("x", "dc2"));
    const closed = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    deadPort = closed.addr.port;
    await closed.close();
  });

  after(async () => {
    for (const harness of harnesses) await harness.proxy.close({ graceMs: 0 });
    await Promise.all([n1.stop(), n2.stop(), remote.stop()]);
  });

  function table(
    overrides: {
      n1Healthy?: boolean;
      servers?: [string, string, boolean][];
      dc2Gateways?: { addr: string; healthy: boolean }[];
    } = {},
  ) {
    const servers = overrides.servers ?? [
      ["n1", n1.hostPort, overrides.n1Healthy ?? true],
      ["n2", n2.hostPort, true],
    ];
    return buildRouteTable({
      localDc: "dc1",
      domain: "consul",
      localServers: servers.map(([node, rpcAddr, healthy]) => ({ node, rpcAddr, healthy })),
      gatewaysByDc: new Map([
        ["dc2", overrides.dc2Gateways ?? [{ addr: remote.hostPort, healthy: true }]],
      ]),
    });
  }

  async function startProxy(
    routes: () => RouteTable,
    limits: Partial<ProxyLimits> = {},
    random: Random = runtime.random,
  ): Promise<Harness> {
    const counters = new GatewayCounters();
    const proxy = new GatewayProxy({
      net: runtime.net,
      clock: runtime.clock,
      random,
      counters,
      routes,
      limits: { helloTimeoutMs: 400, ...limits },
    });
    const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    proxy.serve(listener);
    const harness = { proxy, counters, addr: listener.addr };
    harnesses.push(harness);
    return harness;
  }

  async function echo(
    conn: { readable: ReadableStream<Uint8Array> } & {
      writable: WritableStream<Uint8Array>;
    },
    text: string,
  ): Promise<string> {
    const writer = conn.writable.getWriter();
    await writer.write(new TextEncoder().encode(`${text}\n`));
    writer.releaseLock();
    return await readLine(conn as never);
  }

  test("gateway routes <node>.server.<dc> to that server with mutual TLS end to end", async () => {
    const fixed = table();
    const { addr, counters } = await startProxy(() => fixed);
    for (const node of ["n1", "n2"]) {
      const sni = `${node}.server.dc1.consul`;
      const conn = await dialThrough(runtime, addr, sni, pki.client);
      // The handshake verified the server's certificate for this exact name: the gateway,
      // holding no key, could only have passed the bytes through.
      assert.equal(await readLine(conn), `${node} ${sni}`);
      assert.equal(await echo(conn, "ping"), "ping");
      conn.close();
    }
    await eventually(runtime, () => counters.snapshot().totals.active === 0, WAIT_MS, "close");
    const routes = counters.snapshot().routes;
    assert.deepEqual(routes.map((row) => [row.route, row.connections]), [
      ["local-server:n1", 1],
      ["local-server:n2", 1],
    ]);
    assert.ok(routes.every((row) => row.bytesIn > 0 && row.bytesOut > 0));
  });

  test("server.<localdc> reaches a healthy local server", async () => {
    const fixed = table({ n1Healthy: false });
    const { addr, counters } = await startProxy(() => fixed);
    for (let attempt = 0; attempt < 4; attempt++) {
      const conn = await dialThrough(runtime, addr, "server.dc1.consul", pki.client);
      assert.equal(await readLine(conn), "n2 server.dc1.consul");
      conn.close();
    }
    await eventually(runtime, () => counters.snapshot().totals.active === 0, WAIT_MS, "close");
    assert.equal(counters.snapshot().routes[0].route, "any-local-server");
    assert.equal(counters.snapshot().routes[0].connections, 4);
  });

  test("a name in another datacenter reaches that datacenter's gateway", async () => {
    const fixed = table();
    const { addr, counters } = await startProxy(() => fixed);
    const conn = await dialThrough(runtime, addr, "x.server.dc2.consul", pki.client);
    assert.equal(await readLine(conn), "dc2-gateway x.server.dc2.consul");
    conn.close();
    assert.equal(counters.snapshot().routes[0].route, "remote-dc:dc2");
  });

  test("bad, unknown, truncated and slow hellos are closed and counted; good traffic flows", async () => {
    const fixed = table();
    const { addr, counters } = await startProxy(() => fixed);
    const good = await dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(good), "n1 n1.server.dc1.consul");

    await assert.rejects(dialThrough(runtime, addr, "x.server.dc9.consul", pki.client));
    const garbage = await rawDial(
      runtime,
      addr,
      new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"),
    );
    await endsWithin(runtime, garbage, WAIT_MS);
    const hello = frame(buildHello());
    const truncated = await rawDial(runtime, addr, hello.subarray(0, 20));
    await truncated.writable.close();
    await endsWithin(runtime, truncated, WAIT_MS);
    const slow = await rawDial(runtime, addr, hello.subarray(0, 10));
    await endsWithin(runtime, slow, WAIT_MS);
    [garbage, truncated, slow].forEach((conn) => conn.close());

    assert.deepEqual(counters.snapshot().rejects, {
      "hello-incomplete": 1,
      "hello-timeout": 1,
      "not-handshake-record": 1,
      "unknown-datacenter": 1,
    });
    assert.equal(await echo(good, "still here"), "still here");
    good.close();
  });

  test("random bytes on many connections never crash the gateway; each is closed and counted", async () => {
    const fixed = table();
    const { addr, counters, proxy } = await startProxy(() => fixed);
    const good = await dialThrough(runtime, addr, "n2.server.dc1.consul", pki.client);
    assert.equal(await readLine(good), "n2 n2.server.dc1.consul");
    const seeded = new SeededRandom(20240611);
    const hello = frame(buildHello());
    const inputs: Uint8Array[] = [];
    for (let i = 0; i < 24; i++) {
      const noise = seeded.bytes(1 + seeded.int(600));
      // Some start like a real hello so the parser goes deeper before it gives up.
      if (i % 3 === 0) noise.set(hello.subarray(0, Math.min(noise.length, 1 + seeded.int(40))));
      inputs.push(noise);
    }
    const conns = await Promise.all(inputs.map((bytes) => rawDial(runtime, addr, bytes)));
    await Promise.all(conns.map((conn) => endsWithin(runtime, conn, WAIT_MS)));
    conns.forEach((conn) => conn.close());
    await eventually(runtime, () => proxy.stats().activeConnections === 1, WAIT_MS, "cleanup");
    assert.equal(counters.snapshot().totals.rejects, inputs.length);
    assert.equal(await echo(good, "unharmed"), "unharmed");
    good.close();
  });

  test("connections beyond the limit are closed at once and counted", async () => {
    const fixed = table();
    const { addr, counters, proxy } = await startProxy(() => fixed, {
      maxConnections: 2,
      helloTimeoutMs: 30_000,
    });
    const partial = frame(buildHello()).subarray(0, 10);
    const held = [await rawDial(runtime, addr, partial), await rawDial(runtime, addr, partial)];
    await eventually(runtime, () => proxy.stats().activeConnections === 2, WAIT_MS, "accept");
    const third = await rawDial(runtime, addr, partial);
    await endsWithin(runtime, third, WAIT_MS);
    assert.equal(counters.snapshot().rejects["connection-limit"], 1);
    held[0].close();
    await eventually(runtime, () => proxy.stats().activeConnections === 1, WAIT_MS, "release");
    const good = await dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(good), "n1 n1.server.dc1.consul");
    good.close();
    held[1].close();
    third.close();
  });

  test("an idle spliced connection is closed; traffic keeps a connection open", async () => {
    const fixed = table();
    const { addr, proxy } = await startProxy(() => fixed, { idleTimeoutMs: 300 });
    const busy = await dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(busy), "n1 n1.server.dc1.consul");
    const silent = await dialThrough(runtime, addr, "n2.server.dc1.consul", pki.client);
    assert.equal(await readLine(silent), "n2 n2.server.dc1.consul");
    const silentEnded = endsWithin(runtime, silent, WAIT_MS);
    for (let round = 0; round < 8; round++) {
      assert.equal(await echo(busy, `tick ${round}`), `tick ${round}`);
      await runtime.clock.sleep(100);
    }
    await silentEnded;
    assert.equal(proxy.stats().idleTimeouts, 1);
    busy.close();
  });

  test("a failed dial is retried once on another healthy target, then refused", async () => {
    const servers: [string, string, boolean][] = [
      ["dead", `127.0.0.1:${deadPort}`, true],
      ["n2", n2.hostPort, true],
    ];
    const fixed = table({ servers });
    const { addr, counters, proxy } = await startProxy(() => fixed, {}, FIRST);
    const conn = await dialThrough(runtime, addr, "server.dc1.consul", pki.client);
    assert.equal(await readLine(conn), "n2 server.dc1.consul");
    conn.close();
    assert.equal(proxy.stats().dialFailures, 1);
    await assert.rejects(dialThrough(runtime, addr, "dead.server.dc1.consul", pki.client));
    await eventually(
      runtime,
      () => counters.snapshot().rejects["connect-failed"] === 1,
      WAIT_MS,
      "connect-failed counted",
    );
  });

  test("another datacenter's unhealthy gateway is the last resort when its healthy ones fail", async () => {
    const fixed = table({
      dc2Gateways: [
        { addr: `127.0.0.1:${deadPort}`, healthy: true },
        { addr: remote.hostPort, healthy: false },
      ],
    });
    const { addr, proxy } = await startProxy(() => fixed, {}, FIRST);
    const conn = await dialThrough(runtime, addr, "server.dc2.consul", pki.client);
    assert.equal(await readLine(conn), "dc2-gateway server.dc2.consul");
    conn.close();
    assert.equal(proxy.stats().dialFailures, 1, "the healthy (dead) gateway was tried first");

    const onlyUnhealthy = table({ dc2Gateways: [{ addr: remote.hostPort, healthy: false }] });
    const second = await startProxy(() => onlyUnhealthy, {}, FIRST);
    const direct = await dialThrough(runtime, second.addr, "x.server.dc2.consul", pki.client);
    assert.equal(await readLine(direct), "dc2-gateway x.server.dc2.consul");
    direct.close();
    assert.equal(second.proxy.stats().dialFailures, 0);
  });

  test("routes follow the table in force when each connection arrives", async () => {
    let current = table();
    const { addr } = await startProxy(() => current);
    const before = await dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(before), "n1 n1.server.dc1.consul");
    current = table({ servers: [["n1", n2.hostPort, true]] });
    // n2's certificate does not hold n1's name, so a verifying client refuses it: proof that
    // the new connection went to the new address.
    await assert.rejects(dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client));
    assert.equal(await echo(before, "old route"), "old route");
    before.close();
  });

  test("closing the gateway drains spliced connections, then cuts them after the grace", async () => {
    const fixed = table();
    const { addr, proxy } = await startProxy(() => fixed);
    const conn = await dialThrough(runtime, addr, "n1.server.dc1.consul", pki.client);
    assert.equal(await readLine(conn), "n1 n1.server.dc1.consul");
    const ended = endsWithin(runtime, conn, WAIT_MS);
    await within(runtime, proxy.close({ graceMs: 200 }), WAIT_MS, "close finished");
    await ended;
    assert.equal(proxy.stats().activeConnections, 0);
    await assert.rejects(runtime.net.dialTcp({ hostname: "127.0.0.1", port: addr.port }));
  });
});
