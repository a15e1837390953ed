import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ByteReader,
  connPair,
  pipeBoth,
  prependBytes,
  ReaderBufferLimitError,
  UnexpectedEofError,
} from "../../src/runtime/streams.ts";
import { hashStream, readAllText, within, writePayload, writeText } from "./_helpers.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encode(chunk));
      controller.close();
    },
  });
}

describe("ByteReader", () => {
  test("readExactly joins bytes across chunk boundaries", async () => {
    const reader = new ByteReader(streamOf("ab", "cde", "f"));
    assert.deepEqual(await reader.readExactly(4), encode("abcd"));
    assert.deepEqual(await reader.readExactly(2), encode("ef"));
    assert.equal(await reader.atEof(), true);
  });

  test("peek does not consume", async () => {
    const reader = new ByteReader(streamOf("x", "yz"));
    assert.deepEqual(await reader.peek(2), encode("xy"));
    assert.deepEqual(await reader.readExactly(3), encode("xyz"));
  });

  test("readAtMost returns what is there and null at the end", async () => {
    const reader = new ByteReader(streamOf("hello", "!"));
    assert.deepEqual(await reader.readAtMost(3), encode("hel"));
    assert.deepEqual(await reader.readAtMost(100), encode("lo"));
    assert.deepEqual(await reader.readAtMost(100), encode("!"));
    assert.equal(await reader.readAtMost(100), null);
  });

  test("premature end of stream is a clear UnexpectedEofError", async () => {
    const reader = new ByteReader(streamOf("abc"));
    await assert.rejects(reader.readExactly(5), (error: unknown) => {
      assert.ok(error instanceof UnexpectedEofError);
      assert.equal(error.expectedBytes, 5);
      assert.equal(error.receivedBytes, 3);
      assert.match(error.message, /3 of 5 expected bytes/);
      return true;
    });
  });

  test("a read beyond the buffer bound is refused", async () => {
    const reader = new ByteReader(streamOf("abcdef"), { maxBufferBytes: 4 });
    await assert.rejects(reader.peek(5), ReaderBufferLimitError);
    assert.deepEqual(await reader.readExactly(4), encode("abcd"));
  });

  test("intoReadable hands back unconsumed bytes then the rest of the stream", async () => {
    const reader = new ByteReader(streamOf("12345", "678"));
    assert.deepEqual(await reader.readExactly(2), encode("12"));
    assert.equal(await readAllText(reader.intoReadable()), "345678");
  });
});

describe("prependBytes", () => {
  test("the peeked bytes come first, then the rest of the connection", async () => {
    const [a, b] = connPair();
    const writing = writeText(a.writable, "-world");
    const conn = prependBytes(b, encode("hello"));
    assert.equal(await readAllText(conn.readable), "hello-world");
    await writing;
    assert.equal(conn.remoteAddr, b.remoteAddr);
  });
});

describe("connPair", () => {
  test("bytes flow both ways and half-close ends only one direction", async () => {
    const [a, b] = connPair();
    await writeText(a.writable, "ping");
    assert.equal(await readAllText(b.readable), "ping");
    await writeText(b.writable, "pong after half-close");
    assert.equal(await readAllText(a.readable), "pong after half-close");
    await within(Promise.all([a.closed, b.closed]), 2000, "both ends should report closed");
  });

  test("a writer waits once the peer stops reading (bounded queue)", async () => {
    const capacityBytes = 4096;
    const [a, b] = connPair({ capacityBytes });
    const writer = a.writable.getWriter();
    let acceptedBytes = 0;
    let stalled = false;
    for (let i = 0; i < 64 && !stalled; i++) {
      const write = writer.write(new Uint8Array(1024)).then(() => true);
      const pending = new Promise<false>((resolve) => queueMicrotask(() => resolve(false)));
      // A write that does not complete within a round of the event loop is held back.
      stalled = !(await Promise.race([write, pending.then(() => macrotask(write))]));
      if (!stalled) acceptedBytes += 1024;
    }
    assert.ok(stalled, "writes should stall while nobody reads");
    assert.ok(acceptedBytes <= capacityBytes + 1024, `accepted ${acceptedBytes} bytes`);
    const reader = b.readable.getReader();
    const { value } = await reader.read();
    assert.equal(value?.byteLength, 1024);
    a.close();
    b.close();
  });

  test("close ends the peer's readable and fails the peer's writes", async () => {
    const [a, b] = connPair();
    a.close();
    assert.equal(await readAllText(b.readable), "");
    await assert.rejects(b.writable.getWriter().write(encode("x")), /closed/);
    await within(b.closed, 2000, "the peer should report closed");
  });
});

/** Resolves with whether `write` settled after a macrotask (setTimeout 0) has run. */
function macrotask(write: Promise<boolean>): Promise<boolean> {
  let done = false;
  write.then(() => done = true);
  return new Promise((resolve) => setTimeout(() => resolve(done), 0));
}

describe("pipeBoth", () => {
  test("splices two connections, propagating half-close, and counts bytes", async () => {
    const [client, proxyFront] = connPair();
    const [proxyBack, server] = connPair();
    const splice = pipeBoth(proxyFront, proxyBack);
    const totalBytes = 3 * 1024 * 1024 + 17;
    const [sentHash, received] = await Promise.all([
      writePayload(client.writable, totalBytes),
      hashStream(server.readable),
    ]);
    assert.equal(received.bytes, totalBytes);
    assert.equal(received.sha256, sentHash);
    // Server answers after the client half-closed; the answer must still arrive.
    const [, reply] = await Promise.all([
      writeText(server.writable, "done"),
      readAllText(client.readable),
    ]);
    assert.equal(reply, "done");
    const result = await within(splice, 2000, "the splice should finish after both FINs");
    assert.deepEqual(result, { aToB: totalBytes, bToA: 4 });
  });

  test("an error on one side tears both down and is reported", async () => {
    const [client, proxyFront] = connPair();
    const [proxyBack, server] = connPair();
    const splice = pipeBoth(proxyFront, proxyBack);
    server.close();
    const writer = client.writable.getWriter();
    await writer.write(encode("lost")).catch(() => {});
    const result = await within(splice, 2000, "the splice should end when a side fails");
    assert.ok(result.error !== undefined, "the error should be reported");
    assert.equal(await readAllText(client.readable), "", "the client should see the end");
    await assert.rejects(writer.write(encode("more")), /closed/);
    await within(client.closed, 2000, "the client side should be closed");
  });
});

test("closing a connPair end wakes a write blocked on a full pipe, which then fails", async () => {
  const [a] = connPair({ capacityBytes: 4 });
  const writer = a.writable.getWriter();
  await writer.write(new Uint8Array(4));
  const blocked = writer.write(new Uint8Array(4));
  a.close();
  await assert.rejects(blocked);
});
