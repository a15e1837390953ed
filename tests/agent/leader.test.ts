import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  LeaderDuties,
  TOMBSTONE_REAP_INTERVAL_MS,
  TOMBSTONE_TTL_MS,
} from "../../src/agent/leader.ts";
import { createLogger } from "../../src/agent/logger.ts";
import { applyCommand, type Command, SessionExpiry, StateStore } from "../../src/state/mod.ts";
import { FakeClock, settle } from "../_support/fake_clock.ts";

function setup() {
  const clock = new FakeClock();
  const store = new StateStore();
  let index = 0;
  const applied: Command[] = [];
  const apply = (command: Command) => {
    applied.push(command);
    return Promise.resolve(applyCommand(store, ++index, command));
  };
  const sessionExpiry = new SessionExpiry();
  const leader = new LeaderDuties({
    store,
    apply,
    clock,
    sessionExpiry,
    logger: createLogger({ level: "ERROR", clock, sink: () => {} }),
    self: {
      nodeId: "8a3c1f9e-0000-4000-8000-000000000001",
      nodeName: "n1",
      datacenter: "dc1",
      address: "10.0.0.1",
      wanAddress: "203.0.113.1",
      serverPort: 8300,
      nodeMeta: {},
    },
  });
  return { clock, store, apply, applied, leader, sessionExpiry };
}

describe("LeaderDuties", () => {
  test("registers the server node, serfHealth and the consul service", async () => {
    const { store, leader } = setup();
    await leader.start();
    const node = store.catalog.nodeServices("n1").value;
    assert.ok(node, "the server node is in the catalog");
    assert.equal(node.Node.Address, "10.0.0.1");
    assert.equal(node.Node.TaggedAddresses.wan, "203.0.113.1");
    const consul = store.catalog.serviceNodes("consul").value;
    assert.equal(consul.length, 1);
    assert.equal(consul[0].Service.Port, 8300);
    const checks = store.health.nodeChecks("n1").value;
    assert.deepEqual(checks.map((c) => [c.CheckID, c.Status]), [["serfHealth", "passing"]]);
    leader.stop();
  });

  test("destroys a TTL session that is not renewed within twice its TTL", async () => {
    const { clock, store, apply, leader } = setup();
    await leader.start();
    await apply(
      { type: "session.create", session: { ID: "s-1", Node: "n1", TTL: "10s" } } as Command,
    );
    await settle();
    await clock.advanceSettled(19_000);
    assert.ok(store.sessions.info("s-1").value, "still alive before 2 x TTL");
    await clock.advanceSettled(1_500);
    assert.equal(store.sessions.info("s-1").value, null, "expired after 2 x TTL");
    leader.stop();
  });

  test("a renewed session lives on past its first deadline", async () => {
    const { clock, store, apply, leader, sessionExpiry } = setup();
    await leader.start();
    await apply(
      { type: "session.create", session: { ID: "s-2", Node: "n1", TTL: "10s" } } as Command,
    );
    await settle();
    await clock.advanceSettled(15_000);
    assert.equal(sessionExpiry.renew("s-2", clock.now()), true);
    await clock.advanceSettled(10_000);
    assert.ok(store.sessions.info("s-2").value, "renewal moved the deadline");
    await clock.advanceSettled(11_000);
    assert.equal(store.sessions.info("s-2").value, null);
    leader.stop();
  });

  test("reaps KV tombstones only once they are older than the tombstone TTL", async () => {
    const { clock, applied, apply, leader } = setup();
    await leader.start();
    await apply({ type: "kv.set", nowMs: clock.now(), op: "set", entry: { Key: "a", Value: "" } });
    await apply({ type: "kv.set", nowMs: clock.now(), op: "delete", entry: { Key: "a" } });
    const reaps = () => applied.filter((c) => c.type === "kv.reapTombstones");
    await clock.advanceSettled(TOMBSTONE_TTL_MS - TOMBSTONE_REAP_INTERVAL_MS);
    assert.equal(reaps().length, 0, "nothing is old enough yet");
    await clock.advanceSettled(2 * TOMBSTONE_REAP_INTERVAL_MS);
    assert.ok(reaps().length >= 1, "a reap was proposed after the TTL");
    leader.stop();
  });

  test("stop cancels every timer", async () => {
    const { clock, leader } = setup();
    await leader.start();
    leader.stop();
    await settle();
    assert.deepEqual(clock.pendingDelays(), []);
  });
});
