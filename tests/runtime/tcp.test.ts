import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Listener, Runtime } from "../../src/runtime/ports.ts";
import {
  echoRoundTrip,
  first,
  PAYLOAD_CHUNK_BYTES,
  readAllText,
  within,
  writeText,
  writeUntilStalled,
} from "./_helpers.ts";

const ECHO_TOTAL_BYTES = 64 * 1024 * 1024;
/** Far above loopback socket buffers plus the adapter's read queue; far below "unbounded". */
const BACKPRESSURE_LIMIT_BYTES = 48 * 1024 * 1024;
const LOCALHOST = "127.0.0.1";

describe("TCP", () => {
  let runtime: Runtime;
  let listener: Listener;

  before(async () => {
    runtime = await currentRuntime();
    listener = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
  });
  after(() => listener.close());

  test("listener reports the bound address", () => {
    assert.equal(listener.addr.hostname, LOCALHOST);
    assert.ok(listener.addr.port > 0);
  });

  test("a 64 MiB echo arrives intact in both directions", async () => {
    const client = await runtime.net.dialTcp({ hostname: LOCALHOST, port: listener.addr.port });
    const result = await echoRoundTrip(client, first(listener), ECHO_TOTAL_BYTES);
    assert.equal(result.serverSaw.bytes, ECHO_TOTAL_BYTES);
    assert.equal(result.serverSaw.sha256, result.sent);
    assert.equal(result.back.bytes, ECHO_TOTAL_BYTES);
    assert.equal(result.back.sha256, result.sent);
    await within(client.closed, 5000, "client should be closed after both FINs");
  });

  test("after the client half-closes it still receives everything the server sends", async () => {
    const client = await runtime.net.dialTcp({ hostname: LOCALHOST, port: listener.addr.port });
    const server = await first(listener);
    await writeText(client.writable, "request");
    assert.equal(await readAllText(server.readable), "request");
    const reply = "reply after half-close;".repeat(50_000);
    const [received] = await Promise.all([
      readAllText(client.readable),
      writeText(server.writable, reply),
    ]);
    assert.equal(received, reply);
    assert.equal(client.remoteAddr.port, listener.addr.port);
    assert.equal(server.remoteAddr.port, client.localAddr.port);
    await within(Promise.all([client.closed, server.closed]), 5000, "both ends should close");
  });

  test("a slow reader pushes back on the writer instead of growing a buffer", async () => {
    const client = await runtime.net.dialTcp({ hostname: LOCALHOST, port: listener.addr.port });
    const server = await first(listener);
    const { acceptedBytes, stalledWrite, writer } = await writeUntilStalled(client.writable, {
      stallMs: 300,
      maxBytes: BACKPRESSURE_LIMIT_BYTES,
    });
    assert.ok(acceptedBytes < BACKPRESSURE_LIMIT_BYTES, `accepted ${acceptedBytes} bytes`);
    // Once the reader drains, the stalled write completes and every byte arrives.
    const reading = (async () => {
      let bytes = 0;
      for await (const chunk of server.readable) bytes += chunk.byteLength;
      return bytes;
    })();
    await within(stalledWrite, 10_000, "the stalled write should finish once the peer reads");
    await writer.close();
    assert.equal(await reading, acceptedBytes + PAYLOAD_CHUNK_BYTES);
    client.close();
    server.close();
  });

  test("close() is idempotent and ends the peer's stream", async () => {
    const client = await runtime.net.dialTcp({ hostname: LOCALHOST, port: listener.addr.port });
    const server = await first(listener);
    client.close();
    client.close();
    await within(client.closed, 2000, "closed should resolve after close()");
    const peerSaw = await readAllText(server.readable).catch(() => "");
    assert.equal(peerSaw, "");
    server.close();
  });

  test("dialing a port nobody listens on fails with the address in the message", async () => {
    const probe = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
    const port = probe.addr.port;
    await probe.close();
    await assert.rejects(
      runtime.net.dialTcp({ hostname: LOCALHOST, port }),
      (error: Error) => error.message.includes(`${LOCALHOST}:${port}`),
    );
  });
});
