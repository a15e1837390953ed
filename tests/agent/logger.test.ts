import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, parseLogLevel } from "../../src/agent/logger.ts";
import type { Clock } from "../../src/runtime/ports.ts";

const CLOCK: Clock = {
  now: () => Date.UTC(2026, 10, 26, 14, 28, 29, 123),
  monotonicMs: () => 0,
  setTimer: () => ({ cancel() {} }),
  sleep: () => Promise.resolve(),
};

describe("logger", () => {
  test("writes Consul-style lines with the logger's dotted name and fields", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "INFO",
      clock: CLOCK,
      sink: (l) => lines.push(l),
      name: "agent",
    });
    log.named("http").info("listening", { address: "127.0.0.1:8500", note: "two words" });
    assert.deepEqual(lines, [
      '2026-11-26T14:28:29.123Z [INFO]  agent.http: listening: address=127.0.0.1:8500 note="two words"\n',
    ]);
  });

  test("drops lines below the configured level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "WARN", clock: CLOCK, sink: (l) => lines.push(l) });
    log.info("hidden");
    log.debug("hidden");
    log.warn("shown");
    log.error("shown too");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /\[WARN\] {2}shown/);
  });

  test("parses level names as Consul does", () => {
    assert.equal(parseLogLevel("info"), "INFO");
    assert.equal(parseLogLevel("warning"), "WARN");
    assert.equal(parseLogLevel("err"), "ERROR");
    assert.equal(parseLogLevel("loud"), undefined);
  });
});
