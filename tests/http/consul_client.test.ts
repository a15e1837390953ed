import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Consul from "consul";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { HttpServer } from "../../src/runtime/ports.ts";
import { TestAgent } from "./_server.ts";

describe("the npm consul client against a served API", () => {
  let server: HttpServer;
  let agent: TestAgent;
  let consul: InstanceType<typeof Consul>;

  before(async () => {
    const runtime = await currentRuntime();
    agent = new TestAgent(runtime.clock);
    server = await runtime.http.serve({
      hostname: "127.0.0.1",
      port: 0,
      handler: (request) => agent.app.fetch(request),
    });
    consul = new Consul({ host: "127.0.0.1", port: server.addr.port });
  });

  after(async () => {
    agent.agent.stop();
    await server.shutdown();
  });

  test("kv set and get round-trip a value", async () => {
    assert.equal(await consul.kv.set("greeting", "hello"), true);
    const entry = await consul.kv.get("greeting") as { Key: string; Value: string };
    assert.equal(entry.Key, "greeting");
    assert.equal(entry.Value, "hello");
    assert.equal(await consul.kv.get("absent"), undefined);
  });

  test("agent service register shows up in the catalog and health", async () => {
    await consul.agent.service.register({
      name: "web",
      id: "web-1",
      port: 8080,
      tags: ["v1"],
      check: { ttl: "30s", status: "passing" } as never,
    });
    const services = await consul.catalog.service.list() as Record<string, string[]>;
    assert.deepEqual(services.web, ["v1"]);
    const health = await consul.health.service({ service: "web", passing: true }) as Array<{
      Service: { ID: string };
      Checks: Array<{ Status: string }>;
    }>;
    assert.equal(health.length, 1);
    assert.equal(health[0].Service.ID, "web-1");
    assert.ok(health[0].Checks.every((check) => check.Status === "passing"));
  });

  test("a session created by the client acquires a KV lock", async () => {
    const session = await consul.session.create({ ttl: "15s" }) as { ID: string };
    assert.match(session.ID, /^[0-9a-f-]{36}$/);
    assert.equal(await consul.kv.set({ key: "lock", value: "me", acquire: session.ID }), true);
    const entry = await consul.kv.get("lock") as unknown as { Session: string };
    assert.equal(entry.Session, session.ID);
    assert.equal(await consul.kv.set({ key: "lock", value: "me", release: session.ID }), true);
  });
});
