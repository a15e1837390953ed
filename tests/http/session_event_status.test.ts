import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FakeClock } from "../_support/fake_clock.ts";
import { settle, TestAgent } from "./_server.ts";

async function createSession(agent: TestAgent, body?: unknown): Promise<string> {
  const res = await agent.put("/v1/session/create", body);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { ID: string }).ID;
}

describe("session endpoints", () => {
  test("create without a body uses Consul's defaults", async () => {
    const agent = new TestAgent();
    const id = await createSession(agent);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [session] = await agent.getJson(`/v1/session/info/${id}`) as Array<Record<string, any>>;
    assert.equal(session.Node, "node1");
    assert.equal(session.LockDelay, 15_000_000_000);
    assert.equal(session.Behavior, "release");
    assert.deepEqual(session.NodeChecks, ["serfHealth"]);
  });

  test("create honours name, TTL, behavior, lock delay and explicit checks", async () => {
    const agent = new TestAgent();
    const id = await createSession(agent, {
      Name: "lock-holder",
      TTL: "30s",
      Behavior: "delete",
      LockDelay: 5,
      Checks: [],
    });
    const [session] = await agent.getJson(`/v1/session/info/${id}`) as Array<Record<string, any>>;
    assert.deepEqual(
      [session.Name, session.TTL, session.Behavior, session.LockDelay, session.NodeChecks],
      ["lock-holder", "30s", "delete", 5_000_000_000, []],
    );
    const delay = await createSession(agent, { LockDelay: "2s" });
    const [other] = await agent.getJson(`/v1/session/info/${delay}`) as Array<Record<string, any>>;
    assert.equal(other.LockDelay, 2_000_000_000);
  });

  test("create refuses a missing check and a bad TTL", async () => {
    const agent = new TestAgent();
    const missing = await agent.put("/v1/session/create", { Checks: ["nope"] });
    assert.equal(missing.status, 500);
    assert.equal(await missing.text(), "Missing check 'nope' registration");
    const badTtl = await agent.put("/v1/session/create", { TTL: "1s" });
    assert.equal(badTtl.status, 400);
    assert.match(await badTtl.text(), /Session TTL '1s' invalid/);
    const badDelay = await agent.put("/v1/session/create", { LockDelay: "soon" });
    assert.equal(badDelay.status, 400);
  });

  test("list, node and info find sessions; destroy removes them", async () => {
    const agent = new TestAgent();
    const a = await createSession(agent);
    const b = await createSession(agent);
    const list = await agent.getJson("/v1/session/list") as Array<{ ID: string }>;
    assert.deepEqual(list.map((s) => s.ID).sort(), [a, b].sort());
    const ofNode = await agent.getJson("/v1/session/node/node1") as unknown[];
    assert.equal(ofNode.length, 2);
    assert.equal(await (await agent.put(`/v1/session/destroy/${a}`)).text(), "true");
    assert.deepEqual(await agent.getJson(`/v1/session/info/${a}`), []);
    assert.equal(await (await agent.put("/v1/session/destroy/")).text(), "Missing session");
  });

  test("renew answers the session, or 404 for an unknown one", async () => {
    const agent = new TestAgent();
    const id = await createSession(agent, { TTL: "15s" });
    const renewed = await (await agent.put(`/v1/session/renew/${id}`)).json() as Array<
      { ID: string }
    >;
    assert.equal(renewed[0].ID, id);
    const missing = await agent.put("/v1/session/renew/00000000-0000-4000-8000-000000000000");
    assert.equal(missing.status, 404);
    assert.equal(
      await missing.text(),
      "Session id '00000000-0000-4000-8000-000000000000' not found",
    );
  });

  test("a session acquires and releases a KV lock", async () => {
    const agent = new TestAgent();
    const first = await createSession(agent);
    const second = await createSession(agent);
    assert.equal(await (await agent.put(`/v1/kv/leader?acquire=${first}`, "me")).text(), "true");
    assert.equal(await (await agent.put(`/v1/kv/leader?acquire=${second}`, "you")).text(), "false");
    const [held] = await agent.getJson("/v1/kv/leader") as Array<Record<string, unknown>>;
    assert.deepEqual([held.Session, held.LockIndex], [first, 1]);
    assert.equal(await (await agent.put(`/v1/kv/leader?release=${first}`)).text(), "true");
    const [free] = await agent.getJson("/v1/kv/leader") as Array<Record<string, unknown>>;
    assert.equal(free.Session, undefined);
  });
});

describe("event endpoints", () => {
  test("fire returns the event and list shows it with its index", async () => {
    const agent = new TestAgent();
    const fired = await agent.put("/v1/event/fire/deploy", "v42");
    assert.equal(fired.status, 200);
    const event = await fired.json() as Record<string, any>;
    assert.equal(event.Name, "deploy");
    assert.equal(event.Payload, btoa("v42"));
    assert.equal(event.Version, 1);
    const res = await agent.request("/v1/event/list?name=deploy");
    const events = await res.json() as Array<{ ID: string }>;
    assert.deepEqual(events.map((e) => e.ID), [event.ID]);
    assert.notEqual(res.headers.get("X-Consul-Index"), "1");
    const none = await agent.request("/v1/event/list?name=other");
    assert.deepEqual(await none.json(), []);
    assert.equal(none.headers.get("X-Consul-Index"), "1");
  });

  test("fire refuses bad filters and oversized payloads", async () => {
    const agent = new TestAgent();
    const tag = await agent.put("/v1/event/fire/x?tag=v1");
    assert.equal(await tag.text(), "Cannot provide tag filter without service filter");
    const regex = await agent.put("/v1/event/fire/x?node=(");
    assert.equal(regex.status, 400);
    assert.match(await regex.text(), /^Invalid node filter/);
    const big = await agent.put("/v1/event/fire/x", "y".repeat(600));
    assert.equal(big.status, 413);
    assert.equal((await agent.put("/v1/event/fire/")).status, 400);
  });

  test("an event filtered to another node is returned but not kept", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/event/fire/x?node=^other$");
    assert.deepEqual(await agent.getJson("/v1/event/list"), []);
  });

  test("list with ?index blocks until a new event, then times out on the next", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/event/fire/a");
    const first = await agent.request("/v1/event/list");
    const index = first.headers.get("X-Consul-Index")!;
    let answered = false;
    const pending = agent.request(`/v1/event/list?index=${index}&wait=1m`).then((res) => {
      answered = true;
      return res;
    });
    await settle();
    assert.equal(answered, false, "the list must wait for a new event");
    await agent.put("/v1/event/fire/b");
    const woken = await pending;
    assert.equal((await woken.json() as unknown[]).length, 2);
    const next = woken.headers.get("X-Consul-Index")!;
    const timed = agent.request(`/v1/event/list?index=${next}&wait=5s`);
    await settle();
    (agent.clock as FakeClock).advance(5_000);
    assert.equal((await timed).headers.get("X-Consul-Index"), next);
  });
});

describe("status endpoints", () => {
  test("leader and peers name this server", async () => {
    const agent = new TestAgent();
    assert.equal(await agent.getJson("/v1/status/leader"), "127.0.0.1:8300");
    assert.deepEqual(await agent.getJson("/v1/status/peers"), ["127.0.0.1:8300"]);
  });
});
