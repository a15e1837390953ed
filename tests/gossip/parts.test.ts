import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Awareness,
  BroadcastQueue,
  MemberStatus,
  memberStatusCode,
  memberStatusName,
  presets,
  pushPullScaleMs,
  retransmitLimit,
  Suspicion,
  suspicionMinTimeoutMs,
  suspicionTimeoutMs,
  SwimConfigError,
  validateSwimConfig,
} from "../../src/gossip/mod.ts";

describe("gossip building blocks", () => {
  test("presets carry memberlist's LAN and WAN timings", () => {
    assert.equal(presets.lan.probeIntervalMs, 1000);
    assert.equal(presets.lan.probeTimeoutMs, 500);
    assert.equal(presets.lan.suspicionMult, 4);
    assert.equal(presets.wan.probeIntervalMs, 5000);
    assert.equal(presets.wan.probeTimeoutMs, 3000);
    assert.equal(presets.wan.suspicionMult, 6);
    assert.equal(presets.wan.gossipNodes, 4);
    for (const preset of [presets.lan, presets.wan, presets.sim]) validateSwimConfig(preset);
  });

  test("config validation names the bad field", () => {
    assert.throws(
      () => validateSwimConfig({ ...presets.lan, probeIntervalMs: 0 }),
      /probeIntervalMs/,
    );
    assert.throws(
      () => validateSwimConfig({ ...presets.lan, probeTimeoutMs: 2000 }),
      (e) => e instanceof SwimConfigError && /less than probeIntervalMs/.test(e.message),
    );
  });

  test("suspicion timeout shrinks from max to min as confirmations arrive", () => {
    const min = suspicionMinTimeoutMs(4, 10, 1000);
    assert.equal(min, 4000);
    assert.equal(suspicionMinTimeoutMs(4, 100, 1000), 8000);
    assert.equal(suspicionMinTimeoutMs(4, 1, 1000), 4000);
    const max = 6 * min;
    assert.equal(suspicionTimeoutMs(0, 2, min, max), max);
    assert.equal(
      suspicionTimeoutMs(1, 2, min, max),
      Math.floor(max - (Math.log(2) / Math.log(3)) * (max - min)),
    );
    assert.equal(suspicionTimeoutMs(2, 2, min, max), min);
    assert.equal(suspicionTimeoutMs(0, 0, min, max), min, "no confirmations expected: minimum");
  });

  test("a suspicion counts each confirmer once, never its raiser, and stops at k", () => {
    const s = new Suspicion("a", { startMs: 100, wanted: 2, minMs: 1000, maxMs: 6000 });
    assert.equal(s.deadlineMs, 6100);
    assert.equal(s.confirm("a"), false);
    assert.equal(s.confirm("b"), true);
    assert.equal(s.confirm("b"), false);
    assert.ok(s.deadlineMs < 6100 && s.deadlineMs > 1100);
    assert.equal(s.confirm("c"), true);
    assert.equal(s.deadlineMs, 1100);
    assert.equal(s.confirm("d"), false);
    assert.equal(s.confirmations, 2);
  });

  test("awareness scales timeouts and stays within its bounds", () => {
    const a = new Awareness(8);
    assert.equal(a.scaleTimeoutMs(500), 500);
    a.applyDelta(3);
    assert.equal(a.scaleTimeoutMs(500), 2000);
    a.applyDelta(100);
    assert.equal(a.score, 7);
    a.applyDelta(-100);
    assert.equal(a.score, 0);
  });

  test("retransmit limit and push/pull scaling follow the cluster size", () => {
    assert.equal(retransmitLimit(4, 1), 4);
    assert.equal(retransmitLimit(4, 9), 4);
    assert.equal(retransmitLimit(4, 10), 8);
    assert.equal(retransmitLimit(4, 100), 12);
    assert.equal(pushPullScaleMs(30_000, 32), 30_000);
    assert.equal(pushPullScaleMs(30_000, 33), 60_000);
    assert.equal(pushPullScaleMs(30_000, 128), 90_000);
  });

  test("broadcast queue sends least-sent first, replaces by key and drops at the limit", () => {
    const q = new BroadcastQueue();
    const bytes = (n: number) => new Uint8Array(n).fill(n);
    q.enqueue("a", bytes(10));
    q.enqueue("b", bytes(20));
    assert.deepEqual(
      q.take(1000, 3, 2).map((b) => b.length),
      [20, 10],
      "newest first among equals",
    );
    q.enqueue("c", bytes(30));
    assert.deepEqual(q.take(1000, 3, 2).map((b) => b.length), [30, 20, 10]);
    assert.equal(q.size, 1, "a and b reached their two transmits");
    q.enqueue("c", bytes(5));
    assert.deepEqual(
      q.take(1000, 3, 2).map((b) => b.length),
      [5],
      "the newer broadcast about c replaced the old",
    );
    q.enqueue("d", bytes(50));
    q.enqueue("e", bytes(50));
    assert.equal(q.take(60, 3, 9).length, 1, "only what fits in the budget is taken");
    assert.ok(q.has("d") && q.has("e"));
  });

  test("member states map to Consul's status numbers", () => {
    assert.equal(memberStatusCode("alive"), MemberStatus.alive);
    assert.equal(memberStatusCode("suspect"), 1);
    assert.equal(memberStatusCode("left"), 3);
    assert.equal(memberStatusCode("dead"), 4);
    assert.equal(memberStatusCode("alive", { leaving: true }), 2);
    assert.equal(memberStatusName(4), "failed");
    assert.equal(memberStatusName(2), "leaving");
  });
});
