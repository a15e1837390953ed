import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_LOCK_DELAY_MS, SessionExpiry } from "../../src/state/mod.ts";
import { b64, Harness, seconds } from "./_helpers.ts";

function withNode(): Harness {
  const h = new Harness();
  h.register("n1", {
    service: { Service: "web" },
    checks: [
      { CheckID: "serfHealth", Status: "passing" },
      { CheckID: "web-check", ServiceID: "web", Status: "passing" },
    ],
  });
  return h;
}

function lock(h: Harness, key: string, session: string, nowMs = 0): boolean {
  return h.ok({
    type: "kv.set",
    nowMs,
    op: "lock",
    entry: { Key: key, Session: session, Value: b64("v") },
  });
}

describe("session creation", () => {
  it("stores the session with defaults and returns its ID", () => {
    const h = withNode();
    const id = h.ok({ type: "session.create", session: { ID: "s1", Node: "N1" } });
    assert.equal(id, "s1");
    const row = h.store.sessions.info("s1").value!;
    assert.deepEqual([row.Node, row.Behavior, row.CreateIndex], ["n1", "release", 2]);
    assert.deepEqual(h.store.sessions.ofNode("n1").value.map((s) => s.ID), ["s1"]);
  });

  it("refuses a missing node, a missing check and a critical check with Consul's texts", () => {
    const h = withNode();
    h.register("n1", { checks: [{ CheckID: "bad", Status: "critical" }], skipNodeUpdate: true });
    const cases: [object, string][] = [
      [{ ID: "a", Node: "ghost" }, "Missing node registration"],
      [{ ID: "b", Node: "n1", NodeChecks: ["nope"] }, "Missing check 'nope' registration"],
      [{ ID: "c", Node: "n1", NodeChecks: ["bad"] }, "Check 'bad' is in critical state"],
      [{ ID: "d", Node: "n1", Behavior: "explode" }, "Invalid session behavior: explode"],
    ];
    for (const [session, message] of cases) {
      const error = h.refused({ type: "session.create", session: session as never });
      assert.equal(error.message, message);
    }
    h.ok({ type: "session.create", session: { ID: "e", Node: "n1" } });
    const duplicate = h.refused({ type: "session.create", session: { ID: "e", Node: "n1" } });
    assert.equal(duplicate.code, "session_exists");
  });
});

describe("locks", () => {
  it("acquire bumps LockIndex once per holder and blocks other sessions", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1" } });
    h.ok({ type: "session.create", session: { ID: "s2", Node: "n1" } });
    assert.equal(lock(h, "k", "s1"), true);
    assert.equal(lock(h, "k", "s1"), true, "the holder may acquire again");
    assert.equal(h.store.kv.get("k").value!.LockIndex, 1);
    assert.equal(lock(h, "k", "s2"), false);
    h.put("k", "plain set keeps the holder");
    assert.equal(h.store.kv.get("k").value!.Session, "s1");
    const release = { Key: "k", Session: "s2" };
    assert.equal(h.ok({ type: "kv.set", nowMs: 0, op: "unlock", entry: release }), false);
    const own = { Key: "k", Session: "s1" };
    assert.equal(h.ok({ type: "kv.set", nowMs: 0, op: "unlock", entry: own }), true);
    assert.equal(lock(h, "k", "s2"), true);
    const row = h.store.kv.get("k").value!;
    assert.deepEqual([row.Session, row.LockIndex], ["s2", 2]);
  });

  it("refuses to lock without a session or with an unknown one", () => {
    const h = withNode();
    const none = h.refused({ type: "kv.set", nowMs: 0, op: "lock", entry: { Key: "k" } });
    assert.equal(none.message, "missing session");
    const unknown = h.refused({
      type: "kv.set",
      nowMs: 0,
      op: "lock",
      entry: { Key: "k", Session: "zz" },
    });
    assert.equal(unknown.message, 'invalid session "zz"');
  });

  it("destroying a release session frees its keys and applies the lock delay", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1", LockDelay: seconds(15) } });
    h.ok({ type: "session.create", session: { ID: "s2", Node: "n1" } });
    lock(h, "k", "s1", 1_000);
    h.ok({ type: "session.destroy", nowMs: 2_000, id: "s1" });
    const row = h.store.kv.get("k").value!;
    assert.deepEqual([row.Session, row.LockIndex, row.ModifyIndex], ["", 1, 5]);
    assert.equal(h.store.kv.lockDelayUntilMs("k"), 17_000);
    assert.equal(lock(h, "k", "s2", 16_999), false, "acquire within the delay fails");
    assert.equal(lock(h, "k", "s2", 17_000), true, "acquire after the delay succeeds");
  });

  it("caps the lock delay at 60 seconds", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1", LockDelay: seconds(600) } });
    lock(h, "k", "s1");
    h.ok({ type: "session.destroy", nowMs: 0, id: "s1" });
    assert.equal(h.store.kv.lockDelayUntilMs("k"), MAX_LOCK_DELAY_MS);
  });

  it("destroying a delete session deletes its keys", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1", Behavior: "delete" } });
    lock(h, "a", "s1");
    lock(h, "b", "s1");
    h.put("c", "unlocked");
    h.ok({ type: "session.destroy", nowMs: 0, id: "s1" });
    assert.deepEqual(h.store.kv.keys("").value, ["c"]);
  });
});

