import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseToken } from "../../src/http/query.ts";
import { ApiRequest } from "../../src/http/request.ts";
import { TestAgent } from "./_server.ts";

function request(url: string, headers: Record<string, string> = {}) {
  return new ApiRequest(new Request(`http://127.0.0.1:8500${url}`, { headers }));
}

describe("common HTTP behaviour", () => {
  test("reads carry X-Consul-Index (never 0), KnownLeader, LastContact and consistency", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/catalog/nodes");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Content-Type"), "application/json");
    assert.ok(Number(res.headers.get("X-Consul-Index")) >= 1);
    assert.equal(res.headers.get("X-Consul-KnownLeader"), "true");
    assert.equal(res.headers.get("X-Consul-LastContact"), "0");
    assert.equal(res.headers.get("X-Consul-Effective-Consistency"), "leader");
    const stale = await agent.request("/v1/catalog/nodes?stale");
    assert.equal(stale.headers.get("X-Consul-Effective-Consistency"), "stale");
  });

  test("an empty store still answers X-Consul-Index 1", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/kv/?recurse");
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("X-Consul-Index"), "1");
  });

  test("?pretty indents four spaces and ends with a newline", async () => {
    const agent = new TestAgent();
    const text = await (await agent.request("/v1/catalog/datacenters?pretty")).text();
    assert.equal(text, '[\n    "dc1"\n]\n');
    assert.equal(await (await agent.request("/v1/catalog/datacenters")).text(), '["dc1"]');
  });

  test("a wrong method answers 405 with Consul's text and an Allow header", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/catalog/services", { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("Allow"), "OPTIONS,GET");
    assert.equal(await res.text(), "method DELETE not allowed");
  });

  test("OPTIONS lists the allowed methods", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/kv/a", { method: "OPTIONS" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("Allow"), "OPTIONS,GET,PUT,DELETE");
  });

  test("unknown paths answer 404 and the root answers like a Consul agent", async () => {
    const agent = new TestAgent();
    assert.equal((await agent.request("/v1/nothing/here")).status, 404);
    assert.equal((await agent.request("/v1/agent/self/extra")).status, 404);
    const root = await agent.request("/");
    assert.equal(await root.text(), "Consul Agent");
  });

  test("a prefix path without its slash redirects like Go's ServeMux", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/kv");
    assert.equal(res.status, 301);
    assert.equal(new URL(res.headers.get("Location")!).pathname, "/v1/kv/");
  });

  test("bad wait, index and consistency parameters answer 400 with Consul's texts", async () => {
    const agent = new TestAgent();
    const cases: Array<[string, string]> = [
      ["/v1/catalog/nodes?wait=soon", "Invalid wait time"],
      ["/v1/catalog/nodes?index=-3", "Invalid index"],
      [
        "/v1/catalog/nodes?stale&consistent",
        "Cannot specify ?stale with ?consistent, conflicting semantics.",
      ],
      ["/v1/catalog/nodes?max_stale=x", 'Invalid max_stale value "x"'],
    ];
    for (const [path, text] of cases) {
      const res = await agent.request(path);
      assert.equal(res.status, 400, path);
      assert.equal(await res.text(), text);
    }
  });

  test("an unknown datacenter answers 500 with No path to datacenter", async () => {
    const agent = new TestAgent();
    const res = await agent.request("/v1/catalog/services?dc=elsewhere");
    assert.equal(res.status, 500);
    assert.equal(await res.text(), "No path to datacenter");
  });

  test("a bad filter answers 400 with bexpr's wording", async () => {
    const agent = new TestAgent();
    const res = await agent.request(`/v1/catalog/nodes?filter=${encodeURIComponent("Node ==")}`);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^Failed to create boolean expression evaluator/);
  });

  test("tokens come from ?token, then X-Consul-Token, then Authorization: Bearer", () => {
    assert.equal(parseToken(request("/v1/kv/a?token=q", { "X-Consul-Token": "h" })), "q");
    assert.equal(parseToken(request("/v1/kv/a", { "X-Consul-Token": "h" })), "h");
    assert.equal(parseToken(request("/v1/kv/a", { Authorization: "Bearer b" })), "b");
    assert.equal(parseToken(request("/v1/kv/a", { Authorization: "bearer b2" })), "b2");
    assert.equal(parseToken(request("/v1/kv/a", { Authorization: "Basic x" }), "dflt"), "dflt");
  });

  test("malformed JSON bodies answer 400 Request decode failed", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/catalog/register", "{nope");
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^Request decode failed: /);
    const empty = await agent.put("/v1/catalog/register");
    assert.equal(await empty.text(), "Request decode failed: EOF");
  });
});
