/**
 * Names for the wrong datacenter in WAN federation via mesh gateways: a server certificate for
 * another datacenter, a ClientHello naming a datacenter nobody knows, and a rogue splice that
 * delivers dc1-bound TLS to a dc2 server. Each is refused, and the federation carries on.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { MeshGatewayDialer } from "../../src/federation/gateway_dialer.ts";
import type { MeshGateway } from "../../src/gateway/mod.ts";
import { loadRpcTlsMaterial, type RpcTlsMaterial } from "../../src/rpc/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Listener } from "../../src/runtime/ports.ts";
import {
  type DcServer,
  eventually,
  Federation,
  forwardingWorks,
  gatewayAddr,
  wanfedConfig,
} from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
const HANDSHAKE_TIMEOUT_MS = 5_000;

let dc1: DcServer, dc2: DcServer;
let gateway1: MeshGateway, gateway2: MeshGateway;
let rogue: Listener | null = null;

/** The CA, certificate and key `server` was started with. */
function materialOf(server: DcServer): Promise<RpcTlsMaterial> {
  const home = dirname(server.configFile);
  return loadRpcTlsMaterial(runtime.fs, {
    caFile: join(home, "ca.pem"),
    certFile: join(home, "cert.pem"),
    keyFile: join(home, "key.pem"),
  });
}

function rejectCount(gateway: MeshGateway, reason: string): number {
  return gateway.counters.snapshot().rejects[reason] ?? 0;
}

async function assertFederationWorks(): Promise<void> {
  await eventually("dc1 -> dc2 forwarding", () => forwardingWorks(dc1, dc2));
  await eventually("dc2 -> dc1 forwarding", () => forwardingWorks(dc2, dc1));
}

/** A TCP forwarder that sends every connection to `target`, whatever its SNI says. */
async function startRogueSplice(targetPort: number): Promise<Listener> {
  const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  void (async () => {
    for await (const conn of listener) {
      runtime.net.dialTcp({ hostname: "127.0.0.1", port: targetPort })
        .then((upstream) => runtime.net.splice(conn, upstream))
        .catch(() => conn.close());
    }
  })().catch(() => {});
  return listener;
}

before(async () => {
  dc1 = await federation.addServer("dc1", "n1", { extra: wanfedConfig() });
  await federation.start(dc1);
  gateway1 = await federation.startGateway(dc1);
  dc2 = await federation.addServer("dc2", "n2", { extra: wanfedConfig([gatewayAddr(gateway1)]) });
  await federation.start(dc2);
  gateway2 = await federation.startGateway(dc2);
  await assertFederationWorks();
});
after(async () => {
  await rogue?.close();
  await federation.close();
});

describe("names for the wrong datacenter", () => {
  test("a dc2 server with a certificate issued for dc3 is refused at start", async () => {
    const misissued = await federation.addServer("dc2", "n2b", {
      certDc: "dc3",
      extra: wanfedConfig([gatewayAddr(gateway1)]),
    });
    await assert.rejects(
      federation.start(misissued),
      (error: Error) => {
        assert.match(error.message, /cannot serve RPC as server\.dc2\.consul/);
        assert.match(error.message, /consulate tls cert create -server -dc dc2/);
        return true;
      },
    );
    assert.equal(misissued.agent, undefined, "no agent runs with that certificate");
    await assertFederationWorks();
  });

  test("a gateway refuses and counts a ClientHello for an unknown datacenter", async () => {
    const material = await materialOf(dc2);
    const before = rejectCount(gateway1, "unknown-datacenter");
    await assert.rejects(
      runtime.net.dialTls({
        hostname: "127.0.0.1",
        port: gateway1.addrs[0].port,
        caPem: material.caPem,
        certPem: material.certPem,
        keyPem: material.keyPem,
        serverName: "n9.server.dc9.consul",
        alpnProtocols: ["consul/rpc-multi"],
        handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      }),
      "the gateway closes the connection instead of completing a handshake",
    );
    await eventually(
      "the gateway to count the unknown-datacenter reject",
      () => Promise.resolve(rejectCount(gateway1, "unknown-datacenter") === before + 1),
      10_000,
    );
    await assertFederationWorks();
  });

  test("a rogue splice to a dc2 server fails the dc1 hostname check", async () => {
    rogue = await startRogueSplice(dc2.serverPort);
    const dialer = new MeshGatewayDialer({
      net: runtime.net,
      material: await materialOf(dc2),
      domain: "consul",
      localDc: "dc2",
      pickGateway: () => `127.0.0.1:${rogue!.addr.port}`,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    });
    await assert.rejects(
      dialer.dial("dc1", "n1", { hostname: "127.0.0.1", port: 0 }, "consul/rpc-multi"),
      (error: Error) => {
        assert.match(error.message, /n1\.server\.dc1\.consul/, "the error names the expected peer");
        return true;
      },
    );
    // The same dialer through the real gateway reaches n1: only the rogue path was at fault.
    const honest = new MeshGatewayDialer({
      net: runtime.net,
      material: await materialOf(dc2),
      domain: "consul",
      localDc: "dc2",
      pickGateway: () => gatewayAddr(gateway2),
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    });
    const conn = await honest.dial(
      "dc1",
      "n1",
      { hostname: "127.0.0.1", port: 0 },
      "consul/rpc-multi",
    );
    assert.ok(conn.peerCertificate?.dnsNames.includes("n1.server.dc1.consul"));
    conn.close();
    await assertFederationWorks();
  });
});