describe("session invalidation by checks", () => {
  it("a check turning critical invalidates sessions listing it, and only those", () => {
    const h = withNode();
    h.ok({
      type: "session.create",
      session: { ID: "node", Node: "n1", NodeChecks: ["serfHealth"] },
    });
    h.ok({
      type: "session.create",
      session: { ID: "svc", Node: "n1", ServiceChecks: [{ ID: "web-check" }] },
    });
    lock(h, "leader", "svc");
    h.register("n1", {
      skipNodeUpdate: true,
      checks: [{ CheckID: "web-check", ServiceID: "web", Status: "critical" }],
    });
    assert.deepEqual(h.store.sessions.list().value.map((s) => s.ID), ["node"]);
    assert.equal(h.store.kv.get("leader").value!.Session, "");
  });

  it("deleting a check invalidates sessions listing it", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "s", Node: "n1", NodeChecks: ["serfHealth"] } });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", checkId: "serfHealth" });
    assert.equal(h.store.sessions.info("s").value, null);
  });

  it("deregistering a service invalidates sessions on its checks", () => {
    const h = withNode();
    h.ok({
      type: "session.create",
      session: { ID: "s", Node: "n1", ServiceChecks: [{ ID: "web-check" }] },
    });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", serviceId: "web" });
    assert.equal(h.store.sessions.info("s").value, null);
  });
});

describe("session TTLs", () => {
  it("lists TTL sessions and tracks their deadlines at twice the TTL", () => {
    const h = withNode();
    h.ok({ type: "session.create", session: { ID: "t1", Node: "n1", TTL: "10s" } });
    h.ok({ type: "session.create", session: { ID: "t2", Node: "n1", TTL: "1m" } });
    h.ok({ type: "session.create", session: { ID: "plain", Node: "n1" } });
    const ttl = h.store.sessions.withTtl();
    assert.deepEqual(ttl, [{ ID: "t1", ttlMs: 10_000 }, { ID: "t2", ttlMs: 60_000 }]);
    const expiry = new SessionExpiry();
    expiry.sync(ttl, 0);
    assert.equal(expiry.nextDeadlineMs(), 20_000);
    assert.equal(expiry.renew("t1", 15_000), true);
    assert.deepEqual(expiry.due(34_999), []);
    assert.deepEqual(expiry.due(35_000), ["t1"]);
    h.ok({ type: "session.destroy", nowMs: 35_000, id: "t1" });
    expiry.sync(h.store.sessions.withTtl(), 35_000);
    assert.deepEqual([expiry.size, expiry.nextDeadlineMs()], [1, 120_000]);
    assert.equal(expiry.renew("t1", 36_000), false);
  });

  it("refuses a TTL that is not a duration", () => {
    const h = withNode();
    const error = h.refused({
      type: "session.create",
      session: { ID: "x", Node: "n1", TTL: "soon" },
    });
    assert.match(error.message, /Session TTL "soon" is not a duration/);
  });
});
