import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_KV_VALUE_BYTES } from "../../src/state/mod.ts";
import { b64, Harness, text } from "./_helpers.ts";

describe("kv writes", () => {
  it("set keeps CreateIndex and moves ModifyIndex", () => {
    const h = new Harness();
    h.put("a", "1");
    h.put("a", "2");
    const got = h.store.kv.get("a");
    assert.equal(text(got.value!.Value), "2");
    assert.deepEqual([got.value!.CreateIndex, got.value!.ModifyIndex, got.index], [1, 2, 2]);
  });

  it("stores flags and a null value", () => {
    const h = new Harness();
    h.ok({ type: "kv.set", nowMs: 0, op: "set", entry: { Key: "f", Flags: 42 } });
    const row = h.store.kv.get("f").value!;
    assert.deepEqual([row.Flags, row.Value], [42, null]);
  });

  it("cas with index 0 creates only when absent", () => {
    const h = new Harness();
    const create = { type: "kv.set", nowMs: 0, op: "cas", entry: { Key: "c", ModifyIndex: 0 } };
    assert.equal(h.ok(create as never), true);
    assert.equal(h.ok(create as never), false);
    assert.equal(h.store.kv.get("c").value!.ModifyIndex, 1);
  });

  it("cas with a stale index does nothing", () => {
    const h = new Harness();
    h.put("c", "1");
    const stale = h.ok({
      type: "kv.set",
      nowMs: 0,
      op: "cas",
      entry: { Key: "c", Value: b64("x"), ModifyIndex: 7 },
    });
    assert.equal(stale, false);
    const fresh = h.ok({
      type: "kv.set",
      nowMs: 0,
      op: "cas",
      entry: { Key: "c", Value: b64("y"), ModifyIndex: 1 },
    });
    assert.equal(fresh, true);
    assert.equal(text(h.store.kv.get("c").value!.Value), "y");
  });

  it("delete-cas deletes only at the current index", () => {
    const h = new Harness();
    h.put("d", "1");
    const entry = { Key: "d", ModifyIndex: 9 };
    assert.equal(h.ok({ type: "kv.set", nowMs: 0, op: "delete-cas", entry }), false);
    assert.notEqual(h.store.kv.get("d").value, null);
    const current = { Key: "d", ModifyIndex: 1 };
    assert.equal(h.ok({ type: "kv.set", nowMs: 0, op: "delete-cas", entry: current }), true);
    assert.equal(h.store.kv.get("d").value, null);
  });

  it("delete-tree removes every key under the prefix and nothing else", () => {
    const h = new Harness();
    for (const key of ["app/a", "app/b/c", "apple", "other"]) h.put(key, key);
    h.ok({ type: "kv.set", nowMs: 0, op: "delete-tree", entry: { Key: "app/" } });
    assert.deepEqual(h.store.kv.keys("").value, ["apple", "other"]);
  });

  it("refuses an oversized value and malformed base64", () => {
    const h = new Harness();
    const big = "A".repeat(Math.ceil((MAX_KV_VALUE_BYTES + 3) / 3) * 4);
    const tooBig = h.refused({
      type: "kv.set",
      nowMs: 0,
      op: "set",
      entry: { Key: "k", Value: big },
    });
    assert.match(tooBig.message, /exceeds 524288 byte limit/);
    const bad = h.refused({
      type: "kv.set",
      nowMs: 0,
      op: "set",
      entry: { Key: "k", Value: "%%" },
    });
    assert.equal(bad.code, "invalid_input");
    assert.equal(h.store.kv.get("k").value, null);
  });

  it("hands out value copies that cannot change the store", () => {
    const h = new Harness();
    h.put("v", "abc");
    h.store.kv.get("v").value!.Value![0] = 0;
    assert.equal(text(h.store.kv.get("v").value!.Value), "abc");
  });
});

describe("kv reads", () => {
  it("lists recursively in key order", () => {
    const h = new Harness();
    for (const key of ["b/2", "b/1", "a", "b/10"]) h.put(key, key);
    const listed = h.store.kv.list("b/");
    assert.deepEqual(listed.value.map((row) => row.Key), ["b/1", "b/10", "b/2"]);
    assert.equal(listed.index, 4);
  });

  it("lists keys cut after the separator, deduplicated", () => {
    const h = new Harness();
    for (const key of ["web/a/x", "web/a/y", "web/b", "web/c/d/e", "webx"]) h.put(key, "");
    assert.deepEqual(h.store.kv.keys("web/", "/").value, ["web/a/", "web/b", "web/c/"]);
    assert.deepEqual(h.store.kv.keys("", "/").value, ["web/", "webx"]);
  });

  it("orders keys by code point, as Consul's byte-ordered tree does", () => {
    const h = new Harness();
    for (const key of ["k\u{1F600}", "k\uFFFD", "k~"]) h.put(key, "");
    assert.deepEqual(h.store.kv.keys("k").value, ["k~", "k\uFFFD", "k\u{1F600}"]);
  });

  it("a prefix list sees a delete through its tombstone until reaped", () => {
    const h = new Harness();
    h.put("p/a", "1");
    h.put("other", "1");
    h.put("p/b", "1");
    h.ok({ type: "kv.set", nowMs: 0, op: "delete", entry: { Key: "p/b" } });
    assert.equal(h.store.kv.list("p/").index, 4, "index of the delete, not of p/a");
    assert.equal(h.store.kv.keys("p/").index, 4);
    assert.equal(h.store.kv.get("p/b").index, 4, "missing key answers the table index");
    assert.equal(h.ok({ type: "kv.reapTombstones", upToIndex: 4 }), 1);
    assert.equal(h.store.kv.tombstoneCount, 0);
    assert.equal(h.store.kv.list("p/").index, 1);
  });

  it("an empty prefix with no keys answers the table index", () => {
    const h = new Harness();
    h.put("x", "1");
    assert.equal(h.store.kv.list("nothing/").index, 1);
    assert.equal(new Harness().store.kv.list("").index, 0, "0 on an empty store; HTTP sends 1");
  });
});
