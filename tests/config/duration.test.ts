import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DurationError, parseDuration } from "../../src/config/mod.ts";

describe("parseDuration", () => {
  test("reads Go durations into milliseconds", () => {
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("1.5h"), 5_400_000);
    assert.equal(parseDuration("250us"), 0.25);
    assert.equal(parseDuration("2µs"), 0.002);
    assert.equal(parseDuration("-2s"), -2000);
    assert.equal(parseDuration(".5s"), 500);
    assert.equal(parseDuration("0"), 0);
  });

  test("rejects bare numbers, unknown units and empty text with a hint", () => {
    for (const text of ["30", "", "s", "1d", "1.2.3s", "5 s", "-"]) {
      assert.throws(() => parseDuration(text), DurationError, `accepted ${JSON.stringify(text)}`);
    }
    assert.throws(() => parseDuration("1d"), /Unknown unit "d".*use ns, us, ms, s, m or h/);
    assert.throws(() => parseDuration("30"), /use a number with a unit, e\.g\. "500ms"/);
  });
});
