/**
 * The gateway benchmark's "server": a mutual-TLS listener with a certificate for
 * `s1.server.dc1.consul` that serves the modes of `_gateway_protocol.ts` (echo, upload,
 * download). It runs as its own process so its CPU is apart from the client's and the proxy's.
 *
 * Run: `deno run -A scripts/bench/_gateway_echo.ts <work-dir>` or
 * `bun scripts/bench/_gateway_echo.ts <work-dir>`; the work directory holds the PEM files named
 * in `TLS_FILES`. Prints one `listening <port>` line when ready and runs until SIGINT or
 * SIGTERM. Not a benchmark by itself.
 *
 * @module
 */

import type { Runtime, TlsConn } from "../../src/runtime/ports.ts";
import { ByteReader } from "../../src/runtime/streams.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import {
  BULK_CHUNK_BYTES,
  decodeHeader,
  HEADER_BYTES,
  TLS_FILES,
  UPLOAD_ACK,
} from "./_gateway_protocol.ts";

/** Serves one connection; every failure closes only that connection. */
async function serveConn(conn: TlsConn): Promise<void> {
  const reader = new ByteReader(conn.readable);
  const { mode, count } = decodeHeader(await reader.readExactly(HEADER_BYTES));
  if (mode === "echo") {
    await reader.intoReadable().pipeTo(conn.writable);
    return;
  }
  const writer = conn.writable.getWriter();
  if (mode === "upload") {
    let received = 0;
    while (received < count) {
      const chunk = await reader.readAtMost(count - received);
      if (chunk === null) throw new Error(`Upload ended after ${received} of ${count} bytes`);
      received += chunk.byteLength;
    }
    await writer.write(Uint8Array.of(UPLOAD_ACK));
    await writer.close();
    await reader.atEof();
    return;
  }
  const chunk = new Uint8Array(BULK_CHUNK_BYTES).fill(0x5a);
  for (let sent = 0; sent < count; sent += chunk.byteLength) {
    await writer.write(sent + chunk.byteLength <= count ? chunk : chunk.subarray(0, count - sent));
  }
  await writer.close();
  await reader.atEof();
}

async function main(runtime: Runtime): Promise<void> {
  const dir = runtime.process.args[0];
  if (dir === undefined) {
    runtime.process.writeStderr("Usage: _gateway_echo.ts <work-dir with the PEM files>\n");
    runtime.process.exit(2);
  }
  const read = (name: string) => runtime.fs.readTextFile(`${dir}/${name}`);
  const listener = await runtime.net.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    caPem: await read(TLS_FILES.caCert),
    certPem: await read(TLS_FILES.serverCert),
    keyPem: await read(TLS_FILES.serverKey),
    requireClientCert: true,
  });
  runtime.process.writeStdout(`listening ${listener.addr.port}\n`);
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  runtime.process.onSignal("SIGTERM", stop);
  runtime.process.onSignal("SIGINT", stop);
  void (async () => {
    for await (const conn of listener) {
      serveConn(conn).catch(() => {}).finally(() => conn.close());
    }
  })();
  await stopped;
  await listener.close();
  runtime.process.exit(0);
}

if (import.meta.main) await main(await currentRuntime());
