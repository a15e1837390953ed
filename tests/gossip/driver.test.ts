import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GossipDriver, type MemberEvent, presets, Swim } from "../../src/gossip/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import type { Clock } from "../../src/runtime/ports.ts";
import { MemoryHub } from "./_memory_transport.ts";

const WAIT_LIMIT_MS = 5_000;
const POLL_MS = 10;

async function waitFor(clock: Clock, what: string, condition: () => boolean): Promise<void> {
  const deadline = clock.monotonicMs() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (clock.monotonicMs() > deadline) {
      throw new Error(`Timed out after ${WAIT_LIMIT_MS} ms waiting until ${what}`);
    }
    await clock.sleep(POLL_MS);
  }
}

describe("gossip driver", () => {
  test("three drivers over an in-memory transport converge, then see a graceful leave", async () => {
    const { clock } = await currentRuntime();
    const hub = new MemoryHub();
    const events: string[] = [];
    const drivers = ["a", "b", "c"].map((name, i) => {
      const transport = hub.transport({ hostname: `mem-${name}`, port: 7946 });
      const swim = new Swim({
        self: { name, addr: transport.localAddr },
        config: presets.sim,
        random: createSeededRandom(i + 1),
        nowMs: clock.monotonicMs(),
      });
      const onEvent = (e: MemberEvent) => events.push(`${name}:${e.type}:${e.member.name}`);
      return new GossipDriver(swim, transport, clock, { onEvent, streamTimeoutMs: 2_000 });
    });
    try {
      for (const driver of drivers) driver.start();
      drivers[1].join([{ name: "a", hostname: "mem-a", port: 7946 }]);
      drivers[2].join([{ name: "a", hostname: "mem-a", port: 7946 }]);
      const everyoneAlive = () =>
        drivers.every((d) =>
          d.swim.members().length === 3 && d.swim.members().every((m) => m.state === "alive")
        );
      await waitFor(clock, "all three members see each other alive", everyoneAlive);
      assert.ok(events.includes("b:join:c") && events.includes("c:join:b"));

      assert.equal(await drivers[2].leave(2_000), true, "the leave notice went out");
      await drivers[2].stop();
      await waitFor(
        clock,
        "a and b see c as left",
        () => drivers.slice(0, 2).every((d) => d.swim.member("c")?.state === "left"),
      );
      assert.ok(events.includes("a:leave:c") && events.includes("b:leave:c"));
      assert.ok(!events.some((e) => e.endsWith(":fail:c")));
    } finally {
      for (const driver of drivers) await driver.stop();
    }
  });
});
