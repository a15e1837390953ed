import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ALPN_RPC_MULTI,
  ALPN_WAN_GOSSIP_PACKET,
  ALPN_WAN_GOSSIP_STREAM,
  RpcType,
} from "../../src/rpc/alpn.ts";
import { ConnPool, DirectServerDialer, ServerDialError } from "../../src/rpc/conn_pool.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import { YamuxSession } from "../../src/rpc/yamux_session.ts";
import type { RpcListener } from "../../src/rpc/rpc_listener.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";
import type { Conn, TlsConn } from "../../src/runtime/ports.ts";
import { issueTestPki, type TestPki } from "./_pki.ts";
import {
  closedByPeer,
  loadRuntime,
  NET_TEST_TIMEOUT_MS,
  pingRegistry,
  startListener,
  waitUntil,
} from "./_server_helpers.ts";

const runtime = await loadRuntime();
const skip = runtime === null ? "no runtime adapter for this runtime" : false;
const opts = { skip, timeout: NET_TEST_TIMEOUT_MS };

let pki: TestPki;
const listeners: RpcListener[] = [];
const pools: ConnPool[] = [];

before(async () => {
  if (runtime) pki = await issueTestPki(runtime);
});

after(async () => {
  for (const pool of pools) pool.close();
  await Promise.all(listeners.map((listener) => listener.close()));
});

async function listen(options: Parameters<typeof startListener>[3] = {}): Promise<RpcListener> {
  const listener = await startListener(runtime!, pki.n1dc1, pingRegistry("n1"), options);
  listeners.push(listener);
  return listener;
}

function poolWith(material: RpcTlsMaterial): ConnPool {
  const pool = new ConnPool({
    dialer: new DirectServerDialer(runtime!.net, material, { domain: "consul" }),
    clock: runtime!.clock,
  });
  pools.push(pool);
  return pool;
}

function rawDial(listener: RpcListener): Promise<Conn> {
  return runtime!.net.dialTcp({ hostname: "127.0.0.1", port: listener.addr.port });
}

async function write(conn: Conn, bytes: Uint8Array | string): Promise<void> {
  const writer = conn.writable.getWriter();
  await writer.write(typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes);
  writer.releaseLock();
}

