import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  formatGoDuration,
  InvalidDurationError,
  parseGoDuration,
  readGoDuration,
} from "../src/go_duration.ts";

describe("Go durations", () => {
  test("parse into milliseconds as time.ParseDuration does", () => {
    const cases: [string, number][] = [
      ["10s", 10_000],
      ["1m30s", 90_000],
      ["1.5h", 5_400_000],
      ["250ms", 250],
      ["250us", 0.25],
      ["2µs", 0.002],
      ["2μs", 0.002],
      ["1500ns", 0.0015],
      [".5s", 500],
      ["1.s", 1000],
      ["-2s", -2000],
      ["+3m", 180_000],
      ["0", 0],
      ["-0", 0],
      ["1h2m3.5s", 3_723_500],
    ];
    for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  });

  test("refuse other text with Go's own messages", () => {
    const cases: [string, string][] = [
      ["ten", 'time: invalid duration "ten"'],
      ["", 'time: invalid duration ""'],
      ["-", 'time: invalid duration "-"'],
      [".s", 'time: invalid duration ".s"'],
      ["10", 'time: missing unit in duration "10"'],
      ["1.2.3s", 'time: missing unit in duration "1.2.3s"'],
      ["1d", 'time: unknown unit "d" in duration "1d"'],
      ["5 s", 'time: unknown unit " s" in duration "5 s"'],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseGoDuration(text),
        (error: unknown) => error instanceof InvalidDurationError && error.message === message,
        text,
      );
    }
    assert.deepEqual(readGoDuration("1d"), {
      ok: false,
      fault: { kind: "unknown-unit", unit: "d" },
    });
  });

  test("format as Duration.String() does", () => {
    const cases: [number, string][] = [
      [0, "0s"],
      [10_000, "10s"],
      [60_000, "1m0s"],
      [90_000, "1m30s"],
      [3_600_000, "1h0m0s"],
      [3_723_500, "1h2m3.5s"],
      [250, "250ms"],
      [0.25, "250µs"],
      [0.0015, "1.5µs"],
      [0.000001, "1ns"],
      [-1500, "-1.5s"],
      [86_400_000, "24h0m0s"],
    ];
    for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
  });
});
