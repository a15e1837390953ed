import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TestAgent } from "./_server.ts";

const b64 = (text: string) => btoa(text);

describe("KV endpoints", () => {
  test("PUT stores the raw body and GET answers it base64-encoded", async () => {
    const agent = new TestAgent();
    const put = await agent.put("/v1/kv/app/config", "hello");
    assert.equal(await put.text(), "true");
    const res = await agent.request("/v1/kv/app/config");
    const [entry] = await res.json() as Array<Record<string, unknown>>;
    assert.equal(entry.Key, "app/config");
    assert.equal(entry.Value, b64("hello"));
    assert.equal(entry.Flags, 0);
    assert.equal(res.headers.get("X-Consul-Index"), String(entry.ModifyIndex));
  });

  test("?raw answers the bytes as text/plain with nosniff", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/raw", new Uint8Array([0, 1, 2, 255]));
    const res = await agent.request("/v1/kv/raw?raw");
    assert.equal(res.headers.get("Content-Type"), "text/plain");
    assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff");
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array([0, 1, 2, 255]));
  });

  test("a missing key answers 404 with an X-Consul-Index", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/other", "x");
    const res = await agent.request("/v1/kv/missing");
    assert.equal(res.status, 404);
    assert.equal(await res.text(), "");
    assert.ok(Number(res.headers.get("X-Consul-Index")) >= 1);
  });

  test("?recurse lists a prefix and ?keys with ?separator lists one level", async () => {
    const agent = new TestAgent();
    for (const key of ["a/1", "a/2", "a/b/3", "c"]) await agent.put(`/v1/kv/${key}`, key);
    const tree = await agent.getJson("/v1/kv/a/?recurse") as Array<{ Key: string }>;
    assert.deepEqual(tree.map((e) => e.Key), ["a/1", "a/2", "a/b/3"]);
    assert.deepEqual(await agent.getJson("/v1/kv/?keys"), ["a/1", "a/2", "a/b/3", "c"]);
    assert.deepEqual(await agent.getJson("/v1/kv/a/?keys&separator=/"), ["a/1", "a/2", "a/b/"]);
    assert.equal((await agent.request("/v1/kv/zzz/?keys")).status, 404);
    assert.deepEqual(await agent.getJson("/v1/kv/?keys&separator=/"), ["a/", "c"]);
  });

  test("?flags are stored and ?cas only writes at the right index", async () => {
    const agent = new TestAgent();
    assert.equal(await (await agent.put("/v1/kv/k?cas=0", "first")).text(), "true");
    assert.equal(await (await agent.put("/v1/kv/k?cas=0", "again")).text(), "false");
    const [entry] = await agent.getJson("/v1/kv/k") as Array<{ ModifyIndex: number }>;
    assert.equal(
      await (await agent.put(`/v1/kv/k?cas=${entry.ModifyIndex}&flags=42`, "v2")).text(),
      "true",
    );
    const [after] = await agent.getJson("/v1/kv/k") as Array<{ Flags: number; Value: string }>;
    assert.deepEqual([after.Flags, after.Value], [42, b64("v2")]);
  });

  test("conflicting flags and bad numbers answer 400", async () => {
    const agent = new TestAgent();
    const conflict = await agent.put("/v1/kv/k?cas=1&acquire=s", "x");
    assert.equal(conflict.status, 400);
    assert.equal(await conflict.text(), "Conflicting flags: acquire=s&cas=1\n");
    const flags = await agent.put("/v1/kv/k?flags=x", "x");
    assert.equal(flags.status, 400);
    assert.equal(await flags.text(), 'strconv.ParseUint: parsing "x": invalid syntax');
    assert.equal(await (await agent.put("/v1/kv/", "x")).text(), "Missing key name");
    assert.equal(await (await agent.request("/v1/kv/")).text(), "Missing key name");
  });

  test("a value larger than the limit answers 413", async () => {
    const agent = new TestAgent(undefined, { kvMaxValueBytes: 8 });
    const res = await agent.put("/v1/kv/big", "123456789");
    assert.equal(res.status, 413);
    assert.match(await res.text(), /^Request body\(9 bytes\) too large, max size: 8 bytes/);
  });

  test("keys climbing out of the tree are refused", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/kv/a%2F..%2F..%2Fsecret", "x");
    assert.equal(res.status, 400);
    assert.equal(await res.text(), "key contains path traversal sequence");
  });

  test("DELETE removes a key, ?recurse a tree, ?cas only at the right index", async () => {
    const agent = new TestAgent();
    for (const key of ["t/1", "t/2", "u"]) await agent.put(`/v1/kv/${key}`, "x");
    const del = await agent.request("/v1/kv/u", { method: "DELETE" });
    assert.equal(await del.text(), "true");
    assert.equal((await agent.request("/v1/kv/u")).status, 404);
    await agent.request("/v1/kv/t/?recurse", { method: "DELETE" });
    assert.equal((await agent.request("/v1/kv/t/?recurse")).status, 404);
    await agent.put("/v1/kv/c", "x");
    const [entry] = await agent.getJson("/v1/kv/c") as Array<{ ModifyIndex: number }>;
    const stale = await agent.request(`/v1/kv/c?cas=${entry.ModifyIndex - 1}`, {
      method: "DELETE",
    });
    assert.equal(await stale.text(), "false");
    const ok = await agent.request(`/v1/kv/c?cas=${entry.ModifyIndex}`, { method: "DELETE" });
    assert.equal(await ok.text(), "true");
    const noKey = await agent.request("/v1/kv/", { method: "DELETE" });
    assert.equal(await noKey.text(), "Missing key name");
  });
});

