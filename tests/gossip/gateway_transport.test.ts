import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  GatewayGossipTransport,
  type GatewayGossipTransportOptions,
  type GatewayTunnelDialer,
  GOSSIP_PACKET_MAX_BYTES,
  type GossipPacket,
  type GossipTransport,
  NetTransport,
  WanNameError,
  type WanPool,
} from "../../src/gossip/mod.ts";
import { encodeGossipKey } from "../../src/gossip/keyring.ts";
import { MeshGatewayDialer } from "../../src/federation/gateway_dialer.ts";
import { GatewayCounters } from "../../src/gateway/counters.ts";
import { GatewayProxy } from "../../src/gateway/proxy.ts";
import { buildRouteTable, type RouteTable } from "../../src/gateway/route_table.ts";
import { ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM } from "../../src/rpc/alpn.ts";
import { RpcListener } from "../../src/rpc/rpc_listener.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Clock, Conn, NetAddr, Runtime, TlsConn } from "../../src/runtime/ports.ts";
import { connPair } from "../../src/runtime/streams.ts";
import { issueTestPki, type TestPki } from "../rpc/_pki.ts";
import { pingRegistry } from "../rpc/_server_helpers.ts";
import { MemoryHub } from "./_memory_transport.ts";
import { allAlive, startTestPool, statusIn, stopAll, waitFor } from "./_wan_helpers.ts";

const TEST_TIMEOUT_MS = 60_000;

/** A dialer that hands out in-memory connections and remembers every dial. */
class FakeDialer implements GatewayTunnelDialer {
  readonly dials: { dc: string; node: string; addr: NetAddr; alpn: string }[] = [];
  /** The far ends of the connections handed out, in dial order. */
  readonly peers: Conn[] = [];
  failWith: Error | null = null;

  dial(dc: string, node: string, addr: NetAddr, alpn: string): Promise<TlsConn> {
    this.dials.push({ dc, node, addr, alpn });
    if (this.failWith !== null) return Promise.reject(this.failWith);
    const [mine, theirs] = connPair({
      addrs: [{ hostname: "10.0.0.1", port: 40000 }, { hostname: "198.18.0.9", port: 8443 }],
    });
    this.peers.push(theirs);
    return Promise.resolve(asTls(mine, alpn));
  }
}

function asTls(conn: Conn, alpn: string | null): TlsConn {
  return Object.assign(conn, { alpnProtocol: alpn, serverName: null, peerCertificate: null });
}

/** Reads exactly `n` bytes from `conn`, failing after a bound. */
async function readBytes(clock: Clock, conn: Conn, n: number): Promise<Uint8Array> {
  const reader = conn.readable.getReader();
  const out = new Uint8Array(n);
  let got = 0;
  const timer = clock.setTimer(5_000, () => reader.cancel());
  try {
    while (got < n) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`stream ended after ${got} of ${n} bytes`);
      out.set(value.subarray(0, n - got), got);
      got += Math.min(value.byteLength, n - got);
    }
  } finally {
    timer.cancel();
    reader.releaseLock();
  }
  return out;
}

/** Resolves once `conn`'s readable ends (the other side closed it); fails after a bound. */
async function endedByPeer(clock: Clock, conn: Conn, what: string): Promise<void> {
  const reader = conn.readable.getReader();
  let timedOut = false;
  const timer = clock.setTimer(10_000, () => {
    timedOut = true;
    reader.cancel();
  });
  try {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
    }
  } finally {
    timer.cancel();
  }
  if (timedOut) throw new Error(`Timed out waiting until ${what}`);
}

function framed(bytes: Uint8Array, length = bytes.byteLength): Uint8Array {
  const out = new Uint8Array(4 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, length);
  out.set(bytes, 4);
  return out;
}

async function write(conn: Conn, bytes: Uint8Array): Promise<void> {
  const writer = conn.writable.getWriter();
  try {
    await writer.write(bytes);
  } finally {
    writer.releaseLock();
  }
}

/** Collects packets from a transport in the background. */
function collect(transport: GossipTransport): GossipPacket[] {
  const packets: GossipPacket[] = [];
  void (async () => {
    for await (const packet of transport.packets()) packets.push(packet);
  })();
  return packets;
}

