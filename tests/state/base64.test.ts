import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../src/state/mod.ts";

describe("base64 for KV values", () => {
  it("encodes as standard padded base64 and decodes back", () => {
    assert.equal(encodeBase64(new Uint8Array(0)), "");
    assert.equal(encodeBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
    assert.equal(encodeBase64(new TextEncoder().encode("hello")), "aGVsbG8=");
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
    assert.deepEqual(decodeBase64(""), new Uint8Array(0));
  });

  it("encodes a view of a larger buffer by its own bytes only", () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5, 6]);
    assert.equal(encodeBase64(buffer.subarray(2, 5)), btoa("\x03\x04\x05"));
  });

  it("refuses text Go's decoder refuses: whitespace, missing padding, URL alphabet", () => {
    for (const text of ["aGVs bG8=", "aGVsbG8", "-_8=", "aGVsbG8=\n", "aGVsbG8=="]) {
      assert.throws(() => decodeBase64(text), /standard padded base64/, JSON.stringify(text));
    }
  });

  it("ignores non-zero bits after the last byte, as Go's standard decoder does", () => {
    assert.equal(new TextDecoder().decode(decodeBase64("aGVsbG9=")), "hello");
  });
});
