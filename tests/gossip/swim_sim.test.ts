import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { presets, SimNetwork } from "../../src/gossip/mod.ts";
import { convergedNetwork, memberNames } from "./_sim.ts";

const SIM = presets.sim;

describe("SWIM on a simulated network", () => {
  test("5 members converge to all-alive from a single join each", () => {
    const { net, names, convergedMs } = convergedNetwork(5, { seed: 101 });
    assert.ok(
      convergedMs <= 5 * SIM.gossipIntervalMs + SIM.pushPullIntervalMs,
      `took ${convergedMs} ms`,
    );
    for (const observer of names) assert.equal(net.swim(observer).members().length, 5);
    const joins = net.trace.filter((e) => e.type === "join");
    assert.equal(joins.length, 5 * 4, "every member reports every other member joining once");
  });

  test("20 members converge to all-alive from a single join each", () => {
    const { net, names } = convergedNetwork(20, { seed: 202 });
    assert.ok(net.allSee(names, "alive"));
    assert.equal(net.trace.filter((e) => e.type === "fail").length, 0);
  });

  test("a killed member is marked suspect, then dead, by every other member within the bound", () => {
    const { net, names } = convergedNetwork(8, { seed: 303 });
    const victim = "n5";
    const observers = names.filter((n) => n !== victim);
    const suspectAt = new Map<string, number>();
    const deadAt = new Map<string, number>();
    const start = net.nowMs;
    net.kill(victim);
    const took = net.runUntil((n) => {
      for (const o of observers) {
        const state = n.view(o, victim);
        if (state === "suspect" && !suspectAt.has(o)) suspectAt.set(o, n.nowMs - start);
        if (state === "dead" && !deadAt.has(o)) deadAt.set(o, n.nowMs - start);
      }
      return deadAt.size === observers.length;
    }, 60_000);
    // Bound: a full probe cycle to reach the victim, then the longest suspicion, plus spread.
    const minSuspicionMs = SIM.suspicionMult * SIM.probeIntervalMs;
    const boundMs = names.length * SIM.probeIntervalMs +
      SIM.suspicionMaxTimeoutMult * minSuspicionMs +
      10 * SIM.gossipIntervalMs;
    assert.notEqual(took, null, "every member marks the killed member dead");
    assert.ok(took! <= boundMs, `detection took ${took} ms, bound ${boundMs} ms`);
    assert.equal(suspectAt.size, observers.length, "every member saw the victim as suspect first");
    for (const o of observers) {
      assert.ok(suspectAt.get(o)! < deadAt.get(o)!, `${o} saw suspect before dead`);
    }
    const fails = net.trace.filter((e) => e.type === "fail");
    assert.deepEqual(fails.map((e) => e.member), observers.map(() => victim));
  });

  test("a member partitioned until declared dead refutes after healing and returns alive", () => {
    const { net, names } = convergedNetwork(6, { seed: 404 });
    const isolated = "n2";
    const rest = names.filter((n) => n !== isolated);
    const incarnationBefore = net.swim(isolated).member(isolated)!.incarnation;
    net.partition([[isolated], rest]);
    assert.notEqual(net.runUntil((n) => n.allSee([isolated], "dead", rest), 30_000), null);
    assert.notEqual(net.runUntil((n) => n.allSee(rest, "dead", [isolated]), 30_000), null);
    net.heal();
    const healedMs = net.runUntil((n) => n.allSee(names, "alive"), 30_000);
    assert.notEqual(healedMs, null, "all members see all alive again after the partition heals");
    const refuted = net.swim(isolated).member(isolated)!.incarnation;
    assert.ok(refuted > incarnationBefore, `incarnation ${refuted} > ${incarnationBefore}`);
    for (const o of rest) assert.equal(net.swim(o).member(isolated)!.incarnation, refuted);
    const rejoins = net.trace.filter((e) =>
      e.type === "join" && e.member === isolated && e.incarnation === refuted
    );
    assert.equal(rejoins.length, rest.length);
  });

  test("a suspect that hears of its suspicion refutes before it is declared dead", () => {
    const { net, names } = convergedNetwork(6, { seed: 505 });
    const target = "n4";
    const rest = names.filter((n) => n !== target);
    net.partition([[target], rest]);
    assert.notEqual(
      net.runUntil((n) => rest.some((o) => n.view(o, target) === "suspect"), 10_000),
      null,
    );
    net.heal();
    assert.notEqual(net.runUntil((n) => n.allSee(names, "alive"), 10_000), null);
    assert.equal(net.trace.filter((e) => e.type === "fail" && e.member === target).length, 0);
    assert.ok(
      net.swim(target).member(target)!.incarnation > 1,
      "the target bumped its incarnation",
    );
  });

  test("indirect probes keep a member alive whose direct link to the prober is cut", () => {
    const { net, names } = convergedNetwork(6, { seed: 606 });
    net.cutLink("n0", "n1");
    let everSuspected = false;
    net.runUntil((n) => {
      everSuspected ||= n.view("n0", "n1") !== "alive" || n.view("n1", "n0") !== "alive";
      return false;
    }, 20_000);
    assert.equal(everSuspected, false, "neither end of the cut link suspected the other");
    assert.ok(net.allSee(names, "alive"));
    assert.ok(net.swim("n0").counters.probesStarted > 100);
  });

  test("without indirect probes the same cut link raises suspicion (the previous test can fail)", () => {
    const config = { ...SIM, indirectChecks: 0 };
    const { net } = convergedNetwork(6, { seed: 606, config });
    net.cutLink("n0", "n1");
    const took = net.runUntil((n) => n.view("n0", "n1") !== "alive", 20_000);
    assert.notEqual(took, null);
  });

  test("a graceful leave propagates as left, never as failed", () => {
    const { net, names } = convergedNetwork(7, { seed: 707 });
    const leaver = "n3";
    const rest = names.filter((n) => n !== leaver);
    net.leave(leaver);
    assert.equal(net.swim(leaver).member(leaver)!.state, "left");
    assert.notEqual(net.runUntil((n) => n.swim(leaver).leaveBroadcastDone, 5_000), null);
    net.kill(leaver);
    assert.notEqual(net.runUntil((n) => n.allSee([leaver], "left", rest), 10_000), null);
    net.runFor(10_000);
    assert.ok(net.allSee([leaver], "left", rest), "still left, not failed, after a long while");
    const about = net.trace.filter((e) => e.member === leaver && e.type !== "join");
    assert.deepEqual(about.map((e) => e.type), rest.map(() => "leave"));
  });

  test("failed members are reaped after the reconnect timeout", () => {
    const config = { ...SIM, reconnectTimeoutMs: 5_000 };
    const { net, names } = convergedNetwork(5, { seed: 808, config });
    net.kill("n1");
    const rest = names.filter((n) => n !== "n1");
    assert.notEqual(net.runUntil((n) => n.allSee(["n1"], "dead", rest), 20_000), null);
    assert.notEqual(
      net.runUntil((n) => rest.every((o) => n.swim(o).member("n1") === undefined), 10_000),
      null,
    );
    assert.equal(net.trace.filter((e) => e.type === "reap").length, rest.length);
  });

  test("tag changes reach every member as an update", () => {
    const { net, names } = convergedNetwork(5, { seed: 909 });
    const out = net.swim("n2").setTags({ role: "consul", dc: "dc2" }, net.nowMs);
    assert.ok(out.events.length === 0);
    const rest = names.filter((n) => n !== "n2");
    const took = net.runUntil(
      (n) => rest.every((o) => n.swim(o).member("n2")!.tags.dc === "dc2"),
      5_000,
    );
    assert.notEqual(took, null);
    assert.equal(
      net.trace.filter((e) => e.type === "update" && e.member === "n2").length,
      rest.length,
    );
  });

  test("the same seed gives the same event trace; another seed gives another", () => {
    const run = (seed: number) => {
      const net = new SimNetwork({ seed, config: SIM, lossRate: 0.05 });
      const names = memberNames(8);
      for (const name of names) net.addMember(name);
      for (const name of names.slice(1)) net.join(name, ["n0"]);
      net.runFor(2_000);
      net.kill("n6");
      net.partition([["n1", "n2"], ["n0", "n3", "n4", "n5", "n7"]]);
      net.runFor(4_000);
      net.heal();
      net.runFor(6_000);
      return JSON.stringify(net.trace);
    };
    const first = run(4242);
    assert.equal(run(4242), first);
    assert.notEqual(run(4243), first);
    assert.ok(JSON.parse(first).length > 50, "the scenario produced a substantial trace");
  });
});
