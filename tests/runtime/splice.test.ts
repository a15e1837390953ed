import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import { connPair } from "../../src/runtime/streams.ts";
import type { Conn, Listener, Runtime, SpliceResult } from "../../src/runtime/ports.ts";
import {
  first,
  hashStream,
  PAYLOAD_CHUNK_BYTES,
  readAllText,
  within,
  writePayload,
  writeText,
  writeUntilStalled,
} from "./_helpers.ts";

const SPLICE_TOTAL_BYTES = 64 * 1024 * 1024;
/** Far above loopback socket buffers on four sockets; far below "unbounded". */
const BACKPRESSURE_LIMIT_BYTES = 64 * 1024 * 1024;
const LOCALHOST = "127.0.0.1";
const SETTLE_BOUND_MS = 10_000;

/** outerA <-> a ==splice== b <-> outerB, with what onBytes reported. */
interface SplicedPair {
  readonly outerA: Conn;
  readonly outerB: Conn;
  readonly a: Conn;
  readonly b: Conn;
  readonly result: Promise<SpliceResult>;
  readonly reported: { aToB: number; bToA: number };
}

describe("Net.splice", () => {
  let runtime: Runtime;
  let front: Listener;
  let back: Listener;

  before(async () => {
    runtime = await currentRuntime();
    front = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
    back = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
  });
  after(async () => {
    await front.close();
    await back.close();
  });

  async function splicedPair(): Promise<SplicedPair> {
    const accepted = first(front);
    const outerA = await runtime.net.dialTcp({ hostname: LOCALHOST, port: front.addr.port });
    const a = await accepted;
    const acceptedBack = first(back);
    const b = await runtime.net.dialTcp({ hostname: LOCALHOST, port: back.addr.port });
    const outerB = await acceptedBack;
    const reported = { aToB: 0, bToA: 0 };
    const result = runtime.net.splice(a, b, {
      onBytes: (direction, n) => reported[direction] += n,
    });
    return { outerA, outerB, a, b, result, reported };
  }

  test("64 MiB each way arrives intact through a spliced pair of TCP connections", async () => {
    const pair = await splicedPair();
    const [sentUp, sentDown, gotUp, gotDown] = await Promise.all([
      writePayload(pair.outerA.writable, SPLICE_TOTAL_BYTES),
      writePayload(pair.outerB.writable, SPLICE_TOTAL_BYTES),
      hashStream(pair.outerB.readable),
      hashStream(pair.outerA.readable),
    ]);
    assert.deepEqual(gotUp, { bytes: SPLICE_TOTAL_BYTES, sha256: sentUp });
    assert.deepEqual(gotDown, { bytes: SPLICE_TOTAL_BYTES, sha256: sentDown });
    const result = await within(pair.result, SETTLE_BOUND_MS, "the splice should settle");
    assert.deepEqual(result, { aToB: SPLICE_TOTAL_BYTES, bToA: SPLICE_TOTAL_BYTES });
    assert.deepEqual(pair.reported, { aToB: SPLICE_TOTAL_BYTES, bToA: SPLICE_TOTAL_BYTES });
    await within(Promise.all([pair.a.closed, pair.b.closed]), SETTLE_BOUND_MS, "both closed");
    pair.outerA.close();
    pair.outerB.close();
  });

  test("a half-close from a's peer reaches b's peer, which can still reply", async () => {
    const pair = await splicedPair();
    await writeText(pair.outerA.writable, "request");
    assert.equal(await readAllText(pair.outerB.readable), "request");
    const reply = "reply after half-close;".repeat(20_000);
    const [received] = await Promise.all([
      readAllText(pair.outerA.readable),
      writeText(pair.outerB.writable, reply),
    ]);
    assert.equal(received, reply);
    const result = await within(pair.result, SETTLE_BOUND_MS, "the splice should settle");
    assert.deepEqual(result, { aToB: 7, bToA: reply.length });
    pair.outerA.close();
    pair.outerB.close();
  });

  test("a half-close from b's peer reaches a's peer, which can still send", async () => {
    const pair = await splicedPair();
    await writeText(pair.outerB.writable, "greeting");
    assert.equal(await readAllText(pair.outerA.readable), "greeting");
    const upload = "upload after half-close;".repeat(20_000);
    const [received] = await Promise.all([
      readAllText(pair.outerB.readable),
      writeText(pair.outerA.writable, upload),
    ]);
    assert.equal(received, upload);
    const result = await within(pair.result, SETTLE_BOUND_MS, "the splice should settle");
    assert.deepEqual(result, { aToB: upload.length, bToA: 8 });
    pair.outerA.close();
    pair.outerB.close();
  });

  test("when one side fails the splice closes both connections", async () => {
    const pair = await splicedPair();
    // a's peer vanishes while b's peer keeps sending: writes into a fail.
    pair.outerA.close();
    const writer = pair.outerB.writable.getWriter();
    let settled = false;
    void pair.result.finally(() => settled = true);
    const chunk = new Uint8Array(PAYLOAD_CHUNK_BYTES);
    const sending = (async () => {
      try {
        while (!settled) await writer.write(chunk);
      } catch {
        // b's side went away too, which is the point.
      }
    })();
    const result = await within(pair.result, SETTLE_BOUND_MS, "the splice should settle");
    assert.notEqual(result.error, undefined, "the failed write should be reported");
    await within(Promise.all([pair.a.closed, pair.b.closed]), SETTLE_BOUND_MS, "both closed");
    await within(hashStream(pair.outerB.readable).catch(() => null), SETTLE_BOUND_MS, "b's peer");
    pair.outerB.close();
    await within(sending, SETTLE_BOUND_MS, "the sender should stop");
  });

  test("a slow reader behind the splice pushes back on the writer", async () => {
    const pair = await splicedPair();
    const { acceptedBytes, stalledWrite, writer } = await writeUntilStalled(pair.outerA.writable, {
      stallMs: 300,
      maxBytes: BACKPRESSURE_LIMIT_BYTES,
    });
    assert.ok(acceptedBytes < BACKPRESSURE_LIMIT_BYTES, `accepted ${acceptedBytes} bytes`);
    assert.ok(pair.reported.aToB <= acceptedBytes + PAYLOAD_CHUNK_BYTES);
    const reading = hashStream(pair.outerB.readable);
    await within(stalledWrite, SETTLE_BOUND_MS, "the stalled write should finish on reading");
    await writer.close();
    assert.equal((await reading).bytes, acceptedBytes + PAYLOAD_CHUNK_BYTES);
    pair.outerB.close();
    await within(pair.result, SETTLE_BOUND_MS, "the splice should settle");
    pair.outerA.close();
  });

  test("Conns the runtime did not make are spliced through streams", async () => {
    const [left, a] = connPair();
    const [b, right] = connPair();
    const reported = { aToB: 0, bToA: 0 };
    const result = runtime.net.splice(a, b, { onBytes: (d, n) => reported[d] += n });
    const [, , up, down] = await Promise.all([
      writeText(left.writable, "up"),
      writeText(right.writable, "down!"),
      readAllText(right.readable),
      readAllText(left.readable),
    ]);
    assert.equal(up, "up");
    assert.equal(down, "down!");
    assert.deepEqual(await result, { aToB: 2, bToA: 5 });
    assert.deepEqual(reported, { aToB: 2, bToA: 5 });
  });
});
