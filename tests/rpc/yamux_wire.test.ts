import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  encodeDataFrame,
  encodeFrameHeader,
  type Frame,
  FrameFlag,
  FrameType,
  GoAwayCode,
  INITIAL_STREAM_WINDOW_BYTES,
  YamuxProtocolError,
} from "../../src/rpc/yamux_frame.ts";
import { newYamuxCounters } from "../../src/rpc/yamux_config.ts";
import { PingTimeoutError, SessionClosedError } from "../../src/rpc/yamux_errors.ts";
import { readAll, sessionWithRawPeer, waitFor } from "./_helpers.ts";

function summary(frame: Frame | null): [number, number, number, number] | null {
  return frame && [frame.type, frame.flags, frame.streamId, frame.length];
}

function header(type: number, flags: number, streamId: number, length: number): Uint8Array {
  return encodeFrameHeader({ type: type as FrameType, flags, streamId, length });
}

describe("yamux session on the wire", () => {
  test("open sends SYN as a window update; data may follow before the ACK", async () => {
    const { session, peer } = sessionWithRawPeer("client");
    const stream = session.open();
    const writer = stream.writable.getWriter();
    const writing = writer.write(Uint8Array.of(1, 2, 3));
    assert.deepEqual(summary(await peer.nextFrame()), [
      FrameType.WindowUpdate,
      FrameFlag.SYN,
      1,
      0,
    ]);
    const data = await peer.nextFrame();
    assert.deepEqual(summary(data), [FrameType.Data, 0, 1, 3]);
    assert.deepEqual([...data!.payload], [1, 2, 3]);
    await writing;
    await writer.close();
    assert.deepEqual(summary(await peer.nextFrame()), [
      FrameType.WindowUpdate,
      FrameFlag.FIN,
      1,
      0,
    ]);
    session.close();
  });

  test("an inbound stream is ACKed when accepted, and its FIN ends the readable", async () => {
    const { session, peer } = sessionWithRawPeer("server");
    await peer.send(encodeDataFrame(FrameFlag.SYN, 1, Uint8Array.of(4, 2)));
    await peer.send(header(FrameType.WindowUpdate, FrameFlag.FIN, 1, 0));
    const stream = (await session.accept())!;
    assert.deepEqual(summary(await peer.nextFrame()), [
      FrameType.WindowUpdate,
      FrameFlag.ACK,
      1,
      0,
    ]);
    assert.deepEqual([...await readAll(stream.readable)], [4, 2]);
    session.close();
  });

  test("a larger receive window is announced in the SYN, as hashicorp/yamux does", async () => {
    const maxStreamWindowBytes = INITIAL_STREAM_WINDOW_BYTES * 4;
    const { session, peer } = sessionWithRawPeer("client", { maxStreamWindowBytes });
    session.open();
    assert.deepEqual(
      summary(await peer.nextFrame()),
      [
        FrameType.WindowUpdate,
        FrameFlag.SYN,
        1,
        maxStreamWindowBytes - INITIAL_STREAM_WINDOW_BYTES,
      ],
    );
    session.close();
  });

  test("the receiver grants more window once half of it has been read", async () => {
    const { session, peer } = sessionWithRawPeer("server");
    const half = INITIAL_STREAM_WINDOW_BYTES / 2;
    await peer.send(encodeDataFrame(FrameFlag.SYN, 1, new Uint8Array(half)));
    const stream = (await session.accept())!;
    await peer.nextFrame(); // the ACK
    const reader = stream.readable.getReader();
    assert.equal((await reader.read()).value?.byteLength, half);
    assert.deepEqual(summary(await peer.nextFrame()), [FrameType.WindowUpdate, 0, 1, half]);
    session.close();
  });

  test("answers a ping with an ACK carrying the same value", async () => {
    const { session, peer } = sessionWithRawPeer("server");
    await peer.send(header(FrameType.Ping, FrameFlag.SYN, 0, 0xdeadbeef));
    assert.deepEqual(summary(await peer.nextFrame()), [
      FrameType.Ping,
      FrameFlag.ACK,
      0,
      0xdeadbeef,
    ]);
    session.close();
  });

  test("ping resolves with the RTT measured on the session's clock", async () => {
    const { session, peer, clock } = sessionWithRawPeer("client");
    const rtt = session.ping();
    const ping = await peer.nextFrame();
    assert.deepEqual(summary(ping), [FrameType.Ping, FrameFlag.SYN, 0, 0]);
    clock.advance(37);
    await peer.send(header(FrameType.Ping, FrameFlag.ACK, 0, ping!.length));
    assert.equal(await rtt, 37);
    assert.equal(session.lastRttMs, 37);
    session.close();
  });

  test("an unanswered keepalive ping closes the session and is counted", async () => {
    const counters = newYamuxCounters();
    const { session, peer, clock } = sessionWithRawPeer("client", {
      keepaliveIntervalMs: 1000,
      pingTimeoutMs: 500,
      counters,
    });
    clock.advance(1000);
    assert.equal((await peer.nextFrame())?.type, FrameType.Ping);
    clock.advance(499);
    assert.equal(session.isClosed, false);
    clock.advance(1);
    assert.ok((await session.closed) instanceof PingTimeoutError);
    assert.equal(counters.keepaliveTimeouts, 1);
  });

  test("answered keepalives keep the session open and update the RTT", async () => {
    const { session, peer, clock } = sessionWithRawPeer("client", {
      keepaliveIntervalMs: 1000,
      pingTimeoutMs: 500,
    });
    for (let round = 0; round < 3; round++) {
      clock.advance(1000);
      const ping = await peer.nextFrame();
      clock.advance(10 + round);
      await peer.send(header(FrameType.Ping, FrameFlag.ACK, 0, ping!.length));
      await waitFor(() => session.lastRttMs === 10 + round, `keepalive RTT ${10 + round}`);
    }
    assert.equal(session.isClosed, false);
    session.close();
  });

  test("an unknown frame type closes the session, sends GoAway(protocol error), counts it", async () => {
    const counters = newYamuxCounters();
    const { session, peer } = sessionWithRawPeer("server", { counters });
    const stream = session.open();
    await peer.nextFrame(); // SYN of the stream
    await peer.send(Uint8Array.of(0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    const cause = await session.closed;
    assert.ok(cause instanceof YamuxProtocolError);
    assert.match(cause.message, /unknown yamux frame type 7/);
    assert.equal(counters.protocolErrors, 1);
    assert.deepEqual(
      summary(await peer.nextFrame()),
      [FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError],
    );
    assert.equal(await peer.nextFrame(), null, "connection should be closed");
    await assert.rejects(stream.readable.getReader().read(), SessionClosedError);
  });

  const violations: Array<[string, (() => Uint8Array[]), RegExp]> = [
    ["data beyond the receive window", () => [
      encodeDataFrame(FrameFlag.SYN, 1, new Uint8Array(INITIAL_STREAM_WINDOW_BYTES)),
      encodeDataFrame(0, 1, Uint8Array.of(1)),
    ], /receive window/],
    ["a SYN with an id of the server's parity", () => [
      header(FrameType.WindowUpdate, FrameFlag.SYN, 2, 0),
    ], /reserved for this end/],
    ["a second SYN for an open stream", () => [
      header(FrameType.WindowUpdate, FrameFlag.SYN, 1, 0),
      header(FrameType.WindowUpdate, FrameFlag.SYN, 1, 0),
    ], /twice/],
    ["a version 1 header", () => [Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0)], /version 1/],
  ];
  for (const [what, frames, message] of violations) {
    test(`${what} is a protocol error that closes only this session`, async () => {
      const counters = newYamuxCounters();
      const { session, peer } = sessionWithRawPeer("server", { counters });
      for (const frame of frames()) await peer.send(frame);
      const cause = await session.closed;
      assert.ok(cause instanceof YamuxProtocolError, `got ${cause}`);
      assert.match(cause.message, message);
      assert.equal(counters.protocolErrors, 1);
    });
  }

  test("frames for unknown streams are ignored, as after a reset", async () => {
    const { session, peer } = sessionWithRawPeer("server");
    await peer.send(encodeDataFrame(0, 9, Uint8Array.of(1)));
    await peer.send(header(FrameType.WindowUpdate, 0, 9, 100));
    await peer.send(header(FrameType.Ping, FrameFlag.SYN, 0, 1));
    assert.equal((await peer.nextFrame())?.type, FrameType.Ping);
    assert.equal(session.isClosed, false);
    session.close();
  });

  test("a peer GoAway with an error code closes the session", async () => {
    const { session, peer } = sessionWithRawPeer("client");
    await peer.send(header(FrameType.GoAway, 0, 0, GoAwayCode.InternalError));
    const cause = await session.closed;
    assert.match(String(cause?.message), /internal error/);
  });

  test("close sends a normal GoAway and then ends the connection", async () => {
    const { session, peer } = sessionWithRawPeer("client");
    session.close();
    assert.deepEqual(summary(await peer.nextFrame()), [FrameType.GoAway, 0, 0, GoAwayCode.Normal]);
    assert.equal(await peer.nextFrame(), null);
  });

  test("after our GoAway, new inbound streams get RST", async () => {
    const counters = newYamuxCounters();
    const { session, peer } = sessionWithRawPeer("server", { counters });
    session.goAway();
    assert.equal((await peer.nextFrame())?.type, FrameType.GoAway);
    await peer.send(header(FrameType.WindowUpdate, FrameFlag.SYN, 1, 0));
    assert.deepEqual(summary(await peer.nextFrame()), [
      FrameType.WindowUpdate,
      FrameFlag.RST,
      1,
      0,
    ]);
    assert.equal(counters.streamsRefused, 1);
    session.close();
  });
});
