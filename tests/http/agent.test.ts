import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FakeClock } from "../_support/fake_clock.ts";
import { settle, TestAgent } from "./_server.ts";

const WEB = {
  ID: "web-1",
  Name: "web",
  Tags: ["v1", "primary"],
  Address: "10.0.0.5",
  Port: 8080,
  Meta: { version: "1.2" },
  TaggedAddresses: { wan: { Address: "192.0.2.5", Port: 80 } },
  Weights: { Passing: 3, Warning: 1 },
  Checks: [{ Name: "alive", TTL: "30s" }, { CheckID: "web-ready", TTL: "1m", Status: "passing" }],
};

async function text(res: Response) {
  return await res.text();
}

describe("agent endpoints", () => {
  test("self reports the agent's config and member", async () => {
    const agent = new TestAgent();
    const self = await agent.getJson("/v1/agent/self") as Record<string, any>;
    assert.equal(self.Config.NodeName, "node1");
    assert.equal(self.Config.Datacenter, "dc1");
    assert.equal(self.Config.Server, true);
    assert.equal(self.Member.Name, "node1");
    assert.equal(self.Member.Status, 1);
  });

  test("members lists this agent only, and refuses a segment with wan", async () => {
    const agent = new TestAgent();
    const members = await agent.getJson("/v1/agent/members") as Array<{ Name: string }>;
    assert.deepEqual(members.map((m) => m.Name), ["node1"]);
    const res = await agent.request("/v1/agent/members?wan=1&segment=alpha");
    assert.equal(res.status, 400);
    assert.equal(await text(res), "Cannot provide a segment with wan=true");
  });

  test("service register stores tags, meta, tagged addresses, weights and checks", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/agent/service/register", WEB);
    assert.equal(res.status, 200, await text(res));
    const services = await agent.getJson("/v1/agent/services") as Record<string, any>;
    assert.deepEqual(services["web-1"], {
      ID: "web-1",
      Service: "web",
      Tags: ["v1", "primary"],
      Meta: { version: "1.2" },
      Port: 8080,
      Address: "10.0.0.5",
      TaggedAddresses: { wan: { Address: "192.0.2.5", Port: 80 } },
      Weights: { Passing: 3, Warning: 1 },
      EnableTagOverride: false,
      Datacenter: "dc1",
    });
    const checks = await agent.getJson("/v1/agent/checks") as Record<string, any>;
    assert.deepEqual(Object.keys(checks).sort(), ["service:web-1:1", "web-ready"]);
    assert.equal(checks["web-ready"].Status, "passing");
    assert.equal(checks["service:web-1:1"].Status, "critical");
    // The change reached the catalog before the answer, as Consul's syncChanges does.
    const catalog = await agent.getJson("/v1/catalog/service/web") as Array<Record<string, any>>;
    assert.equal(catalog.length, 1);
    assert.deepEqual(catalog[0].ServiceTags, ["v1", "primary"]);
    assert.equal(catalog[0].ServiceWeights.Passing, 3);
  });

  test("gateway kinds and proxy fields are stored as given", async () => {
    const agent = new TestAgent();
    const proxy = { Config: { envoy_mesh_gateway_no_default_bind: true } };
    const res = await agent.put("/v1/agent/service/register", {
      Name: "mesh-gateway",
      Kind: "mesh-gateway",
      Port: 8443,
      Proxy: proxy,
    });
    assert.equal(res.status, 200, await text(res));
    const one = await agent.getJson("/v1/agent/service/mesh-gateway") as Record<string, any>;
    assert.equal(one.Kind, "mesh-gateway");
    assert.deepEqual(one.Proxy, proxy);
    const noPort = await agent.put("/v1/agent/service/register", {
      Name: "gw2",
      Kind: "mesh-gateway",
    });
    assert.equal(noPort.status, 400);
    assert.equal(await text(noPort), "Validation failed: Port must be non-zero for a Mesh Gateway");
  });

  test("service register refuses bad input with Consul's texts", async () => {
    const agent = new TestAgent();
    const cases: Array<[unknown, string]> = [
      [{ Port: 1 }, "Missing service name"],
      [{ Name: "a", Address: "0.0.0.0" }, "Invalid service address"],
      [
        { Name: "a", Weights: { Passing: 0, Warning: 1 } },
        "Invalid Weights: Passing must be greater than 0",
      ],
      [
        { Name: "a", Meta: { "bad key": "x" } },
        "Invalid Service Meta: Couldn't load metadata pair ('bad key', 'x'): Key contains invalid characters",
      ],
      [
        { Name: "a", Meta: { "consul-wan-federation": "1" } },
        "Invalid Service Meta: Couldn't load metadata pair ('consul-wan-federation', '1'): Key prefix 'consul-' is reserved for internal use",
      ],
      [
        { Name: "a", Check: { TTL: "10s", Interval: "5s" } },
        "Invalid check: Interval and TTL cannot both be specified",
      ],
      [
        { Name: "a", Checks: [{ TTL: "5s", Status: "sleepy" }] },
        "Status for checks must 'passing', 'warning', 'critical'",
      ],
      [
        { Name: "a", Tags: "v1" },
        'Request decode failed: Service definition field "Tags" must be an array of strings',
      ],
    ];
    for (const [body, message] of cases) {
      const res = await agent.put("/v1/agent/service/register", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(await text(res), message);
    }
    assert.deepEqual(await agent.getJson("/v1/agent/services"), {});
  });

  test("a mesh gateway may carry consul-wan-federation meta, as in Consul", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/agent/service/register", {
      Name: "mesh-gateway",
      Kind: "mesh-gateway",
      Port: 8443,
      Meta: { "consul-wan-federation": "1" },
    });
    assert.equal(res.status, 200, await text(res));
    const services = await agent.getJson("/v1/agent/services") as Record<string, { Meta: object }>;
    assert.deepEqual(services["mesh-gateway"].Meta, { "consul-wan-federation": "1" });
  });

  test("service/:id answers 404 for an unknown ID and a content hash for a known one", async () => {
    const agent = new TestAgent();
    const missing = await agent.request("/v1/agent/service/nope");
    assert.equal(missing.status, 404);
    assert.equal(await text(missing), "unknown service ID: nope");
    await agent.put("/v1/agent/service/register", WEB);
    const res = await agent.request("/v1/agent/service/web-1");
    const body = await res.json() as { ContentHash: string };
    assert.equal(res.headers.get("X-Consul-ContentHash"), body.ContentHash);
    assert.match(body.ContentHash, /^[0-9a-f]{16}$/);
  });

  test("service/:id?hash= blocks until the service changes", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/service/register", WEB);
    const first = await (await agent.request("/v1/agent/service/web-1")).json() as any;
    let answered = false;
    const pending = agent.request(`/v1/agent/service/web-1?hash=${first.ContentHash}&wait=1m`)
      .then(async (res) => {
        answered = true;
        return await res.json() as any;
      });
    await settle();
    assert.equal(answered, false, "the query must wait while nothing changed");
    await agent.put("/v1/agent/service/register", { ...WEB, Port: 9090 });
    const second = await pending;
    assert.equal(second.Port, 9090);
    assert.notEqual(second.ContentHash, first.ContentHash);
  });

  test("service/:id?hash= gives up after the wait with the same hash", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/service/register", WEB);
    const first = await (await agent.request("/v1/agent/service/web-1")).json() as any;
    const pending = agent.request(`/v1/agent/service/web-1?hash=${first.ContentHash}&wait=10s`);
    await settle();
    (agent.clock as FakeClock).advance(10_000);
    const res = await pending;
    assert.equal((await res.json() as any).ContentHash, first.ContentHash);
    assert.equal(agent.changes.waiting, 0);
  });

  test("service deregister removes it and its checks; unknown IDs answer 404", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/service/register", WEB);
    assert.equal((await agent.put("/v1/agent/service/deregister/web-1")).status, 200);
    assert.deepEqual(await agent.getJson("/v1/agent/services"), {});
    assert.deepEqual(await agent.getJson("/v1/agent/checks"), {});
    assert.deepEqual(await agent.getJson("/v1/catalog/service/web"), []);
    const again = await agent.put("/v1/agent/service/deregister/web-1");
    assert.equal(again.status, 404);
    assert.equal(
      await text(again),
      'Unknown service ID "web-1". Ensure that the service ID is passed, not the service name.',
    );
  });

  test("service maintenance adds and removes the critical maintenance check", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/service/register", WEB);
    const missing = await agent.put("/v1/agent/service/maintenance/web-1");
    assert.equal(await text(missing), "Missing value for enable");
    const bad = await agent.put("/v1/agent/service/maintenance/web-1?enable=maybe");
    assert.equal(await text(bad), 'Invalid value for enable: "maybe"');
    const on = await agent.put("/v1/agent/service/maintenance/web-1?enable=true&reason=upgrade");
    assert.equal(on.status, 200);
    const checks = await agent.getJson("/v1/agent/checks") as Record<string, any>;
    assert.equal(checks["_service_maintenance:web-1"].Notes, "upgrade");
    assert.equal(checks["_service_maintenance:web-1"].Status, "critical");
    await agent.put("/v1/agent/service/maintenance/web-1?enable=false");
    const after = await agent.getJson("/v1/agent/checks") as Record<string, any>;
    assert.equal(after["_service_maintenance:web-1"], undefined);
    assert.equal((await agent.put("/v1/agent/service/maintenance/nope?enable=true")).status, 404);
  });

  test("node maintenance toggles the _node_maintenance check", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/maintenance?enable=1");
    const checks = await agent.getJson("/v1/agent/checks") as Record<string, any>;
    assert.equal(checks._node_maintenance.Status, "critical");
    await agent.put("/v1/agent/maintenance?enable=false");
    assert.deepEqual(await agent.getJson("/v1/agent/checks"), {});
  });

  test("check register, pass, warn, fail and update drive a TTL check", async () => {
    const agent = new TestAgent();
    assert.equal(
      (await agent.put("/v1/agent/check/register", { Name: "mem", TTL: "15s" })).status,
      200,
    );
    const status = async () => ((await agent.getJson("/v1/agent/checks")) as any).mem;
    assert.equal((await status()).Status, "critical");
    await agent.put("/v1/agent/check/pass/mem?note=fine");
    assert.deepEqual([(await status()).Status, (await status()).Output], ["passing", "fine"]);
    await agent.put("/v1/agent/check/warn/mem");
    assert.equal((await status()).Status, "warning");
    await agent.put("/v1/agent/check/fail/mem");
    assert.equal((await status()).Status, "critical");
    await agent.put("/v1/agent/check/update/mem", { Status: "passing", Output: "ok now" });
    assert.deepEqual([(await status()).Status, (await status()).Output], ["passing", "ok now"]);
    const health = await agent.getJson("/v1/health/node/node1") as Array<
      { CheckID: string; Status: string }
    >;
    assert.equal(health.find((c) => c.CheckID === "mem")?.Status, "passing");
  });

  test("check endpoints refuse bad input with Consul's texts", async () => {
    const agent = new TestAgent();
    const cases: Array<[string, unknown, number, string]> = [
      ["/v1/agent/check/register", { TTL: "5s" }, 400, "Missing check name"],
      [
        "/v1/agent/check/register",
        { Name: "x", TTL: "5s", Status: "meh" },
        400,
        "Bad check status",
      ],
      [
        "/v1/agent/check/register",
        { Name: "x", TTL: "5s", ServiceID: "ghost" },
        404,
        'ServiceID "ghost" does not exist',
      ],
      [
        "/v1/agent/check/register",
        { Name: "x" },
        400,
        "Invalid check: TTL must be > 0 for TTL checks",
      ],
      ["/v1/agent/check/update/x", { Status: "weird" }, 400, "Invalid check status: 'weird'"],
      [
        "/v1/agent/check/pass/ghost",
        undefined,
        404,
        'Unknown check ID "ghost". Ensure that the check ID is passed, not the check name.',
      ],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await agent.put(path, body);
      assert.equal(res.status, status, path);
      assert.equal(await text(res), message);
    }
  });

  test("a TTL update on a check without TTL answers 400", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/maintenance?enable=true");
    const res = await agent.put("/v1/agent/check/pass/_node_maintenance");
    assert.equal(res.status, 400);
    assert.equal(await text(res), 'CheckID "_node_maintenance" does not have associated TTL');
  });

  test("check deregister removes the check from the agent and the catalog", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/check/register", { Name: "disk", TTL: "1m" });
    assert.equal((await agent.put("/v1/agent/check/deregister/disk")).status, 200);
    assert.deepEqual(await agent.getJson("/v1/agent/checks"), {});
    const health = await agent.getJson("/v1/health/node/node1") as Array<{ CheckID: string }>;
    assert.deepEqual(health.map((c) => c.CheckID), ["serfHealth"]);
  });

  test("join and force-leave answer 501 until gossip exists; leave without a hook too", async () => {
    const agent = new TestAgent();
    const join = await agent.put("/v1/agent/join/10.0.0.9");
    assert.equal(join.status, 501);
    assert.match(await text(join), /^Joining is not supported yet/);
    assert.equal((await agent.put("/v1/agent/force-leave/node2")).status, 501);
    assert.equal((await agent.put("/v1/agent/leave")).status, 501);
  });

  test("leave answers first, then runs the agent's leave hook", async () => {
    let left = 0;
    const agent = new TestAgent(undefined, { leave: () => Promise.resolve(void left++) });
    assert.equal((await agent.put("/v1/agent/leave")).status, 200);
    assert.equal(left, 0);
    (agent.clock as FakeClock).advance(0);
    assert.equal(left, 1);
  });

  test("services and checks accept a filter", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/agent/service/register", WEB);
    await agent.put("/v1/agent/service/register", { Name: "db", Port: 5432 });
    const filter = encodeURIComponent('"primary" in Tags');
    const services = await agent.getJson(`/v1/agent/services?filter=${filter}`);
    assert.deepEqual(Object.keys(services as object), ["web-1"]);
    const checks = await agent.getJson(
      `/v1/agent/checks?filter=${encodeURIComponent('Status == "passing"')}`,
    );
    assert.deepEqual(Object.keys(checks as object), ["web-ready"]);
  });
});