describe("gateway gossip transport (in memory)", () => {
  let runtime: Runtime;
  before(async () => {
    runtime = await currentRuntime();
  });

  function setup(options: Partial<GatewayGossipTransportOptions> = {}) {
    const hub = new MemoryHub();
    const inner = hub.transport({ hostname: "10.0.0.1", port: 8302 });
    const local = hub.transport({ hostname: "10.0.0.2", port: 8302 });
    const dialer = new FakeDialer();
    const transport = new GatewayGossipTransport({
      inner,
      dialer,
      clock: runtime.clock,
      datacenter: "dc1",
      ...options,
    });
    return { hub, inner, local, dialer, transport };
  }

  test("packets to this datacenter or to a nameless address use the wrapped transport", async () => {
    const { local, dialer, transport } = setup();
    try {
      const seen = collect(local);
      await transport.sendPacket({ name: "s2.dc1", hostname: "10.0.0.2", port: 8302 }, b("a"));
      await transport.sendPacket({ hostname: "10.0.0.2", port: 8302 }, b("b"));
      await waitFor(runtime.clock, "both packets arrived", () => seen.length === 2);
      assert.deepEqual(seen.map((p) => text(p.bytes)), ["a", "b"]);
      assert.equal(dialer.dials.length, 0);
    } finally {
      await transport.close();
    }
  });

  test("a packet to another datacenter is framed with a big-endian length on a tunnel", async () => {
    const { dialer, transport } = setup();
    try {
      const to = { name: "s9.dc2", hostname: "10.9.9.9", port: 8302 };
      await transport.sendPacket(to, b("hello"));
      assert.deepEqual(dialer.dials, [{
        dc: "dc2",
        node: "s9",
        addr: { hostname: "10.9.9.9", port: 8302 },
        alpn: ALPN_WAN_GOSSIP_PACKET,
      }]);
      const bytes = await readBytes(runtime.clock, dialer.peers[0], 9);
      assert.deepEqual([...bytes], [0, 0, 0, 5, ...b("hello")]);
      assert.equal(transport.counters.snapshot().tunnelPacketsSent, 1);
    } finally {
      await transport.close();
    }
  });

  test("tunnels are pooled per member name: a second packet reuses the first tunnel", async () => {
    const { dialer, transport } = setup();
    try {
      const to = { name: "s9.dc2", hostname: "10.9.9.9", port: 8302 };
      await transport.sendPacket(to, b("one"));
      await transport.sendPacket(to, b("two"));
      await transport.sendPacket({ ...to, name: "s8.dc2" }, b("three"));
      assert.deepEqual(dialer.dials.map((d) => d.node), ["s9", "s8"]);
      const bytes = await readBytes(runtime.clock, dialer.peers[0], 14);
      assert.deepEqual(text(bytes.subarray(4, 7)), "one");
      assert.deepEqual(text(bytes.subarray(11, 14)), "two");
    } finally {
      await transport.close();
    }
  });

  test("a tunnel the other end closed is not reused; the next packet dials a new one", async () => {
    const { dialer, transport } = setup();
    try {
      const to = { name: "s9.dc2", hostname: "10.9.9.9", port: 8302 };
      await transport.sendPacket(to, b("one"));
      dialer.peers[0].close();
      await waitFor(
        runtime.clock,
        "the closed tunnel left the pool",
        () => transport.counters.snapshot().tunnelPacketConnsOpen === 0,
      );
      await transport.sendPacket(to, b("two"));
      assert.equal(dialer.dials.length, 2);
      const bytes = await readBytes(runtime.clock, dialer.peers[1], 7);
      assert.equal(text(bytes.subarray(4)), "two");
    } finally {
      await transport.close();
    }
  });

  test("a failed dial is counted, not thrown: gossip tolerates lost packets", async () => {
    const { dialer, transport } = setup();
    try {
      dialer.failWith = new Error("Remote DC has no server currently reachable");
      await transport.sendPacket({ name: "s9.dc2", hostname: "10.9.9.9", port: 8302 }, b("x"));
      assert.equal(transport.counters.snapshot().tunnelPacketSendErrors, 1);
      assert.equal(transport.counters.snapshot().tunnelPacketsSent, 0);
    } finally {
      await transport.close();
    }
  });

  test("a member name that does not encode a datacenter is refused with Consul's text", async () => {
    const { transport } = setup();
    try {
      await assert.rejects(
        transport.sendPacket({ name: "a.b.c", hostname: "10.9.9.9", port: 8302 }, b("x")),
        (error: unknown) =>
          error instanceof WanNameError &&
          error.message === "node name does not encode a datacenter: a.b.c",
      );
    } finally {
      await transport.close();
    }
  });

  test("the join placeholder *.<dc> dials any server of that datacenter over a stream tunnel", async () => {
    const { dialer, transport } = setup();
    try {
      const conn = await transport.dialStream(
        { name: "*.dc2", hostname: "192.0.2.2", port: 8302 },
        5_000,
      );
      assert.deepEqual(dialer.dials, [{
        dc: "dc2",
        node: "*",
        addr: { hostname: "192.0.2.2", port: 8302 },
        alpn: ALPN_WAN_GOSSIP_STREAM,
      }]);
      await write(conn, b("raw"));
      assert.equal(text(await readBytes(runtime.clock, dialer.peers[0], 3)), "raw");
      conn.close();
      assert.equal(transport.counters.snapshot().tunnelStreamsDialed, 1);
    } finally {
      await transport.close();
    }
  });

  test("streams within the datacenter use the wrapped transport", async () => {
    const { local, dialer, transport } = setup();
    try {
      const conn = await transport.dialStream(
        { name: "s2.dc1", hostname: "10.0.0.2", port: 8302 },
        5_000,
      );
      const iterator = local.streams()[Symbol.asyncIterator]();
      const accepted = await iterator.next();
      assert.equal(accepted.done, false);
      conn.close();
      assert.equal(dialer.dials.length, 0);
    } finally {
      await transport.close();
    }
  });

  test("tunnelled packets and streams are merged with the wrapped transport's", async () => {
    const { local, transport } = setup();
    try {
      const seen = collect(transport);
      await local.sendPacket({ hostname: "10.0.0.1", port: 8302 }, b("udp"));
      const [mine, theirs] = connPair({
        addrs: [{ hostname: "10.0.0.1", port: 8300 }, { hostname: "198.18.0.9", port: 5555 }],
      });
      transport.handlePacketConn(asTls(mine, ALPN_WAN_GOSSIP_PACKET));
      await write(theirs, framed(b("tunnel")));
      await waitFor(runtime.clock, "two packets arrived", () => seen.length === 2);
      const tunnelled = seen.find((p) => text(p.bytes) === "tunnel");
      assert.deepEqual(tunnelled?.from, { hostname: "198.18.0.9", port: 5555 });
      assert.ok(seen.some((p) => text(p.bytes) === "udp"));

      const [streamMine, streamTheirs] = connPair();
      transport.handleStreamConn(asTls(streamMine, ALPN_WAN_GOSSIP_STREAM));
      const next = await transport.streams()[Symbol.asyncIterator]().next();
      assert.equal(next.done, false);
      await write(streamTheirs, b("s"));
      assert.equal(text(await readBytes(runtime.clock, next.value.conn, 1)), "s");
      theirs.close();
      streamTheirs.close();
    } finally {
      await transport.close();
    }
  });

  test("an announced packet length above 4 MiB closes the tunnel and is counted", async () => {
    const logged: string[] = [];
    const { transport } = setup({
      log: (_level, _message, fields) => logged.push(String(fields?.error)),
    });
    try {
      const [mine, theirs] = connPair();
      transport.handlePacketConn(asTls(mine, ALPN_WAN_GOSSIP_PACKET));
      await write(theirs, framed(new Uint8Array(0), GOSSIP_PACKET_MAX_BYTES + 1));
      await endedByPeer(runtime.clock, theirs, "the oversize tunnel was closed");
      assert.equal(transport.counters.snapshot().tunnelPacketsOversize, 1);
      assert.deepEqual(logged, [
        `gossip packet size ${GOSSIP_PACKET_MAX_BYTES + 1} exceeds threshold of ` +
        `${GOSSIP_PACKET_MAX_BYTES}`,
      ]);
    } finally {
      await transport.close();
    }
  });

  test("an inbound packet tunnel silent for the idle time is closed and counted", async () => {
    const { transport } = setup({ maxIdleMs: 200 });
    try {
      const [mine, theirs] = connPair();
      transport.handlePacketConn(asTls(mine, ALPN_WAN_GOSSIP_PACKET));
      await endedByPeer(runtime.clock, theirs, "the idle tunnel was closed");
      await waitFor(
        runtime.clock,
        "the idle close is counted",
        () => transport.counters.snapshot().tunnelPacketConnsIdleClosed === 1,
      );
    } finally {
      await transport.close();
    }
  });

  test("the reaper closes outbound tunnels idle for the idle time", async () => {
    const { dialer, transport } = setup({ maxIdleMs: 200 });
    try {
      await transport.sendPacket({ name: "s9.dc2", hostname: "10.9.9.9", port: 8302 }, b("x"));
      await readBytes(runtime.clock, dialer.peers[0], 5);
      await endedByPeer(runtime.clock, dialer.peers[0], "the reaper closed the idle tunnel");
      const counters = transport.counters.snapshot();
      assert.equal(counters.tunnelPacketConnsReaped, 1);
      assert.equal(counters.tunnelPacketConnsOpen, 0);
    } finally {
      await transport.close();
    }
  });

  test("close ends both iterables and closes the wrapped transport", async () => {
    const { inner, transport } = setup();
    const packets = transport.packets()[Symbol.asyncIterator]();
    const streams = transport.streams()[Symbol.asyncIterator]();
    await transport.close();
    assert.equal((await packets.next()).done, true);
    assert.equal((await streams.next()).done, true);
    assert.equal(inner.closed, true);
  });
});

