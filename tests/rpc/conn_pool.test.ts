import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Clock, NetAddr, TlsConn } from "../../src/runtime/ports.ts";
import { connPair } from "../../src/runtime/streams.ts";
import {
  ConnPool,
  DEFAULT_POOL_IDLE_MS,
  DirectServerDialer,
  POOL_REAP_INTERVAL_MS,
  PoolExhaustedError,
  type ServerDialer,
  ServerDialError,
} from "../../src/rpc/conn_pool.ts";
import { RpcRegistry, serveStream } from "../../src/rpc/endpoints.ts";
import { YamuxSession } from "../../src/rpc/yamux_session.ts";
import type { RpcListener } from "../../src/rpc/rpc_listener.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { waitFor } from "./_helpers.ts";
import { issueTestPki, type TestPki } from "./_pki.ts";
import {
  loadRuntime,
  NET_TEST_TIMEOUT_MS,
  pingRegistry,
  startListener,
  waitUntil,
} from "./_server_helpers.ts";

/** Dials in-memory servers by node name; each dial is a new yamux server session. */
class MemoryDialer implements ServerDialer {
  readonly dialed: string[] = [];
  readonly serverSessions: YamuxSession[] = [];
  readonly #registries: Map<string, RpcRegistry>;
  readonly #clock: Clock;

  constructor(registries: Map<string, RpcRegistry>, clock: Clock) {
    this.#registries = registries;
    this.#clock = clock;
  }

  dial(dc: string, node: string, _addr: NetAddr, alpn: string): Promise<TlsConn> {
    this.dialed.push(`${dc}/${node}`);
    const registry = this.#registries.get(node);
    if (!registry) return Promise.reject(new Error("connection refused"));
    const [client, server] = connPair();
    const session = new YamuxSession(server, {
      role: "server",
      clock: this.#clock,
      keepaliveIntervalMs: 0,
    });
    this.serverSessions.push(session);
    (async () => {
      for await (const stream of session) serveStream(stream, registry);
    })();
    return Promise.resolve({
      ...client,
      alpnProtocol: alpn,
      serverName: node,
      peerCertificate: null,
    });
  }
}

const ADDR = { hostname: "10.0.0.1", port: 8300 };

function memoryPool(nodes: Record<string, RpcRegistry>, options: { maxSessions?: number } = {}) {
  const clock = new FakeClock();
  const dialer = new MemoryDialer(new Map(Object.entries(nodes)), clock);
  const pool = new ConnPool({ dialer, clock, yamux: { keepaliveIntervalMs: 0 }, ...options });
  return { pool, dialer, clock };
}

