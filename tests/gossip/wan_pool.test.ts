import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WanJoinError, WanMemberNotFoundError } from "../../src/gossip/wan_pool_types.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { allAlive, joinAddr, startTestPool, statusIn, stopAll, waitFor } from "./_wan_helpers.ts";

const NAMES = ["s1.dc1", "s2.dc2", "s3.dc3"];

describe("WAN pool over loopback sockets", () => {
  test("servers of three datacenters converge and read each other's tags as ServerInfo", async () => {
    const { clock } = await currentRuntime();
    const pools = [
      await startTestPool("s1", "dc1"),
      await startTestPool("s2", "dc2"),
      await startTestPool("s3", "dc3"),
    ];
    try {
      assert.equal(await pools[1].join([joinAddr(pools[0])]), 1);
      assert.equal(await pools[2].join([`s1.dc1/${joinAddr(pools[0])}`]), 1);
      await waitFor(clock, "every pool sees three alive members", () => allAlive(pools, NAMES));

      const member = pools[0].members().find((m) => m.Name === "s3.dc3");
      assert.ok(member);
      assert.equal(member.Addr, "127.0.0.1");
      assert.equal(member.Port, pools[2].localAddr.port);
      assert.equal(member.Tags.role, "consul");
      assert.equal(member.Tags.dc, "dc3");
      assert.equal(member.Tags.ft_fs, "1");
      assert.deepEqual(
        [member.ProtocolMin, member.ProtocolMax, member.ProtocolCur],
        [1, 5, 2],
      );

      const servers = pools[1].servers();
      assert.deepEqual(servers.map((s) => [s.dc, s.node, s.name]), [
        ["dc1", "s1", "s1.dc1"],
        ["dc2", "s2", "s2.dc2"],
        ["dc3", "s3", "s3.dc3"],
      ]);
      const s3 = servers[2];
      assert.deepEqual(s3.rpcAddr, { hostname: "127.0.0.1", port: 8300 });
      assert.equal(s3.build, "1.21.0");
      assert.equal(s3.status, 1);
      assert.equal(s3.expect, 1);
      assert.match(s3.id, /^00000000-0000-4000-8000-0000000000s3$/);
    } finally {
      await stopAll(pools);
    }
  });

  test("a stopped server is reported failed (4); restarted on the same name and port it is alive again", async () => {
    const { clock } = await currentRuntime();
    const pools = [await startTestPool("s1", "dc1"), await startTestPool("s2", "dc2")];
    let third = await startTestPool("s3", "dc3");
    try {
      await pools[1].join([joinAddr(pools[0])]);
      await third.join([joinAddr(pools[0])]);
      await waitFor(clock, "three alive members", () => allAlive([...pools, third], NAMES));

      const port = third.localAddr.port;
      await third.stop();
      await waitFor(
        clock,
        "s3.dc3 is failed in both other views",
        () => pools.every((p) => statusIn(p, "s3.dc3") === 4),
      );
      assert.equal(pools[0].servers().some((s) => s.name === "s3.dc3"), false);

      third = await startTestPool("s3", "dc3", { bind: { hostname: "127.0.0.1", port } });
      await third.join([joinAddr(pools[1])]);
      await waitFor(
        clock,
        "s3.dc3 is alive again everywhere",
        () => allAlive([...pools, third], NAMES),
      );
    } finally {
      await stopAll([...pools, third]);
    }
  });

  test("a graceful leave is reported as left (3), not failed", async () => {
    const { clock } = await currentRuntime();
    const pools = [
      await startTestPool("s1", "dc1"),
      await startTestPool("s2", "dc2"),
      await startTestPool("s3", "dc3"),
    ];
    const events: string[] = [];
    pools[0].onChange((e) => events.push(`${e.type}:${e.member.Name}:${e.member.Status}`));
    try {
      await pools[1].join([joinAddr(pools[0])]);
      await pools[2].join([joinAddr(pools[0])]);
      await waitFor(clock, "three alive members", () => allAlive(pools, NAMES));

      assert.equal(await pools[2].leave(), true, "the leave notice went out");
      assert.equal(statusIn(pools[2], "s3.dc3"), 3);
      await pools[2].stop();
      await waitFor(
        clock,
        "s3.dc3 is left in both other views",
        () => pools.slice(0, 2).every((p) => statusIn(p, "s3.dc3") === 3),
      );
      assert.ok(events.includes("leave:s3.dc3:3"));
      assert.ok(!events.some((e) => e.startsWith("fail:s3.dc3")));
    } finally {
      await stopAll(pools);
    }
  });

  test("force-leave turns a failed server into left everywhere, and prune forgets it", async () => {
    const { clock } = await currentRuntime();
    const pools = [
      await startTestPool("s1", "dc1"),
      await startTestPool("s2", "dc2"),
      await startTestPool("s3", "dc3"),
    ];
    try {
      await pools[1].join([joinAddr(pools[0])]);
      await pools[2].join([joinAddr(pools[0])]);
      await waitFor(clock, "three alive members", () => allAlive(pools, NAMES));
      await pools[2].stop();
      const live = pools.slice(0, 2);
      await waitFor(
        clock,
        "s3.dc3 is failed",
        () => live.every((p) => statusIn(p, "s3.dc3") === 4),
      );

      await assert.rejects(
        pools[0].forceLeave("nobody.dc9"),
        (e: unknown) =>
          e instanceof WanMemberNotFoundError &&
          e.message === "agent: No node found with name 'nobody.dc9'",
      );
      await pools[0].forceLeave("s2.dc2", { prune: false }); // alive: ignored, as in Consul
      assert.equal(statusIn(pools[0], "s2.dc2"), 1);

      await pools[0].forceLeave("s3.dc3");
      assert.equal(statusIn(pools[0], "s3.dc3"), 3);
      await waitFor(clock, "the force-leave reached s2", () => statusIn(pools[1], "s3.dc3") === 3);

      await pools[1].forceLeave("s3.dc3", { prune: true });
      await waitFor(
        clock,
        "s3.dc3 is pruned from both views",
        () => live.every((p) => statusIn(p, "s3.dc3") === undefined),
      );
      assert.equal(live[0].members().length, 2);
    } finally {
      await stopAll(pools);
    }
  });

  test("joins report Consul's errors and retry-join gives up after its retries", async () => {
    const pool = await startTestPool("s1", "dc1");
    try {
      const refused = await startTestPool("gone", "dc1");
      const deadAddr = joinAddr(refused);
      await refused.stop();
      await assert.rejects(pool.join([deadAddr, "127.0.0.1:99999"]), (e: unknown) => {
        assert.ok(e instanceof WanJoinError);
        assert.match(e.message, /^2 errors occurred:\n/);
        assert.ok(e.message.includes(`\t* Failed to join ${deadAddr}: `));
        assert.ok(
          e.message.includes('\t* Failed to resolve 127.0.0.1:99999: invalid port "99999"'),
        );
        return true;
      });
      await assert.rejects(
        pool.retryJoin([deadAddr], { intervalMs: 20, maxAttempts: 2 }),
        (e: unknown) =>
          e instanceof WanJoinError && e.message === "agent: max join WAN retry exhausted, exiting",
      );
    } finally {
      await pool.stop();
    }
  });

  test("retry-join keeps trying until the other server appears", async () => {
    const { clock } = await currentRuntime();
    const first = await startTestPool("s1", "dc1");
    const port = first.localAddr.port;
    await first.stop();
    const second = await startTestPool("s2", "dc2");
    let revived = null;
    try {
      const joined = second.retryJoin([`127.0.0.1:${port}`], { intervalMs: 50, maxAttempts: 0 });
      revived = await startTestPool("s1", "dc1", { bind: { hostname: "127.0.0.1", port } });
      assert.equal(await joined, 1);
      await waitFor(
        clock,
        "both see each other",
        () => allAlive([second, revived!], ["s1.dc1", "s2.dc2"]),
      );
    } finally {
      await stopAll(revived === null ? [second] : [second, revived]);
    }
  });
});
