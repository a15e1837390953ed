import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Runtime } from "../../src/runtime/ports.ts";
import { RpcError } from "../../src/rpc/client.ts";
import { ConnPool, DirectServerDialer } from "../../src/rpc/conn_pool.ts";
import { DcRouter } from "../../src/rpc/dc_router.ts";
import { RpcRegistry } from "../../src/rpc/endpoints.ts";
import {
  DC_NOT_AVAILABLE_TEXT,
  ForwardError,
  forwardTimeoutMs,
  NO_PATH_TO_DC_TEXT,
  RpcForwarder,
  withoutToken,
} from "../../src/rpc/forwarding.ts";
import type { RpcListener } from "../../src/rpc/rpc_listener.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";
import { issueTestPki, type TestPki } from "./_pki.ts";
import {
  loadRuntime,
  NET_TEST_TIMEOUT_MS,
  pingRegistry,
  startListener,
  waitUntil,
} from "./_server_helpers.ts";

describe("forwarding helpers", () => {
  test("a blocking query's call timeout covers its wait and jitter", () => {
    assert.equal(forwardTimeoutMs({ MinQueryIndex: 5, MaxQueryTime: 16_000 }, 60_000), 77_000);
    assert.equal(forwardTimeoutMs({ MinQueryIndex: 5 }, 1_000), 1_000 + 300_000 + 18_750);
    assert.equal(
      forwardTimeoutMs({ MinQueryIndex: 5, MaxQueryTime: 3_600_000 }, 0),
      600_000 + 37_500,
      "the wait is capped at 10 minutes",
    );
    assert.equal(forwardTimeoutMs({ MaxQueryTime: 16_000 }, 60_000), 60_000, "not blocking");
    assert.equal(forwardTimeoutMs("x", 60_000), 60_000);
  });

  test("withoutToken drops Token and keeps everything else", () => {
    assert.deepEqual(withoutToken({ Datacenter: "dc2", Token: "t", Key: "k" }), {
      Datacenter: "dc2",
      Key: "k",
    });
    const untouched = { Datacenter: "dc2" };
    assert.equal(withoutToken(untouched), untouched);
    assert.equal(withoutToken(null), null);
  });
});

/** A remote "KV" whose reads block on MinQueryIndex until the value changes or time runs out. */
class BlockingKv {
  index = 1;
  value = "v1";
  waiting = 0;
  aborted = 0;
  #changed = Promise.withResolvers<void>();

  register(registry: RpcRegistry, runtime: Runtime): void {
    registry.register("KV.Get", async (raw, context) => {
      const body = raw as { MinQueryIndex?: number; MaxQueryTime?: number };
      if ((body.MinQueryIndex ?? 0) >= this.index) {
        const stopSleep = new AbortController();
        this.waiting++;
        try {
          await Promise.race([
            this.#changed.promise,
            runtime.clock.sleep(body.MaxQueryTime ?? 0, stopSleep.signal).catch(() => {}),
            new Promise((resolve) => context.signal.addEventListener("abort", resolve)),
          ]);
        } finally {
          this.waiting--;
          stopSleep.abort();
        }
        if (context.signal.aborted) this.aborted++;
      }
      return { Index: this.index, Value: this.value };
    });
  }

  set(value: string): void {
    this.index++;
    this.value = value;
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }
}

const runtime = await loadRuntime();
const skip = runtime === null ? "no runtime adapter for this runtime" : false;
const opts = { skip, timeout: NET_TEST_TIMEOUT_MS };

