import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ScriptCheck } from "../../src/agent/checks/mod.ts";
import { FakeClock, fixedRandom } from "../_support/fake_clock.ts";
import { RecordingNotifier } from "./_fakes.ts";
import { type RunnerPorts, runnerPorts } from "./_ports.ts";

describe("script check", () => {
  let ports: RunnerPorts;
  before(async () => {
    ports = await runnerPorts();
  });

  function scriptCheck(
    script: string,
    options: { timeoutMs?: number; outputMaxBytes?: number } = {},
  ) {
    const notifier = new RecordingNotifier();
    const check = new ScriptCheck({
      checkId: "script",
      args: ["sh", "-c", script],
      intervalMs: 10_000,
      notifier,
      process: ports.process,
      clock: new FakeClock(),
      random: fixedRandom(0),
      ...options,
    });
    return { notifier, check };
  }

  test("exit 0 is passing with the command's output", async () => {
    const { notifier, check } = scriptCheck("echo healthy");
    await check.probe();
    assert.equal(notifier.last?.status, "passing");
    assert.equal(notifier.last?.output.trim(), "healthy");
  });

  test("exit 1 is warning and any other exit code is critical", async () => {
    const warn = scriptCheck("echo degraded; exit 1");
    await warn.check.probe();
    assert.equal(warn.notifier.last?.status, "warning");
    const crit = scriptCheck("echo broken >&2; exit 2");
    await crit.check.probe();
    assert.equal(crit.notifier.last?.status, "critical");
    assert.equal(crit.notifier.last?.output.trim(), "broken");
  });

  test("output is capped at the output limit", async () => {
    const { notifier, check } = scriptCheck("head -c 10000 /dev/zero | tr '\\0' x", {
      outputMaxBytes: 4096,
    });
    await check.probe();
    assert.equal(notifier.last?.status, "passing");
    assert.ok(notifier.last!.output.length <= 4096, `got ${notifier.last!.output.length} bytes`);
    assert.ok(notifier.last!.output.length > 0);
  });

  test("a command exceeding its timeout is critical with Consul's timeout text", async () => {
    const { notifier, check } = scriptCheck("exec sleep 5", { timeoutMs: 200 });
    await check.probe();
    assert.equal(notifier.last?.status, "critical");
    assert.match(notifier.last!.output, /^Timed out \(200ms\) running check/);
  });
});
