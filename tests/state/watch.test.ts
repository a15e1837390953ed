import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Harness } from "./_helpers.ts";

describe("blocking-query watches", () => {
  it("a service watch wakes on that service's change and not on another's", async () => {
    const h = new Harness();
    h.register("n1", { service: { Service: "web" } });
    h.register("n2", { service: { Service: "db" } });
    const ws = h.store.newWatchSet();
    const read = h.store.health.serviceNodes("web", {}, ws);
    const woke = ws.wait();
    h.register("n2", { service: { Service: "db", Port: 5432 } });
    assert.equal(ws.fired, false, "db change must not wake a web watcher");
    h.register("n1", { service: { Service: "web", Port: 8080 } });
    assert.equal(await woke, "changed");
    assert.ok(h.store.health.serviceNodes("web").index > read.index);
  });

  it("a health watch wakes when a node-level check of an instance's node changes", async () => {
    const h = new Harness();
    h.register("n1", { service: { Service: "web" }, checks: [{ CheckID: "serfHealth" }] });
    const ws = h.store.newWatchSet();
    h.store.health.serviceNodes("web", { passingOnly: true }, ws);
    h.register("n1", { checks: [{ CheckID: "serfHealth", Status: "passing" }] });
    assert.equal(await ws.wait(), "changed");
  });

  it("a KV prefix watch wakes for keys under it only", async () => {
    const h = new Harness();
    const ws = h.store.newWatchSet();
    h.store.kv.list("app/", ws);
    h.put("apple", "no");
    h.put("other/app/x", "no");
    assert.equal(ws.fired, false);
    h.put("app/config", "yes");
    assert.equal(await ws.wait(), "changed");
  });

  it("a KV key watch wakes on delete", async () => {
    const h = new Harness();
    h.put("k", "1");
    const ws = h.store.newWatchSet();
    h.store.kv.get("k", ws);
    h.put("k2", "1");
    assert.equal(ws.fired, false);
    h.ok({ type: "kv.set", nowMs: 0, op: "delete", entry: { Key: "k" } });
    assert.equal(await ws.wait(), "changed");
  });

  it("a change between the read and the wait is not lost", async () => {
    const h = new Harness();
    const ws = h.store.newWatchSet();
    h.store.catalog.nodes({}, ws);
    h.register("late");
    assert.equal(await ws.wait(), "changed");
  });

  it("a refused command wakes nobody", () => {
    const h = new Harness();
    const ws = h.store.newWatchSet();
    h.store.catalog.node("n2", ws);
    h.refused({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "n2" },
      checks: [{ CheckID: "c", ServiceID: "missing" }],
    });
    assert.equal(ws.fired, false);
    ws.close();
  });

  it("an aborted wait resolves 'aborted' and unregisters", async () => {
    const h = new Harness();
    const controller = new AbortController();
    const ws = h.store.newWatchSet();
    h.store.kv.get("k", ws);
    const outcome = ws.wait(controller.signal);
    assert.equal(h.store.watchedKeyCount, 1);
    controller.abort();
    assert.equal(await outcome, "aborted");
    assert.equal(h.store.watchedKeyCount, 0);
  });

  it("10,000 idle watchers stay registered and a change wakes only its own", async () => {
    const h = new Harness();
    const sets = Array.from({ length: 10_000 }, (_, i) => {
      const ws = h.store.newWatchSet();
      h.store.kv.get(`key/${i}`, ws);
      return ws;
    });
    const waits = sets.map((ws) => ws.wait());
    assert.equal(h.store.watchedKeyCount, 10_000);
    h.put("key/1234", "x");
    assert.deepEqual(sets.flatMap((ws, i) => ws.fired ? [i] : []), [1234]);
    assert.equal(await waits[1234], "changed");
    assert.equal(h.store.watchedKeyCount, 9_999, "a fired set unregisters itself");
    for (const ws of sets) ws.close();
    assert.equal(h.store.watchedKeyCount, 0);
    assert.equal(await waits[0], "aborted");
  });

  it("store.watch wakes on table keys", async () => {
    const h = new Harness();
    const woke = h.store.watch([{ table: "federation-states" }]);
    h.put("unrelated", "x");
    h.ok({
      type: "federationState.upsert",
      state: { Datacenter: "dc2", UpdatedAt: "2026-01-01T00:00:00Z" },
    });
    assert.equal(await woke, "changed");
  });
});
