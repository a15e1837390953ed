import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodePacket,
  decodeStreamMessage,
  encodeMessage,
  encodePacket,
  encodeStreamMessage,
  type GossipMessage,
  presets,
  Swim,
  SwimConfigError,
} from "../../src/gossip/mod.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";

const A = { hostname: "10.0.0.1", port: 8301 };
const B = { hostname: "10.0.0.2", port: 8301 };

function core(
  name = "a",
  addr = A,
  disableTcpPingsFor?: (member: string) => boolean,
): Swim {
  return new Swim({
    self: { name, addr, tags: { role: "node" } },
    config: presets.lan,
    random: createSeededRandom(1),
    nowMs: 0,
    ...(disableTcpPingsFor === undefined ? {} : { disableTcpPingsFor }),
  });
}

function packet(...messages: GossipMessage[]): Uint8Array {
  return encodePacket(messages.map(encodeMessage));
}

function joinB(swim: Swim): void {
  swim.receivePacket(B, packet({ type: "alive", incarnation: 1, node: "b", addr: B, tags: {} }), 1);
}

describe("SWIM core", () => {
  test("answers a ping with an ack to the sender's advertised address", () => {
    const swim = core();
    const out = swim.receivePacket(
      { hostname: "gateway", port: 8443 },
      packet({ type: "ping", seq: 77, target: "a", source: { name: "b", addr: B } }),
      5,
    );
    assert.equal(out.packets.length, 1);
    assert.deepEqual({ ...out.packets[0].to }, { name: "b", ...B });
    const messages = decodePacket(out.packets[0].bytes);
    assert.deepEqual(messages[0], { type: "ack", seq: 77 });
    assert.ok(messages.some((m) => m.type === "alive" && m.node === "a"), "our alive rides along");
  });

  test("ignores a ping meant for another member and counts it", () => {
    const swim = core();
    const out = swim.receivePacket(
      B,
      packet({ type: "ping", seq: 1, target: "zz", source: { name: "b", addr: B } }),
      1,
    );
    assert.equal(out.packets.length, 0);
    assert.equal(swim.counters.misaddressedPings, 1);
  });

  test("counts malformed packets and stream frames instead of throwing", () => {
    const swim = core();
    assert.equal(swim.receivePacket(B, new Uint8Array([0xc1, 2, 3]), 1).packets.length, 0);
    assert.equal(swim.receiveStream(B, new Uint8Array([1]), 1).reply, null);
    assert.equal(swim.counters.malformedPackets, 1);
    assert.equal(swim.counters.malformedStreams, 1);
  });

  test("refutes a suspicion about itself with a higher incarnation", () => {
    const swim = core();
    joinB(swim);
    swim.receivePacket(B, packet({ type: "suspect", incarnation: 5, node: "a", from: "b" }), 2);
    const self = swim.member("a")!;
    assert.equal(self.state, "alive");
    assert.equal(self.incarnation, 6);
    assert.equal(swim.healthScore, 1, "being accused lowers local health");
  });

  test("refutes a death notice about itself", () => {
    const swim = core();
    joinB(swim);
    swim.receivePacket(B, packet({ type: "dead", incarnation: 1, node: "a", from: "b" }), 2);
    assert.equal(swim.member("a")!.state, "alive");
    assert.equal(swim.member("a")!.incarnation, 2);
  });

  test("older incarnations cannot override newer news", () => {
    const swim = core();
    joinB(swim);
    swim.receivePacket(
      B,
      packet({ type: "alive", incarnation: 4, node: "b", addr: B, tags: { v: "4" } }),
      2,
    );
    swim.receivePacket(B, packet({ type: "suspect", incarnation: 3, node: "b", from: "c" }), 3);
    swim.receivePacket(
      B,
      packet({ type: "alive", incarnation: 3, node: "b", addr: B, tags: { v: "3" } }),
      4,
    );
    assert.deepEqual(swim.member("b"), {
      name: "b",
      addr: B,
      tags: { v: "4" },
      incarnation: 4,
      state: "alive",
      stateChangeMs: 1,
    });
  });

  test("a live member's name cannot be taken by another address", () => {
    const swim = core();
    joinB(swim);
    const other = { hostname: "10.9.9.9", port: 1 };
    swim.receivePacket(
      other,
      packet({ type: "alive", incarnation: 9, node: "b", addr: other, tags: {} }),
      2,
    );
    assert.deepEqual(swim.member("b")!.addr, B);
    assert.equal(swim.counters.addressConflicts, 1);
  });

  test("answers a push/pull request with its own state and merges the peer's", () => {
    const swim = core();
    const request = encodeStreamMessage({
      type: "push-pull",
      join: true,
      reply: false,
      members: [{ name: "b", addr: B, tags: {}, incarnation: 1, state: "alive" }],
    });
    const out = swim.receiveStream(B, request, 1);
    assert.deepEqual(out.events.map((e) => [e.type, e.member.name]), [["join", "b"]]);
    const reply = decodeStreamMessage(out.reply!);
    assert.equal(reply.type, "push-pull");
    if (reply.type === "push-pull") {
      assert.equal(reply.reply, true);
      assert.deepEqual(reply.members.map((m) => m.name).sort(), ["a", "b"]);
    }
  });

  /** Joins b and c, lets `swim` ping b, and returns the tick after b's probe timeout. */
  function missAckFromB(swim: Swim) {
    joinB(swim);
    const c = { hostname: "10.0.0.3", port: 8301 };
    swim.receivePacket(
      c,
      packet({ type: "alive", incarnation: 1, node: "c", addr: c, tags: {} }),
      1,
    );
    let now = 1;
    let pingTo: string | undefined;
    while (pingTo === undefined) {
      now = swim.nextDeadlineMs();
      const out = swim.tick(now);
      for (const p of out.packets) {
        if (decodePacket(p.bytes).some((m) => m.type === "ping" && m.target === "b")) {
          pingTo = p.to.name;
        }
      }
    }
    now += presets.lan.probeTimeoutMs;
    return { now, out: swim.tick(now) };
  }

  function pingReqsTo(out: ReturnType<Swim["tick"]>): string[] {
    const reqs = out.packets.filter((p) =>
      decodePacket(p.bytes).some((m) => m.type === "ping-req")
    );
    return reqs.map((p) => p.to.name as string);
  }

  test("a missed ack leads to PingReq through other members, then suspicion", () => {
    const swim = core();
    const { now, out } = missAckFromB(swim);
    assert.deepEqual(pingReqsTo(out), ["c"]);
    assert.deepEqual(out.streams.map((s) => [s.purpose, s.to.name]), [["ping", "b"]]);
    swim.tick(now + presets.lan.probeIntervalMs);
    assert.equal(swim.member("b")!.state, "suspect");
    assert.equal(swim.counters.probesFailed, 1);
  });

  test("disableTcpPingsFor skips the TCP fallback ping to that member only", () => {
    const asked: string[] = [];
    const swim = core("a", A, (member) => {
      asked.push(member);
      return member === "b";
    });
    const { out } = missAckFromB(swim);
    assert.deepEqual(pingReqsTo(out), ["c"], "indirect probes still go out");
    assert.deepEqual(out.streams, [], "no fallback ping to b");
    assert.deepEqual(asked, ["b"]);
  });

  test("a lone member's leave is done at once; with a live peer it waits for the notice", () => {
    const alone = core();
    assert.equal(alone.leaveBroadcastDone, false, "not before leave");
    alone.leave(1);
    assert.equal(alone.leaveBroadcastDone, true, "nobody to tell");

    const withPeer = core();
    joinB(withPeer);
    withPeer.leave(2);
    assert.equal(withPeer.leaveBroadcastDone, false, "b has not heard yet");
    let now = 2;
    for (let i = 0; i < 1000 && !withPeer.leaveBroadcastDone; i++) {
      now = withPeer.nextDeadlineMs();
      withPeer.tick(now);
    }
    assert.equal(withPeer.leaveBroadcastDone, true, "the notice went out its full count");
  });

  test("rejects an unusable identity with a clear error", () => {
    assert.throws(
      () =>
        new Swim({
          self: { name: "", addr: A },
          config: presets.lan,
          random: createSeededRandom(1),
          nowMs: 0,
        }),
      SwimConfigError,
    );
    const tags = { big: "x".repeat(600) };
    assert.throws(() => core().setTags(tags, 1), /at most 512/);
  });
});
