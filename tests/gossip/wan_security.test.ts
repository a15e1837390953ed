import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WanJoinError } from "../../src/gossip/wan_pool_types.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { ByteReader } from "../../src/runtime/streams.ts";
import { allAlive, joinAddr, startTestPool, stopAll, waitFor } from "./_wan_helpers.ts";

const KEY_1 = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=";
const KEY_2 = "Ia3GGIqzpnHQx6MWNddGMZCkpRGExzXdEp6cpC8zHgg=";
const KEY_3 = "7tPgoGuXHgFT5r6YflH0yg==";

describe("WAN pool input hygiene and encryption", () => {
  test("garbage datagrams and TCP connections change nothing and are counted", async () => {
    const runtime = await currentRuntime();
    const { clock, net } = runtime;
    const pools = [await startTestPool("s1", "dc1"), await startTestPool("s2", "dc2")];
    const names = ["s1.dc1", "s2.dc2"];
    const udp = await net.bindUdp({ hostname: "127.0.0.1", port: 0 });
    try {
      await pools[1].join([joinAddr(pools[0])]);
      await waitFor(clock, "two alive members", () => allAlive(pools, names));
      const target = pools[0].localAddr;
      const before = pools[0].counters();

      await udp.send(new Uint8Array(0), target);
      await udp.send(new TextEncoder().encode("hello, is this DNS?"), target);
      await udp.send(Uint8Array.of(0x92, 0x01, 0xff, 0x00), target);
      await udp.send(Uint8Array.of(0xc1, 0x01, 0x02), target);
      const http = await net.dialTcp({ ...target, timeoutMs: 2_000 });
      const writer = http.writable.getWriter();
      await writer.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const silent = await net.dialTcp({ ...target, timeoutMs: 2_000 });
      silent.close();

      await waitFor(clock, "all garbage is counted", () => {
        const now = pools[0].counters();
        return now.transport!.packetsDropped >= before.transport!.packetsDropped + 1 &&
          now.swim.malformedPackets >= before.swim.malformedPackets + 2 &&
          now.malformedIntents >= before.malformedIntents + 1 &&
          now.transport!.streamsRejected >= before.transport!.streamsRejected + 2;
      });
      assert.equal(
        await new ByteReader(http.readable).atEof(),
        true,
        "the garbage conn was closed",
      );
      http.close();
      assert.ok(allAlive(pools, names), "membership is unchanged");
    } finally {
      await udp.close();
      await stopAll(pools);
    }
  });

  test("pools sharing a key converge; a different key or none cannot join", async () => {
    const { clock } = await currentRuntime();
    const pools = [
      await startTestPool("s1", "dc1", { encryptKeys: [KEY_1] }),
      await startTestPool("s2", "dc2", { encryptKeys: [KEY_1] }),
    ];
    const wrongKey = await startTestPool("s3", "dc3", { encryptKeys: [KEY_2] });
    const noKey = await startTestPool("s4", "dc4");
    try {
      assert.equal(await pools[1].join([joinAddr(pools[0])]), 1);
      await waitFor(clock, "the keyed pools converge", () => allAlive(pools, ["s1.dc1", "s2.dc2"]));

      for (const outsider of [wrongKey, noKey]) {
        await assert.rejects(outsider.join([joinAddr(pools[0])]), (e: unknown) => {
          assert.ok(e instanceof WanJoinError);
          assert.match(e.message, /^1 error occurred:\n\t\* Failed to join 127\.0\.0\.1:\d+: /);
          assert.match(e.message, /encryption key/);
          return true;
        });
      }
      const counters = pools[0].counters().encryption!;
      assert.ok(counters.streamDecryptFailures >= 2, "both refused streams were counted");
      assert.ok(counters.packetsDecrypted > 0);
      assert.equal(pools[0].members().length, 2);
      assert.equal(wrongKey.members().length, 1);
      assert.equal(noKey.members().length, 1);
    } finally {
      await stopAll([...pools, wrongKey, noKey]);
    }
  });

  test("key rotation (install, use, remove) keeps the pool converged", async () => {
    const { clock } = await currentRuntime();
    const pools = [
      await startTestPool("s1", "dc1", { encryptKeys: [KEY_1] }),
      await startTestPool("s2", "dc2", { encryptKeys: [KEY_1] }),
    ];
    let late = null;
    try {
      await pools[1].join([joinAddr(pools[0])]);
      await waitFor(clock, "converged on the old key", () => allAlive(pools, ["s1.dc1", "s2.dc2"]));

      for (const pool of pools) pool.keyring!.install(KEY_2);
      pools[0].keyring!.use(KEY_2);
      const mixed = pools[1].counters().encryption!.packetsDecrypted;
      await waitFor(
        clock,
        "s2 decrypts s1's new-key traffic",
        () => pools[1].counters().encryption!.packetsDecrypted > mixed + 5,
      );
      pools[1].keyring!.use(KEY_2);
      for (const pool of pools) pool.keyring!.remove(KEY_1);
      assert.deepEqual(pools[0].keyring!.list().keys, [KEY_2]);

      const decrypted = pools.map((p) => p.counters().encryption!.packetsDecrypted);
      await waitFor(
        clock,
        "both keep exchanging packets on the new key only",
        () => pools.every((p, i) => p.counters().encryption!.packetsDecrypted > decrypted[i] + 5),
      );
      assert.ok(allAlive(pools, ["s1.dc1", "s2.dc2"]));

      late = await startTestPool("s3", "dc3", { encryptKeys: [KEY_2, KEY_3] });
      assert.equal(await late.join([joinAddr(pools[1])]), 1);
      await waitFor(
        clock,
        "a server with only the new key joins",
        () => allAlive([...pools, late!], ["s1.dc1", "s2.dc2", "s3.dc3"]),
      );
    } finally {
      await stopAll(late === null ? pools : [...pools, late]);
    }
  });
});
