import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FakeClock } from "../_support/fake_clock.ts";
import { settle, TestAgent } from "./_server.ts";

/** Starts a request and records whether it has answered. */
function track(response: Promise<Response>) {
  const state = { done: false, response };
  response.then(() => state.done = true, () => state.done = true);
  return state;
}

describe("blocking queries over HTTP", () => {
  test("?index waits while nothing changed and wakes on a write to the watched key", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/watched", "1");
    const first = await agent.request("/v1/kv/watched");
    const index = Number(first.headers.get("X-Consul-Index"));
    const pending = track(agent.request(`/v1/kv/watched?index=${index}&wait=2m`));
    await settle();
    assert.equal(pending.done, false, "the query must block");
    await agent.put("/v1/kv/unrelated", "x");
    await settle();
    assert.equal(pending.done, false, "a write elsewhere must not wake it");
    await agent.put("/v1/kv/watched", "2");
    const res = await pending.response;
    assert.ok(Number(res.headers.get("X-Consul-Index")) > index);
    const [entry] = await res.json() as Array<{ Value: string }>;
    assert.equal(entry.Value, btoa("2"));
  });

  test("a catalog watch wakes when a service registers through the agent API", async () => {
    const agent = new TestAgent();
    const first = await agent.request("/v1/health/service/api");
    const index = first.headers.get("X-Consul-Index");
    const pending = track(agent.request(`/v1/health/service/api?index=${index}`));
    await settle();
    assert.equal(pending.done, false);
    await agent.put("/v1/agent/service/register", { Name: "api", Port: 9000 });
    const res = await pending.response;
    const nodes = await res.json() as Array<{ Service: { Port: number } }>;
    assert.equal(nodes[0].Service.Port, 9000);
  });

  test("?wait elapses with the old index and an unchanged answer", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/quiet", "1");
    const index = (await agent.request("/v1/kv/quiet")).headers.get("X-Consul-Index");
    const pending = track(agent.request(`/v1/kv/quiet?index=${index}&wait=30s`));
    await settle();
    // Consul adds up to wait/16 of jitter; advancing past that ends the wait.
    (agent.clock as FakeClock).advance(30_000 + 30_000 / 16);
    const res = await pending.response;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("X-Consul-Index"), index);
  });

  test("a client that goes away ends its blocking query", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/gone", "1");
    const index = (await agent.request("/v1/kv/gone")).headers.get("X-Consul-Index");
    const controller = new AbortController();
    const pending = track(
      agent.request(`/v1/kv/gone?index=${index}`, { signal: controller.signal }),
    );
    await settle();
    assert.equal(pending.done, false);
    controller.abort();
    const res = await pending.response.catch(() => null);
    if (res) assert.equal(res.status, 499);
    assert.equal((agent.clock as FakeClock).pendingTimers, 0, "the wait timer must be canceled");
  });
});
