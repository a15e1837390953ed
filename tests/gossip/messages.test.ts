import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import {
  decodePacket,
  decodeStreamMessage,
  encodeMessage,
  encodePacket,
  encodeStreamMessage,
  GossipDecodeError,
  type GossipMessage,
  MAX_PACKET_BYTES,
  type StreamMessage,
} from "../../src/gossip/mod.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";

const ADDR = { hostname: "10.0.0.7", port: 8302 };
const SAMPLES: GossipMessage[] = [
  { type: "ping", seq: 1, target: "b.dc1", source: { name: "a.dc1", addr: ADDR } },
  { type: "ping", seq: 0xffff_ffff, target: "", source: { name: "a", addr: ADDR } },
  {
    type: "ping-req",
    seq: 9,
    target: { name: "b", addr: ADDR },
    source: { name: "a", addr: ADDR },
    wantNack: true,
  },
  { type: "ack", seq: 42 },
  { type: "nack", seq: 43 },
  { type: "suspect", incarnation: 3, node: "b", from: "a" },
  {
    type: "alive",
    incarnation: 4,
    node: "b",
    addr: { hostname: "::1", port: 1 },
    tags: { role: "consul", dc: "dc1" },
  },
  { type: "dead", incarnation: 5, node: "b", from: "b" },
];

describe("gossip messages", () => {
  test("every packet message survives a compound packet round trip", () => {
    const decoded = decodePacket(encodePacket(SAMPLES.map(encodeMessage)));
    assert.deepEqual(decoded, SAMPLES);
  });

  test("stream messages round trip, including a push/pull state", () => {
    const samples: StreamMessage[] = [
      {
        type: "push-pull",
        join: true,
        reply: false,
        members: [
          { name: "a", addr: ADDR, tags: {}, incarnation: 1, state: "alive" },
          { name: "b", addr: ADDR, tags: { k: "v" }, incarnation: 7, state: "left" },
          { name: "c", addr: ADDR, tags: {}, incarnation: 2, state: "dead" },
          { name: "d", addr: ADDR, tags: {}, incarnation: 2, state: "suspect" },
        ],
      },
      { type: "ping", seq: 5, target: "a", source: { name: "b", addr: ADDR } },
      { type: "ack", seq: 5 },
    ];
    for (const message of samples) {
      assert.deepEqual(decodeStreamMessage(encodeStreamMessage(message)), message);
    }
  });

  test("rejects another protocol version, empty packets and stream-only messages in packets", () => {
    const ack = encodeMessage({ type: "ack", seq: 1 });
    assert.throws(() => decodePacket(encode([2, [ack]])), GossipDecodeError);
    assert.throws(() => decodePacket(encodePacket([])), GossipDecodeError);
    const pushPull = encodeStreamMessage({
      type: "push-pull",
      join: false,
      reply: false,
      members: [],
    });
    const inner = encode([8, false, false, []]);
    assert.throws(() => decodePacket(encodePacket([inner])), /only valid on a stream/);
    assert.throws(
      () => decodeStreamMessage(encode([1, [5, 1, "a", "b"]])),
      /not valid on a stream/,
    );
    assert.ok(decodeStreamMessage(pushPull));
  });

  test("rejects out-of-range fields with a message naming the field", () => {
    const bad = [
      [1, -1, "", "a", "h", 1],
      [1, 2 ** 32, "", "a", "h", 1],
      [1, 1, "", "a", "h", 70_000],
      [1, 1, "", "", "h", 1],
      [6, 1, "b", "h", 1, { k: 1 }],
      [6, 1, "b", "h", 1, { big: "x".repeat(600) }],
      [2, 1, "b", "h", 1, "a", "h", 1, "yes"],
      [99, 1],
    ];
    for (const fields of bad) {
      assert.throws(
        () => decodePacket(encodePacket([encode(fields)])),
        GossipDecodeError,
        JSON.stringify(fields),
      );
    }
    assert.throws(() => decodePacket(encodePacket([encode([3, 1.5])])), /seq must be an integer/);
  });

  test("rejects oversized packets before decoding", () => {
    assert.throws(() => decodePacket(new Uint8Array(MAX_PACKET_BYTES + 1)), /exceeds/);
  });

  test("10,000 seeded garbage and mutated inputs only ever raise GossipDecodeError", () => {
    const random = createSeededRandom(20_260_101);
    const valid = encodePacket(SAMPLES.map(encodeMessage));
    const validStream = encodeStreamMessage({
      type: "push-pull",
      join: false,
      reply: true,
      members: [{ name: "a", addr: ADDR, tags: { x: "y" }, incarnation: 1, state: "alive" }],
    });
    let accepted = 0, rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      const input = fuzzInput(random, i % 2 === 0 ? valid : validStream);
      for (const decode of [decodePacket, decodeStreamMessage]) {
        try {
          decode(input);
          accepted++;
        } catch (error) {
          assert.ok(error instanceof GossipDecodeError, `input ${i} raised ${String(error)}`);
          assert.ok(error.message.length > 0);
          rejected++;
        }
      }
    }
    assert.equal(accepted + rejected, 20_000);
    assert.ok(rejected > 15_000, `rejected ${rejected}`);
  });
});

/** Random bytes, truncations, bit flips, spliced valid input, or random MessagePack values. */
function fuzzInput(random: ReturnType<typeof createSeededRandom>, valid: Uint8Array): Uint8Array {
  switch (random.int(5)) {
    case 0:
      return random.bytes(random.int(200));
    case 1:
      return valid.subarray(0, random.int(valid.byteLength));
    case 2: {
      const copy = valid.slice();
      for (let flips = 1 + random.int(4); flips > 0; flips--) {
        copy[random.int(copy.length)] ^= 1 << random.int(8);
      }
      return copy;
    }
    case 3: {
      const copy = valid.slice();
      copy.set(random.bytes(8), random.int(Math.max(1, copy.length - 8)));
      return copy;
    }
    default:
      return encode(randomValue(random, 3));
  }
}

function randomValue(random: ReturnType<typeof createSeededRandom>, depth: number): unknown {
  switch (random.int(depth > 0 ? 8 : 6)) {
    case 0:
      return random.int(2 ** 32) - 2 ** 16;
    case 1:
      return random.float() * 1e6;
    case 2:
      return "s".repeat(random.int(20));
    case 3:
      return random.int(2) === 0;
    case 4:
      return null;
    case 5:
      return random.bytes(random.int(10));
    case 6:
      return Array.from({ length: random.int(10) }, () => randomValue(random, depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(4) }, (_, i) => [`k${i}`, randomValue(random, depth - 1)]),
      );
  }
}