describe("transaction endpoint", () => {
  test("a write transaction commits every operation and answers results", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/txn", [
      { KV: { Verb: "set", Key: "x", Value: b64("1") } },
      { KV: { Verb: "set", Key: "y", Value: b64("2"), Flags: 7 } },
      { KV: { Verb: "get", Key: "x" } },
    ]);
    assert.equal(res.status, 200);
    const body = await res.json() as {
      Results: Array<{ KV: Record<string, unknown> }>;
      Errors: null;
    };
    assert.equal(body.Errors, null);
    assert.equal(body.Results.length, 3);
    assert.equal(body.Results[2].KV.Value, b64("1"));
    const [y] = await agent.getJson("/v1/kv/y") as Array<{ Flags: number }>;
    assert.equal(y.Flags, 7);
  });

  test("a failing transaction answers 409 with its errors and changes nothing", async () => {
    const agent = new TestAgent();
    const res = await agent.put("/v1/txn", [
      { KV: { Verb: "set", Key: "x", Value: b64("1") } },
      { KV: { Verb: "check-index", Key: "missing", Index: 3 } },
    ]);
    assert.equal(res.status, 409);
    const body = await res.json() as {
      Results: null;
      Errors: Array<{ OpIndex: number; What: string }>;
    };
    assert.equal(body.Results, null);
    assert.equal(body.Errors[0].OpIndex, 1);
    assert.equal((await agent.request("/v1/kv/x")).status, 404);
  });

  test("a read-only transaction carries query meta headers", async () => {
    const agent = new TestAgent();
    await agent.put("/v1/kv/r", "v");
    const res = await agent.put("/v1/txn", [{ KV: { Verb: "get", Key: "r" } }]);
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get("X-Consul-Index")) >= 1);
    assert.equal(res.headers.get("X-Consul-KnownLeader"), "true");
  });

  test("bad bodies answer 400 and too many operations 413", async () => {
    const agent = new TestAgent();
    const notList = await agent.put("/v1/txn", { KV: {} });
    assert.equal(notList.status, 400);
    const badValue = await agent.put("/v1/txn", [{ KV: { Verb: "set", Key: "a", Value: "%%%" } }]);
    assert.equal(badValue.status, 400);
    assert.match(await badValue.text(), /^Failed to parse body/);
    const many = Array.from({ length: 129 }, (_, i) => ({ KV: { Verb: "get", Key: `k${i}` } }));
    const tooMany = await agent.put("/v1/txn", many);
    assert.equal(tooMany.status, 413);
    assert.equal(await tooMany.text(), "Transaction contains too many operations (129 > 128)");
  });
});
