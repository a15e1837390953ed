import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_READ_MEMO_ENTRIES, ReadMemo } from "../../src/state/_read_memo.ts";
import { TxContext } from "../../src/state/_tx.ts";
import { restoreStore, type StateStore } from "../../src/state/mod.ts";
import { Harness } from "./_helpers.ts";

/** `web` on n1 and n2 (one service check each), `db` on n1, and a node check on n1. */
function seeded(): Harness {
  const h = new Harness();
  h.register("n1", {
    service: { Service: "web", ID: "web-1", Tags: ["a"] },
    checks: [
      { CheckID: "web-1-ok", ServiceID: "web-1", Status: "passing" },
      { CheckID: "serfHealth", Status: "passing" },
    ],
  });
  h.register("n2", {
    service: { Service: "web", ID: "web-2", Tags: ["b"] },
    checks: [{ CheckID: "web-2-ok", ServiceID: "web-2", Status: "passing" }],
  });
  h.register("n1", { service: { Service: "db", ID: "db-1", Tags: ["x"] } });
  return h;
}

function passingWeb(store: StateStore): string[] {
  return store.health.serviceNodes("web", { passingOnly: true }).value.map((i) => i.Service.ID);
}

describe("read memo", () => {
  it("keeps a value until one of its watch keys is invalidated", () => {
    const memo = new ReadMemo(new TxContext());
    let computed = 0;
    const read = () => memo.remember("k", ["s:web"], () => ({ n: ++computed }));
    const first = read();
    assert.equal(read(), first, "a second read is served from the memo");
    memo.invalidate(["s:db", "t:nodes"]);
    assert.equal(read(), first, "unrelated keys leave the entry alone");
    memo.invalidate(["s:web"]);
    assert.deepEqual(read(), { n: 2 });
    assert.equal(memo.size, 1);
  });

  it("stands aside while a transaction is open", () => {
    const tx = new TxContext();
    const memo = new ReadMemo(tx);
    tx.begin(1, null);
    let computed = 0;
    memo.remember("k", ["s:web"], () => ++computed);
    assert.equal(memo.remember("k", ["s:web"], () => ++computed), 2);
    assert.equal(memo.size, 0, "nothing read inside a transaction is kept");
    tx.rollback();
  });

  it("holds at most MAX_READ_MEMO_ENTRIES, dropping the least recently used", () => {
    const memo = new ReadMemo(new TxContext());
    for (let i = 0; i < MAX_READ_MEMO_ENTRIES; i++) memo.remember(`k${i}`, [`s:${i}`], () => i);
    memo.remember("k0", ["s:0"], () => -1); // touch k0 so that k1 is the oldest
    memo.remember("new", ["s:new"], () => 0);
    assert.equal(memo.size, MAX_READ_MEMO_ENTRIES);
    assert.equal(memo.remember("k0", ["s:0"], () => -1), 0, "a recently used entry stays");
    assert.equal(memo.remember("k1", ["s:1"], () => -1), -1, "the oldest entry was dropped");
    memo.invalidate(["s:1"]);
    assert.equal(memo.remember("k1", ["s:1"], () => -2), -2);
  });
});

