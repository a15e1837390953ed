import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { aeScaleFactor, AntiEntropy, type SyncTarget } from "../../src/agent/local/mod.ts";
import { FakeClock, fixedRandom } from "../_support/fake_clock.ts";

class CountingTarget implements SyncTarget {
  full = 0;
  changes = 0;
  failFull = 0;
  /** Resolves the sync in flight, when `hold` is set. */
  release: (() => void) | undefined;
  hold = false;

  syncFull(): Promise<void> {
    this.full++;
    if (this.failFull > 0) {
      this.failFull--;
      return Promise.reject(new Error("no cluster leader"));
    }
    return Promise.resolve();
  }

  async syncChanges(): Promise<void> {
    this.changes++;
    if (this.hold) await new Promise<void>((resolve) => this.release = resolve);
  }
}

function setup(clusterSize = 3) {
  const clock = new FakeClock();
  const target = new CountingTarget();
  const ae = new AntiEntropy(target, {
    clock,
    random: fixedRandom(0.5),
    clusterSize: () => clusterSize,
  });
  return { clock, target, ae };
}

describe("anti-entropy", () => {
  test("the scale factor doubles the spacing each time the cluster doubles past 128 nodes", () => {
    assert.equal(aeScaleFactor(1), 1);
    assert.equal(aeScaleFactor(128), 1);
    assert.equal(aeScaleFactor(129), 2);
    assert.equal(aeScaleFactor(256), 2);
    assert.equal(aeScaleFactor(257), 3);
    assert.equal(aeScaleFactor(8192), 7);
  });

  test("starts with a full sync, then full-syncs every interval plus stagger", async () => {
    const { clock, target, ae } = setup();
    ae.start();
    await clock.advanceSettled(0);
    assert.equal(target.full, 1);
    await clock.advanceSettled(89_999); // 60 s + 0.5 × 60 s stagger
    assert.equal(target.full, 1);
    await clock.advanceSettled(1);
    assert.equal(target.full, 2);
    await ae.stop();
  });

  test("large clusters space full syncs further apart", async () => {
    const { clock, target, ae } = setup(1024); // factor 4: 60 s + 0.5 × 240 s
    ae.start();
    await clock.advanceSettled(179_999);
    assert.equal(target.full, 1);
    await clock.advanceSettled(1);
    assert.equal(target.full, 2);
    await ae.stop();
  });

  test("changes trigger partial syncs, and triggers during a sync coalesce into one more", async () => {
    const { clock, target, ae } = setup();
    ae.start();
    await clock.advanceSettled(0);
    target.hold = true;
    ae.triggerSyncChanges();
    await clock.advanceSettled(0);
    assert.equal(target.changes, 1);
    for (let i = 0; i < 5; i++) ae.triggerSyncChanges();
    target.hold = false;
    target.release!();
    await clock.advanceSettled(0);
    assert.equal(target.changes, 2, "five triggers while busy caused exactly one more sync");
    await clock.advanceSettled(0);
    assert.equal(target.changes, 2);
    await ae.stop();
  });

  test("a failed full sync is retried after 15 s plus stagger, not sooner", async () => {
    const { clock, target, ae } = setup();
    target.failFull = 1;
    ae.start();
    await clock.advanceSettled(0);
    assert.equal(target.full, 1);
    ae.triggerSyncChanges();
    await clock.advanceSettled(22_499); // 15 s + 0.5 × 15 s
    assert.equal(target.full, 1);
    assert.equal(target.changes, 0, "no partial syncs until a full sync succeeded");
    await clock.advanceSettled(1);
    assert.equal(target.full, 2);
    await ae.stop();
  });

  test("a full-sync request waits the staggered server-up delay", async () => {
    const { clock, target, ae } = setup();
    ae.start();
    await clock.advanceSettled(0);
    ae.triggerSyncFull();
    await clock.advanceSettled(1_499); // 0.5 × 3 s
    assert.equal(target.full, 1);
    await clock.advanceSettled(1);
    assert.equal(target.full, 2);
    await ae.stop();
  });

  test("paused syncs resume with a partial sync", async () => {
    const { clock, target, ae } = setup();
    ae.start();
    await clock.advanceSettled(0);
    ae.pause();
    ae.triggerSyncChanges();
    await clock.advanceSettled(0);
    assert.equal(target.changes, 0);
    assert.equal(ae.resume(), true);
    await clock.advanceSettled(0);
    assert.equal(target.changes, 1);
    assert.throws(() => ae.resume(), /without a matching pause/);
    await ae.stop();
  });
});
