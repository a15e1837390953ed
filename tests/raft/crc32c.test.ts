import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { crc32c } from "../../src/raft/_crc32c.ts";

describe("crc32c", () => {
  test("matches the standard check value for 123456789", () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  });

  test("matches the RFC 3720 vector of 32 zero bytes", () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  });

  test("continuing a running checksum equals checksumming the whole buffer", () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);
    for (const split of [0, 1, 7, 8, 9, 500, 999, 1000]) {
      const running = crc32c(bytes.subarray(split), crc32c(bytes.subarray(0, split)));
      assert.equal(running, crc32c(bytes), `split at ${split}`);
    }
  });

  test("a single flipped bit changes the checksum", () => {
    const bytes = new Uint8Array(64).fill(0x5a);
    const before = crc32c(bytes);
    bytes[40] ^= 0x08;
    assert.notEqual(crc32c(bytes), before);
  });
});
