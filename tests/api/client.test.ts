import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ApiConnectionError,
  ApiError,
  ApiResponseError,
  ConsulClient,
  MEMBER_STATUS,
} from "../../src/api/mod.ts";
import { closedPort, type FakeConsul, startFakeConsul } from "./_fake_consul.ts";

const text = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array());

describe("ConsulClient over a socket", () => {
  let fake: FakeConsul;
  let client: ConsulClient;

  before(async () => {
    fake = await startFakeConsul();
    client = new ConsulClient({
      env: (name) => ({ CONSUL_HTTP_ADDR: fake.address, CONSUL_HTTP_TOKEN: "env-token" })[name],
    });
  });
  after(async () => await fake.stop());

  test("sends the token from CONSUL_HTTP_TOKEN as X-Consul-Token", async () => {
    const self = await client.agent.self();
    assert.equal(self.Config.NodeName, "node-1");
    assert.equal(fake.last.method, "GET");
    assert.equal(fake.last.path, "/v1/agent/self");
    assert.equal(fake.last.query, "");
    assert.equal(fake.last.token, "env-token");
  });

  test("a per-call token overrides the client's", async () => {
    await client.status.leader({ token: "call-token" });
    assert.equal(fake.last.token, "call-token");
  });

  test("members asks for the WAN pool with wan=1", async () => {
    fake.wanMembers = [member("node-1.dc1", "10.0.0.1", MEMBER_STATUS.alive)];
    const members = await client.agent.members({ wan: true });
    assert.equal(fake.last.path, "/v1/agent/members");
    assert.equal(fake.last.query, "wan=1");
    assert.deepEqual(members.map((m) => m.Name), ["node-1.dc1"]);
  });

  test("kv.put sends the raw value with flags and kv.get decodes it with its indexes", async () => {
    assert.equal(await client.kv.put("app/color", "blue", { flags: 42 }), true);
    const put = fake.last;
    assert.equal(put.method, "PUT");
    assert.equal(put.path, "/v1/kv/app/color");
    assert.equal(put.query, "flags=42");
    assert.equal(put.contentType, "application/octet-stream");
    assert.equal(text(put.body), "blue");

    const { value: pair, meta } = await client.kv.get("/app/color");
    assert.equal(fake.last.path, "/v1/kv/app/color", "a leading slash is dropped");
    assert.ok(pair);
    assert.equal(text(pair.Value), "blue");
    assert.equal(pair.Flags, 42);
    assert.equal(pair.ModifyIndex, fake.index);
    assert.equal(meta.lastIndex, fake.index);
    assert.equal(meta.knownLeader, true);
    assert.equal(meta.lastContactMs, 0);
  });

  test("kv.get of a missing key resolves to null, not an error", async () => {
    const { value } = await client.kv.get("no/such/key");
    assert.equal(value, null);
  });

  test("binary values survive the base64 round trip", async () => {
    const bytes = Uint8Array.from([0, 255, 128, 10, 13]);
    await client.kv.put("bin", bytes);
    assert.deepEqual([...fake.last.body], [...bytes]);
    const { value } = await client.kv.get("bin");
    assert.deepEqual([...(value?.Value ?? [])], [...bytes]);
  });

  test("check-and-set writes only when the index matches", async () => {
    await client.kv.put("cas/key", "one");
    const { value } = await client.kv.get("cas/key");
    assert.ok(value);
    assert.equal(await client.kv.put("cas/key", "two", { cas: value.ModifyIndex + 100 }), false);
    assert.equal(fake.last.query, `cas=${value.ModifyIndex + 100}`);
    assert.equal(await client.kv.put("cas/key", "two", { cas: value.ModifyIndex }), true);
    assert.equal(text((await client.kv.get("cas/key")).value?.Value ?? null), "two");
  });

  test("acquire and release send the session in the query", async () => {
    assert.equal(await client.kv.put("lock", "me", { acquire: "sess-1" }), true);
    assert.equal(fake.last.query, "acquire=sess-1");
    assert.equal((await client.kv.get("lock")).value?.Session, "sess-1");
    assert.equal(await client.kv.put("lock", "", { release: "sess-2" }), false);
    assert.equal(await client.kv.put("lock", "", { release: "sess-1" }), true);
    assert.equal(fake.last.query, "release=sess-1");
  });

  test("list uses recurse= and keys uses keys=&separator=", async () => {
    await client.kv.put("tree/a", "1");
    await client.kv.put("tree/sub/b", "2");
    const { value: pairs } = await client.kv.list("tree/");
    assert.equal(fake.last.query, "recurse=");
    assert.deepEqual(pairs.map((p) => p.Key), ["tree/a", "tree/sub/b"]);
    const { value: keys } = await client.kv.keys("tree/", { separator: "/" });
    assert.equal(fake.last.query, "keys=&separator=%2F");
    assert.deepEqual(keys, ["tree/a", "tree/sub/"]);
    assert.deepEqual((await client.kv.list("nothing/")).value, []);
  });

  test("delete with recurse removes the prefix and with cas reports a mismatch", async () => {
    await client.kv.put("gone/x", "1");
    await client.kv.put("gone/y", "1");
    assert.equal(await client.kv.delete("gone/", { recurse: true }), true);
    assert.equal(fake.last.method, "DELETE");
    assert.equal(fake.last.query, "recurse=");
    assert.deepEqual((await client.kv.list("gone/")).value, []);
    await client.kv.put("kept", "1");
    assert.equal(await client.kv.delete("kept", { cas: 1 }), false);
    assert.equal(fake.last.query, "cas=1");
  });

  test("keys with spaces and reserved characters are escaped per path segment", async () => {
    await client.kv.put("odd key/a?b#c", "v");
    assert.equal(fake.last.path, "/v1/kv/odd%20key/a%3Fb%23c");
    assert.equal(text((await client.kv.get("odd key/a?b#c")).value?.Value ?? null), "v");
  });

  test("a blocking query sends index and wait and returns once the data changes", async () => {
    await client.kv.put("watch/me", "old");
    const { meta } = await client.kv.get("watch/me");
    const pending = client.kv.get("watch/me", { index: meta.lastIndex, waitMs: 60_000 });
    await Promise.race([
      fake.blocked(),
      pending.then(() => Promise.reject(new Error("the query returned without blocking"))),
    ]);
    const blockedRequest = fake.requests.find((r) => r.query.startsWith("index="));
    assert.equal(blockedRequest?.query, `index=${meta.lastIndex}&wait=60000ms`);
    const writer = new ConsulClient({ address: fake.address });
    await writer.kv.put("watch/me", "new");
    const changed = await pending;
    assert.equal(text(changed.value?.Value ?? null), "new");
    assert.ok(changed.meta.lastIndex > meta.lastIndex);
  });

  test("dc is sent per call, and the client's datacenter applies when a call names none", async () => {
    await client.catalog.services({ dc: "dc2" });
    assert.equal(fake.last.query, "dc=dc2");
    const dc3 = new ConsulClient({ address: fake.address, datacenter: "dc3" });
    await dc3.catalog.nodes();
    assert.equal(fake.last.query, "dc=dc3");
    await dc3.catalog.nodes({ dc: "dc4", stale: true, nodeMeta: { rack: "r1" } });
    assert.equal(fake.last.query, "dc=dc4&node-meta=rack%3Ar1&stale=");
  });

  test("catalog.service repeats tag and health.service asks for passing", async () => {
    await client.catalog.service("web", { tags: ["v2", "blue"], near: "_agent" });
    assert.equal(fake.last.path, "/v1/catalog/service/web");
    assert.equal(fake.last.query, "near=_agent&tag=v2&tag=blue");
    await client.health.service("web", { passing: true, filter: "Service.Port == 80" });
    assert.equal(fake.last.path, "/v1/health/service/web");
    assert.equal(fake.last.query, "filter=Service.Port+%3D%3D+80&passing=1");
  });

  test("catalog.node resolves to null for an unknown node", async () => {
    assert.equal((await client.catalog.node("ghost")).value, null);
  });

  test("serviceRegister sends the registration as JSON; deregister names it in the path", async () => {
    await client.agent.serviceRegister({ Name: "web", Port: 8080, Tags: ["v1"] });
    assert.equal(fake.last.method, "PUT");
    assert.equal(fake.last.path, "/v1/agent/service/register");
    assert.equal(fake.last.contentType, "application/json");
    assert.deepEqual(JSON.parse(text(fake.last.body)), { Name: "web", Port: 8080, Tags: ["v1"] });
    assert.deepEqual(Object.keys(await client.agent.services()), ["web"]);
    await client.agent.serviceDeregister("web");
    assert.equal(fake.last.path, "/v1/agent/service/deregister/web");
  });

  test("join and force-leave send wan and prune as Consul's client does", async () => {
    await client.agent.join("10.0.0.9:8302", { wan: true });
    assert.equal(fake.last.path, "/v1/agent/join/10.0.0.9%3A8302");
    assert.equal(fake.last.query, "wan=1");
    await client.agent.forceLeave("node-9", { prune: true, wan: true });
    assert.equal(fake.last.path, "/v1/agent/force-leave/node-9");
    assert.equal(fake.last.query, "prune=1&wan=1");
  });

  test("status and federation reads decode their answers", async () => {
    assert.equal(await client.status.leader(), "127.0.0.1:8300");
    assert.deepEqual(await client.status.peers(), ["127.0.0.1:8300"]);
    assert.equal((await client.federation.get("dc9")).value, null);
    assert.equal(fake.last.path, "/v1/internal/federation-state/dc9");
  });

  test("a non-200 answer becomes ApiError with status and body", async () => {
    fake.failNext("GET", "/v1/catalog/services", 500, "No path to datacenter");
    const error = await client.catalog.services({ dc: "nowhere" }).then(
      () => assert.fail("expected an ApiError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 500);
    assert.equal(error.body, "No path to datacenter");
    assert.equal(error.message, "Unexpected response code: 500 (No path to datacenter)");
    assert.match(error.url, /\/v1\/catalog\/services\?dc=nowhere$/);
  });

  test("an unparseable X-Consul-Index is a typed response error", async () => {
    const broken = new ConsulClient({
      address: fake.address,
      fetch: () => Promise.resolve(new Response("[]", { headers: { "X-Consul-Index": "abc" } })),
    });
    await assert.rejects(
      broken.catalog.nodes(),
      (e: unknown) => e instanceof ApiResponseError && /X-Consul-Index/.test(e.message),
    );
  });
});

describe("ConsulClient without an agent", () => {
  test("an unreachable agent fails like Go's net/http: dial tcp ... connection refused", async () => {
    const port = await closedPort();
    const client = new ConsulClient({ address: `127.0.0.1:${port}` });
    await assert.rejects(client.agent.members(), (error: unknown) => {
      assert.ok(error instanceof ApiConnectionError, String(error));
      assert.equal(
        error.message,
        `Get "http://127.0.0.1:${port}/v1/agent/members": ` +
          `dial tcp 127.0.0.1:${port}: connect: connection refused`,
      );
      return true;
    });
    await assert.rejects(
      client.kv.put("k", "v"),
      (error: Error) =>
        error.message.startsWith(`Put "http://127.0.0.1:${port}/v1/kv/k": dial tcp`),
    );
  });
});

function member(name: string, addr: string, status: number) {
  return {
    Name: name,
    Addr: addr,
    Port: 8302,
    Tags: { role: "consul", dc: "dc1" },
    Status: status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
