import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeDataFrame,
  encodeFrameHeader,
  type Frame,
  FrameDecoder,
  FrameFlag,
  FrameType,
  GoAwayCode,
  HEADER_BYTES,
  YamuxProtocolError,
} from "../../src/rpc/yamux_frame.ts";

function header(bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes);
}

function decodeAll(decoder: FrameDecoder, bytes: Uint8Array, chunkBytes: number): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunkBytes) {
    frames.push(...decoder.push(bytes.subarray(i, i + chunkBytes)));
  }
  return frames;
}

describe("yamux frame encoding", () => {
  test("a SYN window update for stream 1 has the exact bytes hashicorp/yamux sends", () => {
    const bytes = encodeFrameHeader({
      type: FrameType.WindowUpdate,
      flags: FrameFlag.SYN,
      streamId: 1,
      length: 0,
    });
    assert.deepEqual(bytes, header([0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]));
  });

  test("fields are big-endian: flags, stream id and length", () => {
    const bytes = encodeFrameHeader({
      type: FrameType.Ping,
      flags: FrameFlag.ACK | FrameFlag.RST,
      streamId: 0,
      length: 0x01020304,
    });
    assert.deepEqual(bytes, header([0, 2, 0, 0x0a, 0, 0, 0, 0, 1, 2, 3, 4]));
    const data = encodeDataFrame(FrameFlag.FIN, 0x0a0b0c0d, Uint8Array.of(9, 8));
    assert.deepEqual(data, header([0, 0, 0, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 2, 9, 8]));
  });

  test("refuses header fields that do not fit their widths", () => {
    const base = { type: FrameType.Data, flags: 0, streamId: 1, length: 0 };
    assert.throws(() => encodeFrameHeader({ ...base, streamId: 2 ** 32 }), RangeError);
    assert.throws(() => encodeFrameHeader({ ...base, length: -1 }), RangeError);
    assert.throws(() => encodeFrameHeader({ ...base, flags: 0x10000 }), RangeError);
  });
});

describe("yamux frame decoding", () => {
  const frames = [
    encodeDataFrame(FrameFlag.SYN, 1, Uint8Array.of(1, 2, 3, 4, 5)),
    encodeFrameHeader({
      type: FrameType.WindowUpdate,
      flags: FrameFlag.ACK,
      streamId: 2,
      length: 7,
    }),
    encodeFrameHeader({ type: FrameType.Ping, flags: FrameFlag.SYN, streamId: 0, length: 42 }),
    encodeDataFrame(FrameFlag.FIN, 3, new Uint8Array(0)),
    encodeFrameHeader({ type: FrameType.GoAway, flags: 0, streamId: 0, length: 2 }),
  ];
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
  frames.reduce((offset, f) => (stream.set(f, offset), offset + f.byteLength), 0);

  for (const chunkBytes of [1, 5, 12, 13, 1000]) {
    test(`round-trips every frame type when fed ${chunkBytes}-byte chunks`, () => {
      const decoder = new FrameDecoder();
      const decoded = decodeAll(decoder, stream, chunkBytes);
      assert.equal(decoder.idle, true);
      assert.deepEqual(
        decoded.map((f) => [f.type, f.flags, f.streamId, f.length, [...f.payload]]),
        [
          [FrameType.Data, FrameFlag.SYN, 1, 5, [1, 2, 3, 4, 5]],
          [FrameType.WindowUpdate, FrameFlag.ACK, 2, 7, []],
          [FrameType.Ping, FrameFlag.SYN, 0, 42, []],
          [FrameType.Data, FrameFlag.FIN, 3, 0, []],
          [FrameType.GoAway, 0, 0, GoAwayCode.InternalError, []],
        ],
      );
    });
  }

  test("a partial frame leaves the decoder not idle and emits nothing", () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frames[0].subarray(0, 14)), []);
    assert.equal(decoder.idle, false);
    assert.equal(decoder.push(frames[0].subarray(14)).length, 1);
    assert.equal(decoder.idle, true);
  });

  test("a Data frame at exactly the size limit is accepted", () => {
    const decoder = new FrameDecoder({ maxDataFrameBytes: 16 });
    const [frame] = decoder.push(encodeDataFrame(0, 1, new Uint8Array(16).fill(7)));
    assert.equal(frame.payload.byteLength, 16);
  });
});

describe("yamux frame decoding rejects malformed input", () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["an unknown version", header([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), /version 1/],
    ["an unknown frame type", header([0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), /frame type 4/],
    ["a Ping on a stream", header([0, 2, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0]), /must use stream 0/],
    ["a GoAway on a stream", header([0, 3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]), /must use stream 0/],
    ["Data on stream 0", header([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), /stream 0/],
    ["a window update on stream 0", header([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), /stream 0/],
    ["an oversized Data frame", header([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 17]), /17 bytes/],
    ["an HTTP request", new TextEncoder().encode("GET / HTTP/1.1\r\n"), /version 71/],
  ];
  for (const [what, bytes, message] of cases) {
    test(`${what} is a protocol error`, () => {
      const decoder = new FrameDecoder({ maxDataFrameBytes: 16 });
      assert.throws(() => decoder.push(bytes), (error: unknown) => {
        assert.ok(error instanceof YamuxProtocolError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test("stays failed after a protocol error, even for valid bytes", () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.push(header([9, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])));
    const valid = encodeFrameHeader({ type: FrameType.Ping, flags: 0, streamId: 0, length: 0 });
    assert.throws(() => decoder.push(valid), YamuxProtocolError);
  });

  test("a bad frame after a valid one in the same chunk is still a protocol error", () => {
    const decoder = new FrameDecoder();
    const good = encodeFrameHeader({ type: FrameType.Ping, flags: 1, streamId: 0, length: 1 });
    const bad = header([0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const both = new Uint8Array(HEADER_BYTES * 2);
    both.set(good);
    both.set(bad, HEADER_BYTES);
    assert.throws(() => decoder.push(both), YamuxProtocolError);
  });
});
