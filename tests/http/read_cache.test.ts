import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encodeJson, PlainJson } from "../../src/http/respond.ts";
import { settle, TestAgent } from "./_server.ts";

async function registerWeb(agent: TestAgent, node: string, status: string) {
  const res = await agent.put("/v1/catalog/register", {
    Node: node,
    Address: "10.0.0.1",
    Service: { ID: `web-${node}`, Service: "web", Tags: [node], Port: 80 },
    Check: { CheckID: `web-${node}-ok`, ServiceID: `web-${node}`, Status: status },
  });
  assert.equal(res.status, 200, await res.text());
}

describe("rendered-answer reuse", () => {
  test("a frozen body renders like an unfrozen one, in both forms, with bytes as base64", () => {
    const body = { Name: "x", Value: new Uint8Array([104, 105]), List: [1, 2] };
    const frozen = Object.freeze({ ...body, List: Object.freeze([1, 2]) });
    assert.equal(encodeJson(frozen, false), encodeJson(body, false));
    assert.equal(encodeJson(frozen, false), '{"Name":"x","Value":"aGk=","List":[1,2]}');
    assert.equal(encodeJson(frozen, true), encodeJson(body, true));
    assert.match(encodeJson(frozen, true), /^\{\n {4}"Name": "x",/);
    assert.ok(encodeJson(frozen, true).endsWith("}\n"));
    assert.equal(encodeJson(frozen, false), '{"Name":"x","Value":"aGk=","List":[1,2]}');
    assert.equal(encodeJson(new PlainJson([{ V: "aGk=" }]), false), '[{"V":"aGk="}]');
  });

  test("repeated service reads follow every change, compact and ?pretty", async () => {
    const agent = new TestAgent();
    await registerWeb(agent, "n1", "passing");
    const ids = async (path: string) =>
      (await agent.getJson(path) as Array<{ ServiceID?: string; Service?: { ID: string } }>)
        .map((row) => row.ServiceID ?? row.Service!.ID);
    assert.deepEqual(await ids("/v1/catalog/service/web"), ["web-n1"]);
    assert.deepEqual(await ids("/v1/catalog/service/web"), ["web-n1"]);
    const pretty = await agent.request("/v1/catalog/service/web?pretty");
    assert.match(await pretty.text(), /^\[\n {4}\{\n/);
    await registerWeb(agent, "n2", "critical");
    assert.deepEqual(await ids("/v1/catalog/service/web"), ["web-n1", "web-n2"]);
    assert.deepEqual(await ids("/v1/health/service/web?passing"), ["web-n1"]);
    await registerWeb(agent, "n2", "passing");
    assert.deepEqual(await ids("/v1/health/service/web?passing"), ["web-n1", "web-n2"]);
    assert.deepEqual(await agent.getJson("/v1/catalog/services"), { web: ["n1", "n2"] });
    await registerWeb(agent, "n3", "passing");
    assert.deepEqual(await agent.getJson("/v1/catalog/services"), { web: ["n1", "n2", "n3"] });
  });

  test("a blocking ?passing query wakes on a check change with the new answer", async () => {
    const agent = new TestAgent();
    await registerWeb(agent, "n1", "passing");
    const first = await agent.request("/v1/health/service/web?passing");
    assert.equal((await first.json() as unknown[]).length, 1);
    const index = first.headers.get("X-Consul-Index");
    let done = false;
    const pending = agent.request(`/v1/health/service/web?passing&index=${index}`);
    pending.then(() => done = true, () => done = true);
    await settle();
    assert.equal(done, false, "the query must block while nothing changed");
    await registerWeb(agent, "n1", "critical");
    const res = await pending;
    assert.ok(Number(res.headers.get("X-Consul-Index")) > Number(index));
    assert.deepEqual(await res.json(), []);
  });

  test("reads carry the query-meta headers and a JSON content type", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/k", "v");
    for (const path of ["/v1/kv/k", "/v1/catalog/services", "/v1/health/service/none"]) {
      const res = await agent.request(path);
      assert.equal(res.headers.get("Content-Type"), "application/json", path);
      assert.ok(Number(res.headers.get("X-Consul-Index")) >= 1, path);
      assert.equal(res.headers.get("X-Consul-KnownLeader"), "true", path);
      assert.equal(res.headers.get("X-Consul-LastContact"), "0", path);
      assert.equal(res.headers.get("X-Consul-Effective-Consistency"), "leader", path);
      assert.equal(res.headers.get("X-Consul-Query-Backend"), "blocking-query", path);
      await res.body?.cancel();
    }
    const missing = await agent.request("/v1/kv/missing");
    assert.equal(missing.status, 404);
    assert.ok(Number(missing.headers.get("X-Consul-Index")) >= 1);
  });

  test("a KV read renders its value as base64, compact and ?pretty", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/greeting", "hello");
    const compact = await (await agent.request("/v1/kv/greeting")).text();
    assert.match(compact, /^\[\{"LockIndex":0,"Key":"greeting","Flags":0,"Value":"aGVsbG8=",/);
    const pretty = await (await agent.request("/v1/kv/greeting?pretty")).text();
    assert.match(pretty, /^\[\n {4}\{\n {8}"LockIndex": 0,/);
    assert.ok(pretty.endsWith("]\n"));
  });
});