describe("forwarding between two datacenters over loopback mutual TLS", () => {
  let pki: TestPki;
  let dc1Listener: RpcListener;
  let dc2Listener: RpcListener;
  const kv = new BlockingKv();
  const pools: ConnPool[] = [];

  before(async () => {
    if (!runtime) return;
    pki = await issueTestPki(runtime);
    dc1Listener = await startListener(runtime, pki.n1dc1, pingRegistry("n1"));
    const dc2Registry = pingRegistry("n2");
    dc2Registry.register("Test.Echo", (body) => body);
    dc2Registry.register("Test.Fail", () => {
      throw new Error("Permission denied");
    });
    kv.register(dc2Registry, runtime);
    dc2Listener = await startListener(runtime, pki.n2dc2, dc2Registry);
  });

  after(async () => {
    for (const pool of pools) pool.close();
    await Promise.all([dc1Listener?.close(), dc2Listener?.close()]);
  });

  /** The forwarder of server n1 in dc1, which knows dc2's server n2. */
  function dc1Forwarder(options: { rpcTimeoutMs?: number; material?: RpcTlsMaterial } = {}) {
    const router = new DcRouter({ localDc: "dc1", random: runtime!.random });
    router.setServers("dc2", [{ node: "n2", addr: dc2Listener.addr }]);
    const pool = new ConnPool({
      dialer: new DirectServerDialer(runtime!.net, options.material ?? pki.n1dc1, {
        domain: "consul",
      }),
      clock: runtime!.clock,
    });
    pools.push(pool);
    const forwarder = new RpcForwarder({
      localDc: "dc1",
      registry: pingRegistry("n1"),
      router,
      pool,
      ...(options.rpcTimeoutMs === undefined ? {} : { rpcTimeoutMs: options.rpcTimeoutMs }),
    });
    return { forwarder, router, pool };
  }

  test("requests for no datacenter or the local one run in the local registry", opts, async () => {
    const { forwarder } = dc1Forwarder();
    assert.equal(await forwarder.forwardRpc({ method: "Status.Ping", body: {} }), "pong-n1");
    const local = { method: "Status.Ping", body: { Datacenter: "dc1" } };
    assert.equal(await forwarder.forwardRpc(local), "pong-n1");
    assert.deepEqual(forwarder.snapshot(), {
      local: 2,
      crossDc: 0,
      noPath: 0,
      dcUnavailable: 0,
      failed: 0,
    });
  });

  test("a request for another datacenter runs on its server, without the token", opts, async () => {
    const { forwarder } = dc1Forwarder();
    const body = { Datacenter: "dc2", Token: "secret", Key: "web" };
    assert.deepEqual(await forwarder.forwardRpc({ method: "Test.Echo", body }), {
      Datacenter: "dc2",
      Key: "web",
    });
    const ping = { method: "Status.Ping", body: { Datacenter: "dc2" } };
    assert.equal(await forwarder.forwardRpc(ping), "pong-n2");
    assert.equal(forwarder.snapshot().crossDc, 2);
  });

  test("errors answered by the remote server keep their text", opts, async () => {
    const { forwarder, router } = dc1Forwarder();
    const fail = forwarder.forwardRpc({ method: "Test.Fail", body: { Datacenter: "dc2" } });
    await assert.rejects(fail, (e) => e instanceof RpcError && e.message === "Permission denied");
    const missing = forwarder.forwardRpc({ method: "Status.Nope", body: { Datacenter: "dc2" } });
    await assert.rejects(missing, { message: "rpc: can't find method Status.Nope" });
    assert.equal(router.isFailed("dc2", "n2"), false, "a server that answered is healthy");
  });

  test(
    "a blocking query waits across the hop and wakes when remote data changes",
    opts,
    async () => {
      const { forwarder } = dc1Forwarder();
      const body = { Datacenter: "dc2", MinQueryIndex: kv.index, MaxQueryTime: 30_000 };
      const waiting = forwarder.forwardRpc<{ Index: number; Value: string }>({
        method: "KV.Get",
        body,
      });
      await waitUntil(() => kv.waiting === 1, "the remote read to block");
      kv.set("v2");
      const answer = await waiting;
      assert.equal(answer.Value, "v2");
      assert.equal(answer.Index, body.MinQueryIndex + 1);
    },
  );

  test("a blocking wait longer than the RPC timeout still returns its answer", opts, async () => {
    const { forwarder } = dc1Forwarder({ rpcTimeoutMs: 100 });
    const body = { Datacenter: "dc2", MinQueryIndex: kv.index, MaxQueryTime: 400 };
    const answer = await forwarder.forwardRpc<{ Index: number }>({ method: "KV.Get", body });
    assert.equal(answer.Index, body.MinQueryIndex, "the wait ended without a change");
  });

  test("aborting a forwarded blocking query ends the remote wait", opts, async () => {
    const { forwarder } = dc1Forwarder();
    const abort = new AbortController();
    const abortedBefore = kv.aborted;
    const body = { Datacenter: "dc2", MinQueryIndex: kv.index, MaxQueryTime: 30_000 };
    const call = forwarder.forwardRpc({ method: "KV.Get", body, signal: abort.signal });
    await waitUntil(() => kv.waiting === 1, "the remote read to block");
    abort.abort();
    await assert.rejects(call, (e) => e instanceof RpcError && e.kind === "aborted");
    await waitUntil(() => kv.aborted === abortedBefore + 1, "the remote handler to be aborted");
  });

  test("an unknown datacenter fails with 'No path to datacenter'", opts, async () => {
    const { forwarder } = dc1Forwarder();
    const call = forwarder.forwardRpc({ method: "Status.Ping", body: { Datacenter: "dc9" } });
    await assert.rejects(call, (e) => {
      assert.ok(e instanceof ForwardError);
      assert.equal(e.message, NO_PATH_TO_DC_TEXT);
      assert.equal(e.message, "No path to datacenter");
      assert.equal(e.kind, "no_path");
      return true;
    });
    assert.equal(forwarder.snapshot().noPath, 1);
  });

  test(
    "a known datacenter with no reachable server fails with " +
      "'Remote DC has no server currently reachable'",
    opts,
    async () => {
      const { forwarder, router } = dc1Forwarder();
      const expected = (e: unknown) => {
        assert.ok(e instanceof ForwardError);
        assert.equal(e.message, "Remote DC has no server currently reachable");
        assert.equal(e.message, DC_NOT_AVAILABLE_TEXT);
        return true;
      };
      router.setServers("dc3", []);
      await assert.rejects(
        forwarder.forwardRpc({ method: "Status.Ping", body: { Datacenter: "dc3" } }),
        expected,
      );
      const closed = await runtime!.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
      const deadAddr = closed.addr;
      await closed.close();
      router.setServers("dc4", [{ node: "n4", addr: deadAddr }]);
      await assert.rejects(
        forwarder.forwardRpc({ method: "Status.Ping", body: { Datacenter: "dc4" } }),
        expected,
      );
      assert.equal(router.isFailed("dc4", "n4"), true, "the unreachable server is marked");
      // dc1's server presents a dc1 certificate; a dial that expects dc5 refuses it.
      router.setServers("dc5", [{ node: "n1", addr: dc1Listener.addr }]);
      await assert.rejects(
        forwarder.forwardRpc({ method: "Status.Ping", body: { Datacenter: "dc5" } }),
        expected,
      );
      assert.equal(forwarder.snapshot().dcUnavailable, 3);
    },
  );
});
