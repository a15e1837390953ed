// Real mutual TLS through node:tls in the runtime running the test (Deno or Bun) with
// certificates from createCa/createLeafCert, as servers and gateways will use them.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tls from "node:tls";
import type { AddressInfo } from "node:net";
import { type CertificateAndKey, createCa, createLeafCert, serverSni } from "../../src/tls/mod.ts";
import { fixedClock, seededRandom } from "./_fake_runtime.ts";

const ALPN_RPC = "consul/rpc-multi";
const TEST_TIMEOUT_MS = 20_000;
const clock = fixedClock(Date.now());

let ca: CertificateAndKey;
let server: CertificateAndKey;
let client: CertificateAndKey;
let strangerClient: CertificateAndKey;

before(async () => {
  ca = await createCa({ domain: "consul", nameConstraints: true, clock, random: seededRandom(1) });
  const common = { dc: "dc1", domain: "consul", caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock };
  server = await createLeafCert({ ...common, kind: "server", node: "n1", random: seededRandom(2) });
  client = await createLeafCert({ ...common, kind: "client", random: seededRandom(3) });
  const stranger = await createCa({ domain: "consul", clock, random: seededRandom(4) });
  strangerClient = await createLeafCert({
    ...common,
    kind: "client",
    caCertPem: stranger.certPem,
    caKeyPem: stranger.keyPem,
    random: seededRandom(5),
  });
});

/** What each side saw of one connection attempt. */
interface Outcome {
  readonly clientError: string | null;
  readonly reply: string;
  readonly clientAlpn: string | false | null;
  readonly serverSaw: { alpn: string | false | null; peerCn: string; sni: string } | null;
}

/** Runs one mTLS exchange: the server answers "pong" to the first bytes it receives. */
function exchange(clientMaterial: CertificateAndKey, servername: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let serverSaw: Outcome["serverSaw"] = null;
    const listener = tls.createServer({
      ca: ca.certPem,
      cert: server.certPem,
      key: server.keyPem,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: [ALPN_RPC],
    }, (socket) => {
      const peer = socket.getPeerCertificate();
      serverSaw = {
        alpn: socket.alpnProtocol,
        peerCn: String(peer?.subject?.CN ?? ""),
        sni: String((socket as unknown as { servername?: string }).servername ?? ""),
      };
      socket.once("data", () => socket.end("pong"));
      socket.on("error", () => {});
    });
    listener.on("tlsClientError", () => {});
    listener.listen(0, "127.0.0.1", () => {
      const { port } = listener.address() as AddressInfo;
      let reply = "";
      let clientError: string | null = null;
      const socket = tls.connect({
        host: "127.0.0.1",
        port,
        servername,
        ca: ca.certPem,
        cert: clientMaterial.certPem,
        key: clientMaterial.keyPem,
        ALPNProtocols: [ALPN_RPC],
      }, () => socket.write("ping"));
      socket.on("data", (chunk) => (reply += String(chunk)));
      socket.on("error", (error) => (clientError ??= error.message));
      socket.on("close", () => {
        listener.close();
        resolve({ clientError, reply, clientAlpn: socket.alpnProtocol ?? null, serverSaw });
      });
    });
  });
}

describe("mutual TLS with generated certificates", () => {
  test(
    "a client cert and a server cert for <node>.server.<dc>.consul complete mTLS with ALPN consul/rpc-multi",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const outcome = await exchange(client, serverSni("dc1", "consul", "n1"));
      assert.equal(outcome.clientError, null);
      assert.equal(outcome.reply, "pong");
      assert.equal(outcome.clientAlpn, ALPN_RPC);
      assert.equal(outcome.serverSaw?.alpn, ALPN_RPC);
      assert.equal(outcome.serverSaw?.peerCn, "client.dc1.consul");
      assert.equal(outcome.serverSaw?.sni, "n1.server.dc1.consul");
    },
  );

  test(
    "the client refuses a server whose certificate lacks the dialled name",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const outcome = await exchange(client, serverSni("dc2", "consul", "n1"));
      assert.notEqual(outcome.clientError, null, "the handshake should fail");
      assert.equal(outcome.reply, "");
      assert.equal(outcome.serverSaw, null);
    },
  );

  test(
    "the server refuses a client certificate from another CA",
    { timeout: TEST_TIMEOUT_MS },
    async () => {
      const outcome = await exchange(strangerClient, serverSni("dc1", "consul", "n1"));
      assert.equal(outcome.reply, "", "no application data may flow");
      assert.equal(outcome.serverSaw, null, "the server must not accept the connection");
    },
  );
});