describe("RPC listener on loopback with mutual TLS", () => {
  test("native TLS with ALPN consul/rpc-multi serves Status.Ping over yamux", opts, async () => {
    const listener = await listen();
    const pool = poolWith(pki.n3dc1);
    const target = { dc: "dc1", node: "n1", addr: listener.addr };
    assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
    const stats = listener.snapshot();
    assert.equal(stats.rpcSessions, 1);
    assert.equal(stats.streams.answered, 1);
    assert.equal(Object.values(stats.rejected).reduce((a, b) => a + b, 0), 0);
  });

  test("a client certificate from another CA is refused and counted", opts, async () => {
    const listener = await listen();
    // Trusts the right CA (so the client accepts the server) but presents a stranger's cert.
    const impostor = { ...pki.stranger, caPem: pki.n1dc1.caPem };
    const pool = poolWith(impostor);
    const target = { dc: "dc1", node: "n1", addr: listener.addr };
    await assert.rejects(pool.call(target, "Status.Ping", {}, { timeoutMs: 10_000 }));
    await waitUntil(
      () => listener.snapshot().rejected.tlsHandshakeFailed === 1,
      "the refused handshake to be counted",
    );
    assert.equal(listener.snapshot().rpcSessions, 0);
    assert.equal(listener.snapshot().streams.answered, 0);
  });

  test("the client refuses a server whose certificate names another datacenter", opts, async () => {
    const listener = await listen({ handshakeTimeoutMs: 1_000 }); // presents n1.server.dc1.consul
    const pool = poolWith(pki.n2dc2);
    const target = { dc: "dc2", node: "n1", addr: listener.addr };
    const error = await pool.call(target, "Status.Ping", {}).then(() => null, (e) => e);
    assert.ok(error instanceof ServerDialError, `expected a dial error, got ${error}`);
    assert.match(error.message, /server n1 in dc2/);
    // With TLS 1.3 the server's handshake is done before the client checks the name, so
    // the server may see a session that closes at once; it never serves a call on it.
    await waitUntil(() => listener.snapshot().active === 0, "the refused connection to close");
    const { rejected, rpcSessions, streams } = listener.snapshot();
    assert.equal(streams.answered, 0);
    // The server either sees the aborted handshake fail or time out, or (TLS 1.3) a session
    // that ends at once: exactly one of the three.
    assert.equal(rejected.tlsHandshakeFailed + rejected.handshakeTimeout + rpcSessions, 1);
  });

  test(
    "garbage, plain type bytes, half-open and silent connections are closed and counted " +
      "while a good connection keeps working",
    opts,
    async () => {
      const listener = await listen({ handshakeTimeoutMs: 300 });
      const pool = poolWith(pki.n3dc1);
      const target = { dc: "dc1", node: "n1", addr: listener.addr };
      assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
      let stop = false;
      let goodCalls = 0;
      const pinging = (async () => {
        while (!stop) {
          assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
          goodCalls++;
        }
      })();
      const garbage = await rawDial(listener);
      await write(garbage, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const plainMultiplex = await rawDial(listener);
      await write(plainMultiplex, new Uint8Array([RpcType.MultiplexV2, 0, 0, 0]));
      const plainConsul = await rawDial(listener);
      await write(plainConsul, new Uint8Array([RpcType.Consul]));
      const halfOpen = await rawDial(listener);
      await halfOpen.writable.close();
      const silent = await rawDial(listener);
      const stalledTls = await rawDial(listener);
      await write(stalledTls, new Uint8Array([0x16, 0x03, 0x01]));
      await Promise.all([
        closedByPeer(garbage, "the garbage connection to be closed"),
        closedByPeer(plainMultiplex, "the plain RPCMultiplexV2 connection to be closed"),
        closedByPeer(plainConsul, "the plain RPCConsul connection to be closed"),
        closedByPeer(halfOpen, "the half-open connection to be closed"),
        closedByPeer(silent, "the silent connection to time out"),
        closedByPeer(stalledTls, "the stalled TLS handshake to time out"),
      ]);
      const countedBefore = goodCalls;
      await waitUntil(() => goodCalls > countedBefore + 3, "good calls to keep succeeding");
      stop = true;
      await pinging;
      await waitUntil(
        () => listener.snapshot().rejected.handshakeTimeout === 2,
        "both handshake timeouts to be counted",
      );
      const { rejected, rpcSessions } = listener.snapshot();
      assert.equal(rejected.unrecognizedByte, 1);
      assert.equal(rejected.nonTls, 2);
      assert.equal(rejected.closedBeforeTypeByte, 1);
      assert.equal(rejected.handshakeTimeout, 2);
      assert.equal(rejected.tlsHandshakeFailed, 0);
      assert.equal(rpcSessions, 1, "the good calls share one session");
      await waitUntil(() => listener.snapshot().active === 1, "only the good connection to remain");
    },
  );

  test("connections over the per-client limit are closed and counted", opts, async () => {
    const listener = await listen({ maxConnsPerClient: 2 });
    const first = await rawDial(listener);
    const second = await rawDial(listener);
    await waitUntil(() => listener.snapshot().active === 2, "two connections to be admitted");
    const third = await rawDial(listener);
    await closedByPeer(third, "the third connection to be refused");
    assert.equal(listener.snapshot().rejected.perClientLimit, 1);
    first.close();
    await waitUntil(() => listener.snapshot().active === 1, "the closed connection to be freed");
    const fourth = await rawDial(listener);
    await waitUntil(() => listener.snapshot().active === 2, "a new connection to be admitted");
    assert.equal(listener.snapshot().rejected.perClientLimit, 1);
    second.close();
    fourth.close();
  });

  test("the RPCTLS byte, then RPCMultiplexV2 inside TLS, serves RPC", opts, async () => {
    const listener = await listen();
    const tcp = await rawDial(listener);
    await write(tcp, new Uint8Array([RpcType.Tls]));
    const tls = await runtime!.net.upgradeClientTls(tcp, {
      caPem: pki.n3dc1.caPem,
      certPem: pki.n3dc1.certPem,
      keyPem: pki.n3dc1.keyPem,
      serverName: "server.dc1.consul",
    });
    await write(tls, new Uint8Array([RpcType.MultiplexV2]));
    const session = new YamuxSession(tls, { role: "client", clock: runtime!.clock });
    try {
      const client = new RpcClient(session, { clock: runtime!.clock });
      assert.equal(await client.call("Status.Ping", {}), "pong-n1");
      assert.equal(listener.snapshot().rpcSessions, 1);
    } finally {
      session.close();
    }
  });

  test("the RPCTLS byte followed by another RPCTLS inside TLS is refused", opts, async () => {
    const listener = await listen();
    const tcp = await rawDial(listener);
    await write(tcp, new Uint8Array([RpcType.Tls]));
    const tls = await runtime!.net.upgradeClientTls(tcp, {
      caPem: pki.n3dc1.caPem,
      certPem: pki.n3dc1.certPem,
      keyPem: pki.n3dc1.keyPem,
      serverName: "server.dc1.consul",
    });
    await write(tls, new Uint8Array([RpcType.Tls]));
    await closedByPeer(tls, "TLS-in-TLS to be refused");
    await waitUntil(() => listener.snapshot().rejected.tlsInTls === 1, "tlsInTls to be counted");
  });

  test("WAN gossip ALPNs reach the caller's hooks", opts, async () => {
    const seen: string[] = [];
    const echo = (conn: TlsConn) => {
      seen.push(conn.alpnProtocol ?? "none");
      conn.readable.pipeTo(conn.writable).catch(() => conn.close());
    };
    const listener = await listen({ gossipPacket: echo, gossipStream: echo });
    const dialer = new DirectServerDialer(runtime!.net, pki.n3dc1, { domain: "consul" });
    for (const alpn of [ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM]) {
      const conn = await dialer.dial("dc1", "n1", listener.addr, alpn);
      await write(conn, "hello");
      const reader = conn.readable.getReader();
      const { value } = await reader.read();
      assert.equal(new TextDecoder().decode(value), "hello");
      reader.releaseLock();
      conn.close();
    }
    assert.deepEqual(seen, [ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM]);
    const stats = listener.snapshot();
    assert.equal(stats.gossipPacketConns, 1);
    assert.equal(stats.gossipStreamConns, 1);
  });

  test("a negotiated ALPN without a handler is closed and counted", opts, async () => {
    const listener = await listen();
    const dialer = new DirectServerDialer(runtime!.net, pki.n3dc1, { domain: "consul" });
    const conn = await dialer.dial("dc1", "n1", listener.addr, ALPN_WAN_GOSSIP_STREAM);
    await closedByPeer(conn, "the unhandled ALPN connection to be closed");
    await waitUntil(
      () => listener.snapshot().rejected.unhandledAlpn === 1,
      "unhandledAlpn to be counted",
    );
    assert.equal(listener.snapshot().rpcSessions, 0);
  });

  test("closing the listener ends its sessions and frees the port", opts, async () => {
    const listener = await listen();
    const pool = poolWith(pki.n3dc1);
    const target = { dc: "dc1", node: "n1", addr: listener.addr };
    assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
    await listener.close();
    assert.equal(listener.snapshot().active, 0);
    await waitUntil(() => pool.snapshot().sessions === 0, "the pool to see its session end");
    const error = await pool.call(target, "Status.Ping", {}).then(() => null, (e) => e);
    assert.ok(error instanceof ServerDialError, `expected a dial error, got ${error}`);
    assert.equal(ALPN_RPC_MULTI, "consul/rpc-multi");
  });
});
