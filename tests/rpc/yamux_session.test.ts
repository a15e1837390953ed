import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { YamuxStream } from "../../src/rpc/yamux_stream.ts";
import {
  RemoteGoAwayError,
  SessionClosedError,
  StreamLimitError,
  StreamResetError,
} from "../../src/rpc/yamux_errors.ts";
import { newYamuxCounters } from "../../src/rpc/yamux_config.ts";
import { patternBytes, readAll, sessionPair, waitFor } from "./_helpers.ts";

async function writeAndClose(stream: YamuxStream, data: Uint8Array): Promise<void> {
  const writer = stream.writable.getWriter();
  await writer.write(data);
  await writer.close();
}

describe("yamux session streams", () => {
  test("a client stream is accepted by the server and carries data both ways", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    assert.equal(stream.id, 1);
    const sending = writeAndClose(stream, new TextEncoder().encode("hello"));
    const accepted = await server.accept();
    assert.ok(accepted);
    assert.equal(accepted.id, 1);
    assert.equal(new TextDecoder().decode(await readAll(accepted.readable)), "hello");
    await sending;
    await writeAndClose(accepted, new TextEncoder().encode("world"));
    assert.equal(new TextDecoder().decode(await readAll(stream.readable)), "world");
    await Promise.all([stream.closed, accepted.closed]);
    await waitFor(() => client.streamCount === 0 && server.streamCount === 0, "streams removed");
    client.close();
  });

  test("client ids are odd, server ids are even, both counting up by two", async () => {
    const { client, server } = sessionPair();
    assert.deepEqual([client.open().id, client.open().id], [1, 3]);
    assert.deepEqual([server.open().id, server.open().id], [2, 4]);
    const fromServer = await client.accept();
    assert.equal(fromServer?.id, 2);
    client.close();
  });

  test("200 concurrent streams each deliver their own bytes intact", async () => {
    const { client, server } = sessionPair();
    const echo = (async () => {
      for await (const stream of server) {
        stream.readable.pipeTo(stream.writable).catch(() => {});
      }
    })();
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const stream = client.open();
      const payload = patternBytes(20_000 + i, i);
      const [, echoed] = await Promise.all([
        writeAndClose(stream, payload),
        readAll(stream.readable),
      ]);
      return echoed.byteLength === payload.byteLength &&
        echoed.every((b, j) => b === payload[j]);
    }));
    assert.equal(results.filter((ok) => ok).length, 200);
    client.close();
    await echo;
  });

  test("16 MiB on one stream never puts more than the window in flight", async () => {
    const windowBytes = 16 * 1024;
    const chunkBytes = 4096;
    const totalBytes = 16 * 1024 * 1024;
    const { client, server } = sessionPair({
      initialStreamWindowBytes: windowBytes,
      maxStreamWindowBytes: windowBytes,
    });
    const stream = client.open();
    let written = 0;
    const writer = stream.writable.getWriter();
    const writing = (async () => {
      for (let offset = 0; offset < totalBytes; offset += chunkBytes) {
        const chunk = new Uint8Array(chunkBytes);
        new DataView(chunk.buffer).setUint32(0, offset);
        await writer.write(chunk);
        written += chunkBytes;
      }
      await writer.close();
    })();
    const accepted = (await server.accept())!;
    // Nobody reads yet: the writer must stop once the window is used up.
    await waitFor(() => written >= windowBytes, "the first window to be written");
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));
    assert.equal(written, windowBytes, "writer ran past the receive window");
    assert.equal(accepted.receiveBufferedBytes, windowBytes);

    let read = 0;
    let maxInFlight = 0;
    for await (const chunk of accepted.readable) {
      assert.equal(new DataView(chunk.buffer, chunk.byteOffset).getUint32(0), read);
      read += chunk.byteLength;
      maxInFlight = Math.max(maxInFlight, written - read);
      assert.ok(accepted.receiveBufferedBytes <= windowBytes);
    }
    await writing;
    assert.equal(read, totalBytes);
    // Written-but-unread bytes are bounded by one window plus the chunk being counted.
    assert.ok(maxInFlight <= windowBytes + chunkBytes, `in flight reached ${maxInFlight}`);
    client.close();
  });

  test("half-close: after the client's FIN the server can still answer", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    await stream.writable.close();
    const accepted = (await server.accept())!;
    assert.equal((await readAll(accepted.readable)).byteLength, 0);
    const writer = stream.writable.getWriter();
    await assert.rejects(writer.write(Uint8Array.of(1)), TypeError);
    await writeAndClose(accepted, Uint8Array.of(7, 8, 9));
    assert.deepEqual([...await readAll(stream.readable)], [7, 8, 9]);
    await stream.closed;
    client.close();
  });

  test("a reset fails the peer's reads and writes with StreamResetError", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    const accepted = (await server.accept())!;
    const reading = accepted.readable.getReader().read();
    stream.reset();
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof StreamResetError);
      assert.equal(error.by, "remote");
      return true;
    });
    await assert.rejects(accepted.writable.getWriter().write(Uint8Array.of(1)), StreamResetError);
    await accepted.closed;
    assert.equal(server.streamCount, 0);
    client.close();
  });

  test("close() while the peer may still send resets the stream", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    const accepted = (await server.accept())!;
    stream.close();
    await assert.rejects(accepted.readable.getReader().read(), StreamResetError);
    client.close();
  });

  test("a reader that cancels keeps crediting the peer, so its writes finish", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    const writing = writeAndClose(stream, new Uint8Array(1024 * 1024));
    const accepted = (await server.accept())!;
    await accepted.readable.cancel();
    await writing;
  });
});

describe("yamux session lifecycle", () => {
  test("after GoAway the peer cannot open streams, existing streams keep working", async () => {
    const { client, server } = sessionPair();
    const before = client.open();
    const accepted = (await server.accept())!;
    server.goAway();
    await waitFor(() => client.remoteGoAway, "the GoAway to arrive");
    assert.throws(() => client.open(), RemoteGoAwayError);
    await writeAndClose(before, Uint8Array.of(5));
    assert.deepEqual([...await readAll(accepted.readable)], [5]);
    client.close();
  });

  test("inbound streams past the accept backlog are refused with RST and counted", async () => {
    const counters = newYamuxCounters();
    const { client, server } = sessionPair({ acceptBacklog: 2, counters });
    const streams = [client.open(), client.open(), client.open()];
    await assert.rejects(streams[2].readable.getReader().read(), StreamResetError);
    assert.equal(counters.streamsRefused, 1);
    assert.equal((await server.accept())?.id, 1);
    assert.equal((await server.accept())?.id, 3);
    client.close();
  });

  test("opening past maxStreams fails with StreamLimitError", () => {
    const { client } = sessionPair({ maxStreams: 2 });
    client.open();
    client.open();
    assert.throws(() => client.open(), StreamLimitError);
    client.close();
  });

  test("closing the session fails every stream and pending accept", async () => {
    const { client, server } = sessionPair();
    const stream = client.open();
    const accepted = (await server.accept())!;
    const pendingAccept = client.accept();
    const reading = stream.readable.getReader().read();
    client.close();
    await assert.rejects(reading, SessionClosedError);
    assert.equal(await pendingAccept, null);
    assert.throws(() => client.open(), SessionClosedError);
    assert.equal(await client.closed, undefined);
    // The server sees the GoAway and then the connection end.
    const cause = await server.closed;
    assert.ok(cause instanceof SessionClosedError);
    await assert.rejects(accepted.readable.getReader().read(), SessionClosedError);
  });
});
