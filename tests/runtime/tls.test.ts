import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import { ByteReader, prependBytes, replaceReadable } from "../../src/runtime/streams.ts";
import type { Listener, Runtime, TlsConn } from "../../src/runtime/ports.ts";
import {
  clientTls,
  echoRoundTrip,
  first,
  fixture,
  PAYLOAD_CHUNK_BYTES,
  readAllText,
  serverTls,
  within,
  writeText,
  writeUntilStalled,
} from "./_helpers.ts";

const ECHO_TOTAL_BYTES = 64 * 1024 * 1024;
/** Far above loopback socket buffers plus the adapter queues; far below "unbounded". */
const BACKPRESSURE_LIMIT_BYTES = 48 * 1024 * 1024;
const LOCALHOST = "127.0.0.1";
const RPC_ALPN = "consul/rpc-multi";

describe("TLS", () => {
  let runtime: Runtime;
  let listener: Listener<TlsConn>;

  before(async () => {
    runtime = await currentRuntime();
    listener = await runtime.net.listenTls({
      hostname: LOCALHOST,
      port: 0,
      ...serverTls({ alpnProtocols: [RPC_ALPN] }),
    });
  });
  after(() => listener.close());

  const dial = (overrides: Parameters<typeof clientTls>[0] = {}) =>
    runtime.net.dialTls({
      hostname: LOCALHOST,
      port: listener.addr.port,
      ...clientTls({ alpnProtocols: [RPC_ALPN], ...overrides }),
    });

  test("a 64 MiB echo over mutual TLS arrives intact in both directions", async () => {
    const client = await dial();
    const result = await echoRoundTrip(client, first(listener), ECHO_TOTAL_BYTES);
    assert.equal(result.serverSaw.bytes, ECHO_TOTAL_BYTES);
    assert.equal(result.serverSaw.sha256, result.sent);
    assert.equal(result.back.bytes, ECHO_TOTAL_BYTES);
    assert.equal(result.back.sha256, result.sent);
    client.close();
  });

  test("after the client half-closes it still receives everything the server sends", async () => {
    const client = await dial();
    const server = await first(listener);
    await writeText(client.writable, "request");
    assert.equal(await readAllText(server.readable), "request");
    const reply = "tls reply after half-close;".repeat(40_000);
    const [received] = await Promise.all([
      readAllText(client.readable),
      writeText(server.writable, reply),
    ]);
    assert.equal(received, reply);
    client.close();
    server.close();
  });

  test("a slow TLS reader pushes back on the writer instead of growing a buffer", async () => {
    const client = await dial();
    const server = await first(listener);
    const { acceptedBytes, stalledWrite, writer } = await writeUntilStalled(client.writable, {
      stallMs: 300,
      maxBytes: BACKPRESSURE_LIMIT_BYTES,
    });
    assert.ok(acceptedBytes < BACKPRESSURE_LIMIT_BYTES, `accepted ${acceptedBytes} bytes`);
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

  test("ALPN is visible on both ends and SNI and certificates on the server", async () => {
    const client = await dial({
      serverName: "node1.server.dc1.consul",
      alpnProtocols: ["consul/wan-gossip/stream", RPC_ALPN],
    });
    const server = await first(listener);
    assert.equal(client.alpnProtocol, RPC_ALPN);
    assert.equal(server.alpnProtocol, RPC_ALPN);
    assert.equal(server.serverName, "node1.server.dc1.consul");
    assert.equal(client.serverName, "node1.server.dc1.consul");
    assert.equal(server.peerCertificate?.commonName, "client.dc1.consul");
    assert.deepEqual(server.peerCertificate?.dnsNames, ["client.dc1.consul"]);
    assert.deepEqual(client.peerCertificate?.dnsNames, [
      "server.dc1.consul",
      "node1.server.dc1.consul",
      "localhost",
    ]);
    assert.deepEqual(client.peerCertificate?.ipAddresses, ["127.0.0.1"]);
    assert.equal(client.peerCertificate?.der[0], 0x30, "DER starts with a SEQUENCE");
    client.close();
    server.close();
  });

  test("a client certificate from another CA is rejected when client certs are required", async () => {
    const accepted = first(listener);
    let acceptedUntrusted = false;
    accepted.then(() => acceptedUntrusted = true, () => {});
    // Under TLS 1.3 the client may finish its side before the server checks its certificate,
    // so the rejection shows either as a failed dial or as a connection that dies unread.
    const outcome = await dial({
      certPem: fixture("untrusted-client.pem"),
      keyPem: fixture("untrusted-client-key.pem"),
    }).then(
      (conn) => readAllText(conn.readable).then((text) => `read:${text}`, () => "reset"),
      (error: Error) => `rejected:${error.message}`,
    );
    assert.ok(outcome === "reset" || outcome === "read:" || outcome.startsWith("rejected:"));
    // A trusted client right after proves the listener still works and skipped the bad one.
    const good = await dial();
    const server = await accepted;
    assert.equal(server.peerCertificate?.commonName, "client.dc1.consul");
    assert.equal(acceptedUntrusted, true);
    assert.equal(server.remoteAddr.port, good.localAddr.port, "the accepted conn is the good one");
    good.close();
    server.close();
  });

  test("a server certificate lacking the expected name is rejected by the client", async () => {
    const wrong = await runtime.net.listenTls({
      hostname: LOCALHOST,
      port: 0,
      ...serverTls({ certPem: fixture("wrongname.pem"), keyPem: fixture("wrongname-key.pem") }),
    });
    try {
      await assert.rejects(
        runtime.net.dialTls({ hostname: LOCALHOST, port: wrong.addr.port, ...clientTls() }),
        (error: Error) =>
          error.name === "TlsHandshakeError" && /server\.dc1\.consul/.test(error.message),
      );
      // With verifyHostname off the same certificate is accepted (the CA is still checked).
      const [client, server] = await Promise.all([
        runtime.net.dialTls({
          hostname: LOCALHOST,
          port: wrong.addr.port,
          ...clientTls({ verifyHostname: false }),
        }),
        first(wrong),
      ]);
      assert.equal(client.peerCertificate?.commonName, "other.example");
      client.close();
      server.close();
    } finally {
      await wrong.close();
    }
  });

  test("a server certificate from an untrusted CA is rejected even without name checks", async () => {
    await assert.rejects(
      dial({ caPem: fixture("other-ca.pem"), verifyHostname: false }),
      (error: Error) => error.name === "TlsHandshakeError",
    );
  });

  test("upgrade after the first byte was consumed completes the handshake", async () => {
    const tcp = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
    try {
      const serverSide = (async () => {
        const raw = await first(tcp);
        const reader = new ByteReader(raw.readable);
        const firstByte = await reader.readExactly(1);
        assert.equal(firstByte[0], 0x16, "a TLS record starts with the handshake type");
        const conn = prependBytes(replaceReadable(raw, reader.intoReadable()), firstByte);
        const tls = await runtime.net.upgradeServerTls(
          conn,
          serverTls({
            alpnProtocols: [RPC_ALPN],
          }),
        );
        assert.equal(tls.alpnProtocol, RPC_ALPN);
        assert.equal(tls.serverName, "server.dc1.consul");
        assert.equal(tls.peerCertificate?.commonName, "client.dc1.consul");
        const request = await readAllText(tls.readable);
        await writeText(tls.writable, `echo:${request}`);
      })();
      const raw = await runtime.net.dialTcp({ hostname: LOCALHOST, port: tcp.addr.port });
      const client = await runtime.net.upgradeClientTls(
        raw,
        clientTls({
          alpnProtocols: [RPC_ALPN],
        }),
      );
      assert.equal(client.alpnProtocol, RPC_ALPN);
      await writeText(client.writable, "hello over upgraded tls");
      assert.equal(await readAllText(client.readable), "echo:hello over upgraded tls");
      await within(serverSide, 5000, "the server side should finish");
      client.close();
    } finally {
      await tcp.close();
    }
  });

  test("an upgrade that never sees a ClientHello times out and closes the connection", async () => {
    const tcp = await runtime.net.listenTcp({ hostname: LOCALHOST, port: 0 });
    try {
      const raw = await runtime.net.dialTcp({ hostname: LOCALHOST, port: tcp.addr.port });
      const accepted = await first(tcp);
      await assert.rejects(
        runtime.net.upgradeServerTls(accepted, serverTls({ handshakeTimeoutMs: 200 })),
        /TLS handshake with .* failed: no handshake within 200 ms/,
      );
      assert.equal(await readAllText(raw.readable).catch(() => ""), "");
      raw.close();
    } finally {
      await tcp.close();
    }
  });
});
