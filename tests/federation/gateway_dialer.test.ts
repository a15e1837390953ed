import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GatewayDialError, MeshGatewayDialer } from "../../src/federation/gateway_dialer.ts";
import { GatewayCounters } from "../../src/gateway/counters.ts";
import { GatewayProxy } from "../../src/gateway/proxy.ts";
import { buildRouteTable, type RouteTable } from "../../src/gateway/route_table.ts";
import {
  GatewayGossipTransport,
  GOSSIP_PACKET_MAX_BYTES,
  NetTransport,
} from "../../src/gossip/mod.ts";
import { ALPN_RPC_MULTI, ALPN_WAN_GOSSIP_PACKET } from "../../src/rpc/alpn.ts";
import { ConnPool, ServerDialError } from "../../src/rpc/conn_pool.ts";
import { DC_NOT_AVAILABLE_TEXT } from "../../src/rpc/forwarding.ts";
import { RpcListener } from "../../src/rpc/rpc_listener.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Clock, Conn, NetAddr, Runtime } from "../../src/runtime/ports.ts";
import { issueTestPki, type TestPki } from "../rpc/_pki.ts";
import { pingRegistry } from "../rpc/_server_helpers.ts";

const WAIT_LIMIT_MS = 10_000;
const POLL_MS = 10;
/** An address on nobody's network: dials through a gateway must never use it. */
const UNROUTABLE: NetAddr = { hostname: "192.0.2.55", port: 8300 };

async function waitFor(clock: Clock, what: string, condition: () => boolean): Promise<void> {
  const deadline = clock.monotonicMs() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (clock.monotonicMs() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await clock.sleep(POLL_MS);
  }
}

/** Resolves once the other side ended `conn`; fails after a bound. */
async function endedByPeer(clock: Clock, conn: Conn, what: string): Promise<void> {
  const reader = conn.readable.getReader();
  let timedOut = false;
  const timer = clock.setTimer(WAIT_LIMIT_MS, () => {
    timedOut = true;
    reader.cancel().catch(() => {});
  });
  try {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
  } finally {
    timer.cancel();
    conn.close();
  }
  if (timedOut) throw new Error(`Timed out waiting until ${what}`);
}

interface Gateway {
  readonly proxy: GatewayProxy;
  readonly counters: GatewayCounters;
  readonly addr: string;
  table: RouteTable | null;
}

function routeCount(gateway: Gateway, route: string): number {
  return gateway.counters.snapshot().routes.find((r) => r.route === route)?.connections ?? 0;
}

