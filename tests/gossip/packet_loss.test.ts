import { test } from "node:test";
import assert from "node:assert/strict";
import { presets } from "../../src/gossip/mod.ts";
import { convergedNetwork } from "./_sim.ts";

const RUN_MS = 120_000;

test("10% packet loss on every link for two virtual minutes produces no false failures", () => {
  const { net, names } = convergedNetwork(16, { seed: 1010, lossRate: 0.1, maxMs: 60_000 });
  net.runFor(RUN_MS);
  let probes = 0, failedProbes = 0;
  for (const name of names) {
    probes += net.swim(name).counters.probesStarted;
    failedProbes += net.swim(name).counters.probesFailed;
  }
  const falseFailures = net.trace.filter((e) => e.type === "fail").length;
  const rate = falseFailures / probes;
  // Reported in the gossip docs: failed probe rounds are suspicions that were later refuted.
  console.log(
    `loss 10%: ${probes} probes, ${failedProbes} failed probe rounds ` +
      `(${
        (100 * failedProbes / probes).toFixed(3)
      }%), ${falseFailures} false failures (rate ${rate})`,
  );
  assert.ok(
    probes > names.length * (RUN_MS / presets.sim.probeIntervalMs) * 0.5,
    "probing kept going",
  );
  assert.equal(falseFailures, 0);
  assert.ok(net.allSee(names, "alive"));
});