/** One server of a federation test: its WAN pool, tunnel transport and RPC listener. */
interface TestServer {
  readonly pool: WanPool;
  readonly transport: GatewayGossipTransport;
  readonly inner: NetTransport;
  readonly rpc: RpcListener;
}

/** One datacenter's mesh gateway with a route table that follows the test's servers. */
interface TestGateway {
  readonly proxy: GatewayProxy;
  readonly counters: GatewayCounters;
  readonly addr: string;
  table: RouteTable;
}

describe("WAN gossip through mesh gateways (loopback sockets)", () => {
  let runtime: Runtime;
  let pki: TestPki;

  before(async () => {
    runtime = await currentRuntime();
    pki = await issueTestPki(runtime);
  });

  /** A gateway for `dc` that routes nothing until the test sets its table. */
  async function startGateway(dc: string): Promise<TestGateway> {
    const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    const counters = new GatewayCounters();
    const gateway: TestGateway = {
      counters,
      addr: `127.0.0.1:${listener.addr.port}`,
      table: buildRouteTable({
        localDc: dc,
        domain: "consul",
        localServers: [],
        gatewaysByDc: new Map(),
      }),
      proxy: new GatewayProxy({
        net: runtime.net,
        clock: runtime.clock,
        random: runtime.random,
        counters,
        routes: () => gateway.table,
      }),
    };
    gateway.proxy.serve(listener);
    return gateway;
  }

  async function startServer(
    node: string,
    dc: string,
    material: RpcTlsMaterial,
    gateway: TestGateway,
    encryptKeys?: string[],
  ): Promise<TestServer> {
    // The advertised address is unroutable (TEST-NET-1): only the gateways connect the DCs.
    const inner = await NetTransport.listen({
      net: runtime.net,
      clock: runtime.clock,
      bind: { hostname: "127.0.0.1", port: 0 },
      advertise: { hostname: "192.0.2.10", port: 0 },
    });
    const dialer = new MeshGatewayDialer({
      net: runtime.net,
      material,
      domain: "consul",
      localDc: dc,
      pickGateway: () => gateway.addr,
    });
    const transport = new GatewayGossipTransport({
      inner,
      dialer,
      clock: runtime.clock,
      datacenter: dc,
    });
    const rpc = await RpcListener.listen({
      net: runtime.net,
      clock: runtime.clock,
      hostname: "127.0.0.1",
      port: 0,
      tls: material,
      registry: pingRegistry(node),
      gossipPacket: (conn) => transport.handlePacketConn(conn),
      gossipStream: (conn) => transport.handleStreamConn(conn),
    });
    const pool = await startTestPool(node, dc, {
      transport,
      ...(encryptKeys === undefined ? {} : { encryptKeys }),
    });
    return { pool, transport, inner, rpc };
  }

  /** Two DCs, one server each, each behind its own gateway; the gateways know each other. */
  async function federation(encryptKeys?: string[]) {
    const gw1 = await startGateway("dc1");
    const gw2 = await startGateway("dc2");
    const s1 = await startServer("n1", "dc1", pki.n1dc1, gw1, encryptKeys);
    const s2 = await startServer("n2", "dc2", pki.n2dc2, gw2, encryptKeys);
    const route = (dc: string, node: string, rpc: RpcListener, remoteDc: string, remote: string) =>
      buildRouteTable({
        localDc: dc,
        domain: "consul",
        localServers: [{ node, rpcAddr: `127.0.0.1:${rpc.addr.port}`, healthy: true }],
        gatewaysByDc: new Map([[remoteDc, [{ addr: remote, healthy: true }]]]),
      });
    gw1.table = route("dc1", "n1", s1.rpc, "dc2", gw2.addr);
    gw2.table = route("dc2", "n2", s2.rpc, "dc1", gw1.addr);
    const stop = async () => {
      await stopAll([s1.pool, s2.pool]);
      await Promise.allSettled([s1.rpc.close(), s2.rpc.close()]);
      await Promise.allSettled([gw1.proxy.close({ graceMs: 0 }), gw2.proxy.close({ graceMs: 0 })]);
    };
    return { gw1, gw2, s1, s2, stop };
  }

  test(
    "dc2 joins dc1 with *.dc1/192.0.2.2 through the gateways and both see each other alive",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { gw1, gw2, s1, s2, stop } = await federation();
      try {
        assert.equal(await s2.pool.join(["*.dc1/192.0.2.2:8302"]), 1);
        await waitFor(
          runtime.clock,
          "both pools see n1.dc1 and n2.dc2 alive",
          () => allAlive([s1.pool, s2.pool], ["n1.dc1", "n2.dc2"]),
        );
        // Wait for a few probe rounds, so packets flowed both ways through the tunnels.
        await waitFor(
          runtime.clock,
          "packets tunnelled both ways",
          () =>
            s1.transport.counters.snapshot().tunnelPacketsReceived >= 3 &&
            s2.transport.counters.snapshot().tunnelPacketsReceived >= 3,
        );

        const c1 = s1.transport.counters.snapshot();
        const c2 = s2.transport.counters.snapshot();
        assert.ok(c2.tunnelStreamsDialed >= 1, "the join ran over a stream tunnel");
        assert.ok(c1.tunnelStreamsAccepted >= 1, "n1 accepted the tunnelled join stream");
        assert.ok(c1.tunnelPacketsSent >= 1 && c2.tunnelPacketsSent >= 1);
        // Nothing crossed the plain UDP/TCP port: the gateways are the only path.
        for (const inner of [s1.inner, s2.inner]) {
          const plain = inner.counters.snapshot();
          assert.equal(plain.packetsSent + plain.packetsReceived, 0);
          assert.equal(plain.streamsDialed + plain.streamsAccepted, 0);
        }
        // The member's address is what it advertises, not a gateway.
        const n1 = s2.pool.members().find((m) => m.Name === "n1.dc1");
        assert.equal(n1?.Addr, "192.0.2.10");

        const routes1 = new Map(gw1.counters.snapshot().routes.map((r) => [r.route, r]));
        const routes2 = new Map(gw2.counters.snapshot().routes.map((r) => [r.route, r]));
        assert.ok((routes1.get("any-local-server")?.connections ?? 0) >= 1, "join: any server");
        assert.ok((routes1.get("local-server:n1")?.connections ?? 0) >= 1);
        assert.ok((routes2.get("remote-dc:dc1")?.connections ?? 0) >= 2);
        assert.ok((routes1.get("remote-dc:dc2")?.connections ?? 0) >= 1);
        assert.ok(s1.rpc.snapshot().gossipPacketConns >= 1);
        assert.ok(s2.rpc.snapshot().gossipPacketConns >= 1);
      } finally {
        await stop();
      }
    },
  );

  test(
    "with gossip encryption on, the pools still converge through the gateways",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const key = encodeGossipKey(runtime.random.bytes(32));
      const { s1, s2, stop } = await federation([key]);
      try {
        assert.equal(await s2.pool.join(["*.dc1/192.0.2.2:8302"]), 1);
        await waitFor(
          runtime.clock,
          "both pools see each other alive",
          () => allAlive([s1.pool, s2.pool], ["n1.dc1", "n2.dc2"]),
        );
        await waitFor(runtime.clock, "n1 decrypted tunnelled packets", () => {
          const encryption = s1.pool.counters().encryption;
          return encryption !== null && encryption.packetsDecrypted > 0 &&
            s1.transport.counters.snapshot().tunnelPacketsReceived > 0;
        });
        assert.equal(s1.pool.counters().encryption?.packetDecryptFailures, 0);
      } finally {
        await stop();
      }
    },
  );

  test(
    "a killed dc1 server becomes failed (4) in dc2's view",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const { s1, s2, stop } = await federation();
      try {
        await s2.pool.join(["*.dc1/192.0.2.2:8302"]);
        await waitFor(
          runtime.clock,
          "both alive",
          () => allAlive([s1.pool, s2.pool], ["n1.dc1", "n2.dc2"]),
        );
        await s1.pool.stop();
        await s1.rpc.close();
        await waitFor(
          runtime.clock,
          "n1.dc1 is failed in dc2",
          () => statusIn(s2.pool, "n1.dc1") === 4,
        );
        assert.ok(s2.transport.counters.snapshot().tunnelPacketSendErrors > 0);
      } finally {
        await stop();
      }
    },
  );
});

function b(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