describe("connection pool with in-memory servers", () => {
  test("concurrent first calls to one server share a single dial", async () => {
    const { pool, dialer } = memoryPool({ n1: pingRegistry("n1") });
    const target = { dc: "dc2", node: "n1", addr: ADDR };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => pool.call(target, "Status.Ping", {})),
    );
    assert.deepEqual(new Set(answers), new Set(["pong-n1"]));
    assert.deepEqual(dialer.dialed, ["dc2/n1"]);
    assert.equal(pool.snapshot().sessions, 1);
    pool.close();
  });

  test("the same node and address in two datacenters get separate sessions", async () => {
    const { pool, dialer } = memoryPool({ n1: pingRegistry("n1") });
    await pool.call({ dc: "dc1", node: "n1", addr: ADDR }, "Status.Ping", {});
    await pool.call({ dc: "dc2", node: "n1", addr: ADDR }, "Status.Ping", {});
    assert.deepEqual(dialer.dialed, ["dc1/n1", "dc2/n1"]);
    pool.close();
  });

  test("a failed dial is a ServerDialError and is counted", async () => {
    const { pool } = memoryPool({});
    const target = { dc: "dc2", node: "gone", addr: ADDR };
    const error = await pool.call(target, "Status.Ping", {}).then(() => null, (e) => e);
    assert.ok(error instanceof ServerDialError);
    assert.match(error.message, /server gone in dc2 at 10\.0\.0\.1:8300: connection refused/);
    assert.equal(pool.snapshot().dialFailures, 1);
    pool.close();
  });

  test("a session idle for two minutes is reaped and the next call dials again", async () => {
    const { pool, dialer, clock } = memoryPool({ n1: pingRegistry("n1") });
    const target = { dc: "dc2", node: "n1", addr: ADDR };
    await pool.call(target, "Status.Ping", {});
    clock.advance(POOL_REAP_INTERVAL_MS);
    assert.equal(pool.snapshot().sessions, 1, "30 s idle is not enough to be reaped");
    clock.advance(DEFAULT_POOL_IDLE_MS);
    assert.equal(pool.snapshot().reaped, 1);
    assert.equal(pool.snapshot().sessions, 0);
    await waitFor(() => dialer.serverSessions[0].isClosed, "the server to see the close");
    assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
    assert.equal(dialer.dialed.length, 2);
    pool.close();
  });

  test("the least recently used idle session makes room under the bound", async () => {
    const { pool, dialer } = memoryPool(
      { n1: pingRegistry("n1"), n2: pingRegistry("n2") },
      { maxSessions: 1 },
    );
    await pool.call({ dc: "dc2", node: "n1", addr: ADDR }, "Status.Ping", {});
    await pool.call({ dc: "dc2", node: "n2", addr: ADDR }, "Status.Ping", {});
    assert.equal(pool.snapshot().evicted, 1);
    assert.equal(pool.snapshot().sessions, 1);
    await waitFor(() => dialer.serverSessions[0].isClosed, "the evicted session to close");
    pool.close();
  });

  test("a full pool of busy sessions refuses a new server with PoolExhaustedError", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    const slow = new RpcRegistry();
    slow.register("Slow.Wait", async () => {
      await held;
      return "done";
    });
    const { pool } = memoryPool({ n1: slow, n2: pingRegistry("n2") }, { maxSessions: 1 });
    const busy = pool.call({ dc: "dc2", node: "n1", addr: ADDR }, "Slow.Wait", {});
    await waitFor(() => pool.snapshot().sessions === 1, "the first session");
    await assert.rejects(
      pool.call({ dc: "dc2", node: "n2", addr: ADDR }, "Status.Ping", {}),
      PoolExhaustedError,
    );
    release();
    assert.equal(await busy, "done");
    pool.close();
  });
});

const runtime = await loadRuntime();
const skip = runtime === null ? "no runtime adapter for this runtime" : false;
const netOpts = { skip, timeout: NET_TEST_TIMEOUT_MS };

describe("connection pool over loopback TLS", () => {
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

  function tlsPool(): ConnPool {
    const pool = new ConnPool({
      dialer: new DirectServerDialer(runtime!.net, pki.n3dc1, { domain: "consul" }),
      clock: runtime!.clock,
    });
    pools.push(pool);
    return pool;
  }

  test("many calls to one server use one TCP connection", netOpts, async () => {
    const listener = await startListener(runtime!, pki.n1dc1, pingRegistry("n1"));
    listeners.push(listener);
    const pool = tlsPool();
    const target = { dc: "dc1", node: "n1", addr: listener.addr };
    for (let i = 0; i < 5; i++) assert.equal(await pool.call(target, "Status.Ping", {}), "pong-n1");
    const burst = await Promise.all(
      Array.from({ length: 50 }, () => pool.call(target, "Status.Ping", {})),
    );
    assert.equal(burst.length, 50);
    assert.equal(listener.snapshot().accepted, 1);
    assert.equal(listener.snapshot().streams.answered, 55);
    assert.equal(pool.snapshot().dials, 1);
  });

  test("after the server restarts on the same port the pool dials it again", netOpts, async () => {
    const first = await startListener(runtime!, pki.n1dc1, pingRegistry("before"));
    const port = first.addr.port;
    const pool = tlsPool();
    const target = { dc: "dc1", node: "n1", addr: first.addr };
    assert.equal(await pool.call(target, "Status.Ping", {}), "pong-before");
    await first.close();
    const second = await startListener(runtime!, pki.n1dc1, pingRegistry("after"), { port });
    listeners.push(second);
    await waitUntil(() => pool.snapshot().sessions === 0, "the pool to drop the dead session");
    assert.equal(await pool.call(target, "Status.Ping", {}), "pong-after");
    assert.equal(pool.snapshot().dials, 2);
    assert.equal(second.snapshot().accepted, 1);
  });
});
