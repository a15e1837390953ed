import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TtlCheck } from "../../src/agent/checks/mod.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { RecordingNotifier } from "./_fakes.ts";

function ttlCheck(ttlMs = 10_000, outputMaxBytes?: number) {
  const clock = new FakeClock();
  const notifier = new RecordingNotifier();
  const check = new TtlCheck({ checkId: "ttl", ttlMs, notifier, clock, outputMaxBytes });
  check.start();
  return { clock, notifier, check };
}

describe("TTL check", () => {
  test("goes critical with 'TTL expired' when not updated within the TTL", async () => {
    const { clock, notifier } = ttlCheck();
    await clock.advanceSettled(9_999);
    assert.equal(notifier.reports.length, 0);
    await clock.advanceSettled(1);
    assert.deepEqual(notifier.last, { checkId: "ttl", status: "critical", output: "TTL expired" });
  });

  test("each update renews the TTL and the last output is kept in the expiry text", async () => {
    const { clock, notifier, check } = ttlCheck();
    await clock.advanceSettled(8_000);
    check.setStatus("passing", "all good");
    await clock.advanceSettled(8_000);
    assert.equal(notifier.last?.status, "passing", "renewed, so not expired 16 s after start");
    await clock.advanceSettled(2_000);
    assert.deepEqual(notifier.last, {
      checkId: "ttl",
      status: "critical",
      output: "TTL expired (last output before timeout follows): all good",
    });
  });

  test("long output is capped with Consul's captured-bytes note", () => {
    const { notifier, check } = ttlCheck(10_000, 8);
    const stored = check.setStatus("warning", "0123456789abcdef");
    assert.equal(stored, "01234567 ... (captured 8 of 16 bytes)");
    assert.equal(notifier.last?.output, stored);
  });

  test("a stopped TTL check never expires", async () => {
    const { clock, notifier, check } = ttlCheck();
    check.stop();
    await clock.advanceSettled(60_000);
    assert.equal(notifier.reports.length, 0);
  });
});