describe("memoized catalog and health reads", () => {
  it("hand out the same frozen answer while nothing they read changes", () => {
    const h = seeded();
    const services = h.store.catalog.services().value;
    const instances = h.store.catalog.serviceNodes("web").value;
    const health = h.store.health.serviceNodes("web").value;
    assert.ok(Object.isFrozen(services) && Object.isFrozen(instances) && Object.isFrozen(health));
    h.put("unrelated", "value");
    h.register("n3", { service: { Service: "cache" } });
    assert.equal(h.store.catalog.serviceNodes("WEB").value, instances, "names fold");
    assert.equal(h.store.health.serviceNodes("web").value, health);
    assert.notEqual(h.store.catalog.services().value, services, "a new service changes the list");
    assert.deepEqual(Object.keys(h.store.catalog.services().value), ["cache", "db", "web"]);
  });

  it("the service list follows retags, deregistrations and renames", () => {
    const h = seeded();
    assert.deepEqual(h.store.catalog.services().value, { db: ["x"], web: ["a", "b"] });
    h.register("n2", { service: { Service: "web", ID: "web-2", Tags: ["c"] } });
    assert.deepEqual(h.store.catalog.services().value, { db: ["x"], web: ["a", "c"] });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", serviceId: "db-1" });
    assert.deepEqual(h.store.catalog.services().value, { web: ["a", "c"] });
    h.register("n1", { service: { Service: "api", ID: "web-1", Tags: ["a"] } });
    assert.deepEqual(h.store.catalog.services().value, { api: ["a"], web: ["c"] });
  });

  it("catalog service instances follow node changes, new instances and node removal", () => {
    const h = seeded();
    const addresses = () => h.store.catalog.serviceNodes("web").value.map((i) => i.Node.Address);
    assert.deepEqual(addresses(), ["10.0.0.1", "10.0.0.1"]);
    h.ok({ type: "catalog.register", nowMs: 0, node: { Node: "n2", Address: "10.0.0.2" } });
    assert.deepEqual(addresses(), ["10.0.0.1", "10.0.0.2"]);
    h.register("n0", { service: { Service: "web", ID: "web-0" } });
    assert.deepEqual(h.store.catalog.serviceNodes("web").value.map((i) => i.Node.Node), [
      "n0",
      "n1",
      "n2",
    ]);
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1" });
    assert.deepEqual(h.store.catalog.serviceNodes("web").value.map((i) => i.Node.Node), [
      "n0",
      "n2",
    ]);
  });

  it("health follows service checks, node-level checks and check removal", () => {
    const h = seeded();
    assert.deepEqual(passingWeb(h.store), ["web-1", "web-2"]);
    h.register("n2", { checks: [{ CheckID: "web-2-ok", ServiceID: "web-2", Status: "warning" }] });
    assert.deepEqual(passingWeb(h.store), ["web-1"]);
    h.register("n1", { checks: [{ CheckID: "serfHealth", Status: "critical" }] });
    assert.deepEqual(passingWeb(h.store), []);
    assert.deepEqual(h.store.health.serviceNodes("web").value.map((i) => i.Service.ID), [
      "web-1",
      "web-2",
    ], "without ?passing every instance is listed");
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", checkId: "serfHealth" });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n2", checkId: "web-2-ok" });
    assert.deepEqual(passingWeb(h.store), ["web-1", "web-2"]);
  });

  it("a refused command leaves memoized answers correct", () => {
    const h = seeded();
    const before = h.store.health.serviceNodes("web").value;
    h.refused({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "n1", Address: "10.9.9.9" },
      service: { Service: "web", ID: "web-1" },
      checks: [{ CheckID: "bad", ServiceID: "missing" }],
    });
    assert.equal(h.store.health.serviceNodes("web").value, before);
    assert.equal(h.store.catalog.serviceNodes("web").value[0].Node.Address, "10.0.0.1");
  });

  it("a blocking health query wakes on a check change and then reads the new state", async () => {
    const h = seeded();
    const ws = h.store.newWatchSet();
    const first = h.store.health.serviceNodes("web", { passingOnly: true }, ws);
    assert.equal(first.value.length, 2);
    const woke = ws.wait();
    h.register("n2", { checks: [{ CheckID: "web-2-ok", ServiceID: "web-2", Status: "critical" }] });
    assert.equal(await woke, "changed");
    const second = h.store.health.serviceNodes("web", { passingOnly: true });
    assert.deepEqual(second.value.map((i) => i.Service.ID), ["web-1"]);
    assert.ok(second.index > first.index);
  });

  it("filtered reads are not memoized and still filter", () => {
    const h = seeded();
    const tagged = h.store.catalog.serviceNodes("web", { tags: ["B"] }).value;
    assert.deepEqual(tagged.map((i) => i.Service.ID), ["web-2"]);
    assert.notEqual(h.store.catalog.serviceNodes("web", { tags: ["b"] }).value, tagged);
    const rack = h.store.catalog.services({ nodeMeta: { rack: "none" } }).value;
    assert.deepEqual(rack, {});
  });
});

describe("check indexes", () => {
  it("merge node-level checks with an instance's own, ordered by CheckID", () => {
    const h = new Harness();
    h.register("n1", {
      service: { Service: "web", ID: "Web-1" },
      checks: [
        { CheckID: "m-node", Status: "passing" },
        { CheckID: "B-own", ServiceID: "web-1", Status: "passing" },
        { CheckID: "z-node", Status: "passing" },
        { CheckID: "a-own", ServiceID: "WEB-1", Status: "passing" },
      ],
    });
    h.register("n1", { service: { Service: "other", ID: "other-1" } });
    h.register("n1", { checks: [{ CheckID: "c-other", ServiceID: "other-1" }] });
    const [instance] = h.store.health.serviceNodes("web").value;
    assert.deepEqual(instance.Checks.map((c) => c.CheckID), ["a-own", "B-own", "m-node", "z-node"]);
    assert.deepEqual(
      h.store.health.serviceChecks("web").value.map((c) => c.CheckID),
      ["a-own", "B-own"],
    );
  });

  it("a check moved to another service leaves the first one's list", () => {
    const h = new Harness();
    h.register("n1", {
      service: { Service: "web", ID: "web-1" },
      checks: [{ CheckID: "c", ServiceID: "web-1" }],
    });
    h.register("n1", { service: { Service: "db", ID: "db-1" } });
    h.register("n1", { checks: [{ CheckID: "c", ServiceID: "db-1" }] });
    assert.deepEqual(h.store.health.serviceChecks("web").value, []);
    assert.deepEqual(h.store.health.serviceChecks("db").value.map((c) => c.CheckID), ["c"]);
  });

  it("survive a snapshot round trip", () => {
    const h = seeded();
    const restored = restoreStore(h.store.snapshot());
    assert.deepEqual(passingWeb(restored), ["web-1", "web-2"]);
    assert.deepEqual(
      restored.health.serviceNodes("web").value[0].Checks.map((c) => c.CheckID),
      ["serfHealth", "web-1-ok"],
    );
  });
});