describe("MeshGatewayDialer through real gateways", () => {
  let runtime: Runtime;
  let pki: TestPki;
  let gw1: Gateway;
  let gw2: Gateway;
  const listeners: RpcListener[] = [];
  let n1: RpcListener;
  let n3: RpcListener;
  let n2: RpcListener;
  let n2Gossip: GatewayGossipTransport;

  async function startGateway(): Promise<Gateway> {
    const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    const counters = new GatewayCounters();
    const gateway: Gateway = {
      addr: `127.0.0.1:${listener.addr.port}`,
      counters,
      table: null,
      proxy: new GatewayProxy({
        net: runtime.net,
        clock: runtime.clock,
        random: runtime.random,
        counters,
        routes: () => {
          assert.ok(gateway.table !== null, "the test set the route table");
          return gateway.table;
        },
      }),
    };
    gateway.proxy.serve(listener);
    return gateway;
  }

  async function startServer(
    name: string,
    tls: RpcTlsMaterial,
    hooks: Partial<Parameters<typeof RpcListener.listen>[0]> = {},
  ) {
    const listener = await RpcListener.listen({
      net: runtime.net,
      clock: runtime.clock,
      hostname: "127.0.0.1",
      port: 0,
      tls,
      registry: pingRegistry(name),
      ...hooks,
    });
    listeners.push(listener);
    return listener;
  }

  function hostPort(listener: RpcListener): string {
    return `127.0.0.1:${listener.addr.port}`;
  }

  /** dc1 routes n1 and n3 (optionally swapped, to present the wrong certificate). */
  function routeDc1(options: { swapped?: boolean } = {}): void {
    const [a, b] = options.swapped ? [n3, n1] : [n1, n3];
    gw1.table = buildRouteTable({
      localDc: "dc1",
      domain: "consul",
      localServers: [
        { node: "n1", rpcAddr: hostPort(a), healthy: true },
        { node: "n3", rpcAddr: hostPort(b), healthy: true },
      ],
      gatewaysByDc: new Map([["dc2", [{ addr: gw2.addr, healthy: true }]]]),
    });
  }

  function dc2Dialer(
    material: RpcTlsMaterial = pki.n2dc2,
    gateway = () => gw2.addr,
    lastResort?: (dc: string) => string[],
  ) {
    return new MeshGatewayDialer({
      net: runtime.net,
      material,
      domain: "consul",
      localDc: "dc2",
      pickGateway: gateway,
      ...(lastResort === undefined ? {} : { lastResortGateways: lastResort }),
    });
  }

  before(async () => {
    runtime = await currentRuntime();
    pki = await issueTestPki(runtime);
    gw1 = await startGateway();
    gw2 = await startGateway();
    n1 = await startServer("n1", pki.n1dc1);
    n3 = await startServer("n3", pki.n3dc1);
    const inner = await NetTransport.listen({
      net: runtime.net,
      clock: runtime.clock,
      bind: { hostname: "127.0.0.1", port: 0 },
    });
    n2Gossip = new GatewayGossipTransport({
      inner,
      dialer: dc2Dialer(),
      clock: runtime.clock,
      datacenter: "dc2",
    });
    n2 = await startServer("n2", pki.n2dc2, {
      gossipPacket: (conn) => n2Gossip.handlePacketConn(conn),
      gossipStream: (conn) => n2Gossip.handleStreamConn(conn),
    });
    routeDc1();
    gw2.table = buildRouteTable({
      localDc: "dc2",
      domain: "consul",
      localServers: [{ node: "n2", rpcAddr: hostPort(n2), healthy: true }],
      gatewaysByDc: new Map([["dc1", [{ addr: gw1.addr, healthy: true }]]]),
    });
  });

  after(async () => {
    await n2Gossip.close();
    await Promise.allSettled(listeners.map((listener) => listener.close()));
    await Promise.allSettled([gw1.proxy.close({ graceMs: 0 }), gw2.proxy.close({ graceMs: 0 })]);
  });

  test("a call to <node>.server.dc1 goes through both gateways to that server's RPC port", async () => {
    const pool = new ConnPool({ dialer: dc2Dialer(), clock: runtime.clock });
    try {
      const before1 = routeCount(gw1, "local-server:n3");
      const before2 = routeCount(gw2, "remote-dc:dc1");
      const answer = await pool.call(
        { dc: "dc1", node: "n3", addr: UNROUTABLE },
        "Status.Ping",
        {},
      );
      assert.equal(answer, "pong-n3");
      assert.equal(
        await pool.call({ dc: "dc1", node: "n1", addr: UNROUTABLE }, "Status.Ping", {}),
        "pong-n1",
      );
      assert.equal(routeCount(gw1, "local-server:n3"), before1 + 1);
      assert.equal(routeCount(gw2, "remote-dc:dc1"), before2 + 2);
    } finally {
      pool.close();
    }
  });

  test('node "*" or "" asks the gateway for any server of the datacenter', async () => {
    const dialer = dc2Dialer();
    const before = routeCount(gw1, "any-local-server");
    for (const node of ["*", ""]) {
      const conn = await dialer.dial("dc1", node, UNROUTABLE, ALPN_RPC_MULTI);
      assert.equal(conn.serverName, "server.dc1.consul");
      assert.equal(conn.alpnProtocol, ALPN_RPC_MULTI);
      assert.ok(conn.peerCertificate?.dnsNames.includes("server.dc1.consul"));
      conn.close();
    }
    assert.equal(routeCount(gw1, "any-local-server"), before + 2);
  });

  test("a server of the local datacenter is dialled at its own address, not a gateway", async () => {
    let picked = 0;
    const dialer = new MeshGatewayDialer({
      net: runtime.net,
      material: pki.n1dc1,
      domain: "consul",
      localDc: "dc1",
      pickGateway: () => {
        picked++;
        return "";
      },
    });
    const conn = await dialer.dial("dc1", "n3", n3.addr, ALPN_RPC_MULTI);
    assert.equal(conn.serverName, "n3.server.dc1.consul");
    conn.close();
    assert.equal(picked, 0);
  });

  test('no known gateway fails with Consul\'s "Remote DC has no server currently reachable"', async () => {
    const dialer = dc2Dialer(pki.n2dc2, () => "");
    await assert.rejects(
      dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI),
      (error: unknown) =>
        error instanceof GatewayDialError && error.kind === "no-gateway" &&
        error.message === DC_NOT_AVAILABLE_TEXT && error.datacenter === "dc1",
    );
    const pool = new ConnPool({ dialer, clock: runtime.clock });
    try {
      await assert.rejects(
        pool.call({ dc: "dc1", node: "n1", addr: UNROUTABLE }, "Status.Ping", {}),
        (error: unknown) =>
          error instanceof ServerDialError && error.cause instanceof GatewayDialError &&
          error.cause.message === DC_NOT_AVAILABLE_TEXT,
      );
    } finally {
      pool.close();
    }
  });

  test("a server presenting another node's certificate is refused (hostname verification)", async () => {
    routeDc1({ swapped: true });
    try {
      await assert.rejects(
        dc2Dialer().dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI),
        /n1\.server\.dc1\.consul.*altnames: DNS:n3\.server\.dc1\.consul/,
      );
    } finally {
      routeDc1();
    }
    // Routed correctly again, the same dial succeeds: the refusal was the name, nothing else.
    const conn = await dc2Dialer().dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI);
    conn.close();
  });

  test("a client certificate from a CA the servers do not trust is refused", async () => {
    const rejectedBefore = n1.snapshot().rejected.tlsHandshakeFailed;
    await assert.rejects(async () => {
      // The stranger trusts the real CA (so it would accept n1) but presents its own cert.
      const dialer = dc2Dialer({ ...pki.stranger, caPem: pki.n1dc1.caPem });
      const conn = await dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI);
      // TLS 1.3 reports a refused client certificate after the handshake: read to see it.
      const { done } = await conn.readable.getReader().read();
      conn.close();
      if (done) throw new Error("the server closed the connection");
    });
    await waitFor(
      runtime.clock,
      "n1 counted the failed handshake",
      () => n1.snapshot().rejected.tlsHandshakeFailed > rejectedBefore,
    );
  });

  test("an oversize gossip packet length through the gateways closes the tunnel and is counted", async () => {
    const dialer = new MeshGatewayDialer({
      net: runtime.net,
      material: pki.n1dc1,
      domain: "consul",
      localDc: "dc1",
      pickGateway: () => gw1.addr,
    });
    const conn = await dialer.dial("dc2", "n2", UNROUTABLE, ALPN_WAN_GOSSIP_PACKET);
    assert.equal(conn.alpnProtocol, ALPN_WAN_GOSSIP_PACKET);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, GOSSIP_PACKET_MAX_BYTES + 1);
    const writer = conn.writable.getWriter();
    await writer.write(header);
    writer.releaseLock();
    await endedByPeer(runtime.clock, conn, "n2 closed the oversize tunnel");
    await waitFor(
      runtime.clock,
      "the oversize packet is counted",
      () => n2Gossip.counters.snapshot().tunnelPacketsOversize === 1,
    );
    assert.equal(n2.snapshot().gossipPacketConns, 1);
  });

  test("a dial without a datacenter or ALPN fails with Consul's texts", async () => {
    const dialer = dc2Dialer();
    await assert.rejects(dialer.dial("", "n1", UNROUTABLE, ALPN_RPC_MULTI), {
      message: "cannot dial using ALPN-RPC without a target datacenter",
    });
    await assert.rejects(dialer.dial("dc1", "n1", UNROUTABLE, ""), {
      message: "cannot dial using ALPN-RPC without a target alpn protocol",
    });
    const noTls = dc2Dialer({ caPem: "", certPem: "", keyPem: "" });
    await assert.rejects(noTls.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI), {
      message: "cannot dial via a mesh gateway when outgoing TLS is disabled",
    });
  });

  test("a dead gateway still listed is skipped for another one in the same dial", async () => {
    const dead = await freeClosedPort();
    const picks = [`127.0.0.1:${dead}`, gw2.addr];
    let next = 0;
    const dialer = dc2Dialer(pki.n2dc2, () => picks[Math.min(next++, picks.length - 1)]);
    const conn = await dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI);
    assert.equal(conn.alpnProtocol, ALPN_RPC_MULTI);
    assert.equal(next, 2, "the second pick was used");
    conn.close();
  });

  test("gateways listed as critical are tried, in order, only after every usable one failed", async () => {
    const [deadUsable, deadCritical] = [await freeClosedPort(), await freeClosedPort()];
    let picks = 0;
    const asked: string[] = [];
    const dialer = dc2Dialer(pki.n2dc2, () => {
      picks++;
      return `127.0.0.1:${deadUsable}`;
    }, (dc) => {
      asked.push(dc);
      return [`127.0.0.1:${deadUsable}`, `127.0.0.1:${deadCritical}`, gw2.addr];
    });
    const conn = await dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI);
    assert.equal(conn.alpnProtocol, ALPN_RPC_MULTI, "reached n1 through the last-resort gateway");
    conn.close();
    assert.deepEqual(asked, ["dc1"]);
    assert.ok(picks >= 2, "the usable list was exhausted first (repeat picks included)");

    const reachable = dc2Dialer(pki.n2dc2, () => gw2.addr, () => {
      throw new Error("last resort consulted although a usable gateway worked");
    });
    (await reachable.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI)).close();
  });

  test("when every gateway fails, the error names the last one tried", async () => {
    const [usable, critical] = [await freeClosedPort(), await freeClosedPort()];
    const dialer = dc2Dialer(pki.n2dc2, () => `127.0.0.1:${usable}`, () => [
      `127.0.0.1:${critical}`,
    ]);
    await assert.rejects(dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI), {
      message: new RegExp(`Could not connect to mesh gateway 127\\.0\\.0\\.1:${critical} `),
    });
  });

  test("a gateway address that is not host:port is refused with a clear error", async () => {
    const dialer = dc2Dialer(pki.n2dc2, () => "gateway-without-port");
    await assert.rejects(
      dialer.dial("dc1", "n1", UNROUTABLE, ALPN_RPC_MULTI),
      (error: unknown) => error instanceof GatewayDialError && error.kind === "bad-gateway-address",
    );
  });
});

/** A loopback port with nothing listening (bound, then released). */
async function freeClosedPort(): Promise<number> {
  const listener = await (await currentRuntime()).net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  await listener.close();
  return port;
}
