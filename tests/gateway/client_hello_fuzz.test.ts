import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ClientHelloResult, parseClientHello } from "../../src/gateway/client_hello.ts";
import { ClientHelloSniffer } from "../../src/gateway/hello_sniffer.ts";
import { isValidServerName } from "../../src/gateway/server_name.ts";
import { captureClientHello, frame, unframe } from "./_hello_bytes.ts";
import { SeededRandom } from "./_seeded_random.ts";

const FUZZ_INPUTS = 10_000;
const MAX_FUZZ_INPUT_BYTES = 600;

/** A result is well formed whatever the input: the parser never throws or invents names. */
function assertWellFormed(result: ClientHelloResult, context: string): void {
  if (result.kind === "need-more") {
    assert.ok(Number.isInteger(result.bytesNeeded) && result.bytesNeeded >= 1, context);
  } else if (result.kind === "hello") {
    assert.ok(result.serverName === null || isValidServerName(result.serverName), context);
  } else {
    assert.equal(result.kind, "error", context);
    assert.match(result.reason, /^[a-z0-9-]+$/, context);
  }
}

function parseGuarded(bytes: Uint8Array, context: string): ClientHelloResult {
  try {
    return parseClientHello(bytes);
  } catch (error) {
    assert.fail(`${context} threw ${error}`);
  }
}

describe("parseClientHello never throws on garbage", () => {
  let captured: Uint8Array;
  before(async () => {
    captured = await captureClientHello({
      servername: "s1.server.dc1.consul",
      ALPNProtocols: ["consul/rpc-multi"],
    });
  });

  test("10k random inputs, half behind a plausible record header", () => {
    const random = new SeededRandom(0x5eed);
    const kinds = new Set<string>();
    for (let i = 0; i < FUZZ_INPUTS; i++) {
      const bytes = random.bytes(random.int(MAX_FUZZ_INPUT_BYTES));
      if (i % 2 === 0 && bytes.length >= 9) {
        bytes.set([0x16, 0x03, 1 + random.int(4), 0, random.int(256), 1], 0);
      }
      const result = parseGuarded(bytes, `seed 0x5eed input ${i}`);
      assertWellFormed(result, `seed 0x5eed input ${i}`);
      kinds.add(result.kind === "error" ? result.reason : result.kind);
    }
    assert.ok(kinds.size >= 5, `fuzz reached only ${[...kinds].join(", ")}`);
  });

  test("10k mutations of a real hello", () => {
    const random = new SeededRandom(0xc0ffee);
    const kinds = new Set<string>();
    for (let i = 0; i < FUZZ_INPUTS; i++) {
      const bytes = captured.slice();
      const flips = 1 + random.int(4);
      for (let f = 0; f < flips; f++) bytes[random.int(bytes.length)] = random.int(256);
      const result = parseGuarded(bytes, `seed 0xc0ffee mutation ${i}`);
      assertWellFormed(result, `seed 0xc0ffee mutation ${i}`);
      kinds.add(result.kind === "error" ? result.reason : result.kind);
    }
    assert.ok(kinds.has("hello") && kinds.size >= 6, `mutations reached ${[...kinds].join(", ")}`);
  });
});

describe("ClientHelloSniffer", () => {
  let captured: Uint8Array;
  before(async () => {
    captured = await captureClientHello({
      servername: "server.dc2.consul",
      ALPNProtocols: ["consul/wan-gossip/stream"],
    });
  });

  test("fed byte by byte it answers need-more until the last byte, then the hello", () => {
    const sniffer = new ClientHelloSniffer();
    for (let i = 0; i < captured.length - 1; i++) {
      const result = sniffer.push(captured.subarray(i, i + 1));
      assert.equal(result.kind, "need-more", `after byte ${i}`);
      if (result.kind === "need-more") assert.ok(i + 1 + result.bytesNeeded <= captured.length);
    }
    const result = sniffer.push(captured.subarray(captured.length - 1));
    assert.deepEqual(result, parseClientHello(captured));
    assert.equal(result.kind === "hello" && result.serverName, "server.dc2.consul");
    assert.deepEqual(sniffer.bytes(), captured);
  });

  test("3-record hello in random read sizes gives the same hello and keeps every byte", () => {
    const handshake = unframe(captured);
    const records = frame(handshake, [10, Math.floor(handshake.length / 2)]);
    const random = new SeededRandom(42);
    for (let round = 0; round < 50; round++) {
      const sniffer = new ClientHelloSniffer();
      let offset = 0;
      while (sniffer.result.kind === "need-more") {
        assert.ok(offset < records.length, `round ${round} ran out of bytes`);
        const size = 1 + random.int(64);
        sniffer.push(records.subarray(offset, offset + size));
        offset += size;
      }
      const hello = sniffer.result;
      assert.equal(hello.kind, "hello", `round ${round}`);
      assert.equal(hello.kind === "hello" && hello.recordBytes, records.length);
      assert.deepEqual(sniffer.bytes(), records.subarray(0, Math.min(offset, records.length)));
    }
  });

  test("refuses a bad record header once it is complete, then refuses pushes loudly", () => {
    const sniffer = new ClientHelloSniffer();
    assert.deepEqual(sniffer.push(Uint8Array.of(0x16, 0x03)), {
      kind: "need-more",
      bytesNeeded: 3,
    });
    assert.deepEqual(sniffer.push(Uint8Array.of(0x09, 0x00)), {
      kind: "need-more",
      bytesNeeded: 1,
    });
    assert.deepEqual(sniffer.push(Uint8Array.of(0x10)), {
      kind: "error",
      reason: "bad-record-version",
    });
    assert.throws(() => sniffer.push(Uint8Array.of(0)), /after a final result/);
  });
});
