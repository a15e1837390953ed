import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StatusHandler } from "../../src/agent/checks/mod.ts";
import { RecordingNotifier } from "./_fakes.ts";

function handler(
  successBeforePassing: number,
  failuresBeforeWarning: number,
  failuresBeforeCritical: number,
) {
  const notifier = new RecordingNotifier();
  const h = new StatusHandler(notifier, {
    successBeforePassing,
    failuresBeforeWarning,
    failuresBeforeCritical,
  });
  return { notifier, h };
}

describe("status handler thresholds", () => {
  test("the first result is reported at once, whatever the thresholds", () => {
    const { notifier, h } = handler(3, 2, 2);
    h.updateCheck("c", "critical", "down");
    assert.deepEqual(notifier.last, { checkId: "c", status: "critical", output: "down" });
  });

  test("passing is reported only after SuccessBeforePassing consecutive successes", () => {
    const { notifier, h } = handler(3, 1, 1);
    h.updateCheck("c", "critical", "x");
    h.updateCheck("c", "passing", "1");
    h.updateCheck("c", "passing", "2");
    assert.equal(notifier.reports.length, 1);
    h.updateCheck("c", "passing", "3");
    assert.deepEqual(notifier.last, { checkId: "c", status: "passing", output: "3" });
  });

  test("a failure resets the success streak", () => {
    const { notifier, h } = handler(2, 0, 0);
    h.updateCheck("c", "critical", "x");
    h.updateCheck("c", "passing", "1");
    h.updateCheck("c", "critical", "y");
    h.updateCheck("c", "passing", "2");
    assert.deepEqual(notifier.reports.map((r) => r.status), ["critical", "critical"]);
    h.updateCheck("c", "passing", "3");
    assert.equal(notifier.last?.status, "passing");
  });

  test("failures go warning at FailuresBeforeWarning and critical at FailuresBeforeCritical", () => {
    const { notifier, h } = handler(0, 2, 4);
    h.updateCheck("c", "passing", "ok");
    h.updateCheck("c", "critical", "f1");
    assert.equal(notifier.reports.length, 1, "one failure is below both thresholds");
    h.updateCheck("c", "critical", "f2");
    assert.deepEqual(notifier.last, { checkId: "c", status: "warning", output: "f2" });
    h.updateCheck("c", "critical", "f3");
    assert.equal(notifier.last?.status, "warning");
    h.updateCheck("c", "critical", "f4");
    assert.deepEqual(notifier.last, { checkId: "c", status: "critical", output: "f4" });
  });

  test("a warning result counts as a success", () => {
    const { notifier, h } = handler(0, 2, 2);
    h.updateCheck("c", "critical", "f1");
    h.updateCheck("c", "warning", "slow");
    assert.equal(notifier.last?.status, "warning");
    h.updateCheck("c", "critical", "f2");
    assert.equal(notifier.last?.status, "warning", "failure streak restarted after the warning");
  });
});
