import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FileInfo, FileSystem } from "../../src/runtime/ports.ts";
import {
  ALPN_RPC_MULTI,
  ALPN_WAN_GOSSIP_PACKET,
  ALPN_WAN_GOSSIP_STREAM,
  alpnForRpcType,
  RPC_MAX_TYPE_VALUE,
  RPC_NEXT_PROTOS,
  RpcType,
  rpcTypeName,
  UnroutableRpcTypeError,
} from "../../src/rpc/alpn.ts";
import {
  checkServerCertificate,
  DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS,
  loadRpcTlsMaterial,
  rpcClientTlsOptions,
  rpcServerTlsOptions,
  RpcTlsConfigError,
} from "../../src/rpc/rpc_tls.ts";
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";

const NOW_MS = Date.UTC(2025, 0, 1);
const clock = {
  now: () => NOW_MS,
  monotonicMs: () => 0,
  setTimer: () => ({ cancel() {} }),
  sleep: () => Promise.resolve(),
};

/** A read-only in-memory file system; every write-side method throws. */
function memoryFs(files: Record<string, string>): FileSystem {
  const unsupported = () => Promise.reject(new Error("not supported by this fake"));
  return {
    stat: (path: string): Promise<FileInfo | null> =>
      Promise.resolve(
        path in files
          ? { isFile: true, isDirectory: false, size: new TextEncoder().encode(files[path]).length }
          : null,
      ),
    readTextFile: (path: string) =>
      path in files ? Promise.resolve(files[path]) : Promise.reject(new Error("ENOENT")),
    readFile: unsupported,
    writeFile: unsupported,
    writeFileAtomic: unsupported,
    openAppend: unsupported,
    truncate: unsupported,
    mkdir: unsupported,
    readDir: unsupported,
    remove: unsupported,
    rename: unsupported,
  };
}

describe("RPC type bytes and ALPN names", () => {
  test("native TLS is any first byte above the highest RPC type", () => {
    assert.equal(RPC_MAX_TYPE_VALUE, 9);
    assert.equal(RpcType.MultiplexV2, 4);
    assert.equal(RpcType.Tls, 3);
    assert.equal(rpcTypeName(RpcType.MultiplexV2), "RPCMultiplexV2");
    assert.equal(rpcTypeName(42), "unknown(42)");
  });

  test("the offered ALPN list is Consul's RPCNextProtos with the WAN gossip names", () => {
    assert.equal(RPC_NEXT_PROTOS[0], "consul/rpc-single");
    assert.ok(RPC_NEXT_PROTOS.includes(ALPN_RPC_MULTI));
    assert.deepEqual(RPC_NEXT_PROTOS.slice(-2), [ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM]);
    assert.equal(ALPN_WAN_GOSSIP_PACKET, "consul/wan-gossip/packet");
    assert.ok(Object.isFrozen(RPC_NEXT_PROTOS));
  });

  test("types without an ALPN name cannot cross a mesh gateway", () => {
    assert.equal(alpnForRpcType(RpcType.MultiplexV2), "consul/rpc-multi");
    assert.equal(alpnForRpcType(RpcType.Raft), "consul/raft");
    assert.throws(() => alpnForRpcType(RpcType.Tls), UnroutableRpcTypeError);
    assert.throws(
      () => alpnForRpcType(RpcType.TlsInsecure),
      { message: "rpc type 7 cannot be routed through a mesh gateway" },
    );
  });
});

describe("RPC TLS options and material", () => {
  let n1dc1: RpcTlsMaterial;
  let stranger: RpcTlsMaterial;

  before(async () => {
    const random = createSeededRandom(11);
    const ca = await createCa({ domain: "consul", clock, random });
    const leaf = await createLeafCert({
      kind: "server",
      dc: "dc1",
      node: "n1",
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
      random,
    });
    n1dc1 = { caPem: ca.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
    const otherCa = await createCa({ domain: "consul", clock, random });
    const otherLeaf = await createLeafCert({
      kind: "server",
      dc: "dc1",
      node: "n1",
      domain: "consul",
      caCertPem: otherCa.certPem,
      caKeyPem: otherCa.keyPem,
      clock,
      random,
    });
    stranger = { caPem: ca.certPem, certPem: otherLeaf.certPem, keyPem: otherLeaf.keyPem };
  });

  test("the server end always requires a client certificate and offers RPCNextProtos", () => {
    const options = rpcServerTlsOptions(n1dc1);
    assert.equal(options.requireClientCert, true);
    assert.deepEqual(options.alpnProtocols, RPC_NEXT_PROTOS);
    assert.equal(options.handshakeTimeoutMs, DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS);
    assert.equal(rpcServerTlsOptions(n1dc1, { handshakeTimeoutMs: 50 }).handshakeTimeoutMs, 50);
  });

  test("the client end names the server by SNI, verifies it and asks for one ALPN", () => {
    const target = { dc: "dc2", node: "n2", alpn: ALPN_RPC_MULTI };
    const options = rpcClientTlsOptions(n1dc1, target, { domain: "consul." });
    assert.equal(options.serverName, "n2.server.dc2.consul");
    assert.equal(options.verifyHostname, true);
    assert.deepEqual(options.alpnProtocols, [ALPN_RPC_MULTI]);
    assert.equal(options.certPem, n1dc1.certPem);
    const any = rpcClientTlsOptions(n1dc1, { ...target, node: "*" }, { domain: "consul" });
    assert.equal(any.serverName, "server.dc2.consul");
  });

  test("material is read from the configured files", async () => {
    const fs = memoryFs({
      "/c/ca.pem": n1dc1.caPem,
      "/c/s.pem": n1dc1.certPem,
      "/c/k.pem": n1dc1.keyPem,
    });
    const material = await loadRpcTlsMaterial(fs, {
      caFile: "/c/ca.pem",
      certFile: "/c/s.pem",
      keyFile: "/c/k.pem",
    });
    assert.deepEqual(material, n1dc1);
  });

  test("an unset, missing or non-PEM file is refused with the key to fix", async () => {
    const fs = memoryFs({ "/c/ca.pem": n1dc1.caPem, "/c/s.pem": n1dc1.certPem, "/c/k.txt": "hi" });
    await assert.rejects(
      loadRpcTlsMaterial(fs, { caFile: "/c/ca.pem", certFile: "/c/s.pem", keyFile: null }),
      (e) =>
        e instanceof RpcTlsConfigError &&
        /tls\.internal_rpc\.key_file \(or tls\.defaults\.key_file\) is not set/.test(e.message),
    );
    await assert.rejects(
      loadRpcTlsMaterial(fs, { caFile: "/c/nope.pem", certFile: "/c/s.pem", keyFile: "/c/k.txt" }),
      { message: 'tls ca_file "/c/nope.pem" does not exist or is not a file' },
    );
    await assert.rejects(
      loadRpcTlsMaterial(fs, { caFile: "/c/ca.pem", certFile: "/c/s.pem", keyFile: "/c/k.txt" }),
      { message: 'tls key_file "/c/k.txt" holds no PEM block' },
    );
  });

  test("a server certificate must chain to the CA and name the server in its datacenter", async () => {
    const at = { domain: "consul", nowMs: NOW_MS };
    await checkServerCertificate(n1dc1, { ...at, dc: "dc1", node: "n1" });
    await assert.rejects(
      checkServerCertificate(n1dc1, { ...at, dc: "dc2", node: "n1" }),
      (e) => e instanceof RpcTlsConfigError && /as server\.dc2\.consul/.test(e.message),
    );
    await assert.rejects(
      checkServerCertificate(n1dc1, { ...at, dc: "dc1", node: "n7" }),
      /as n7\.server\.dc1\.consul/,
    );
    await assert.rejects(checkServerCertificate(stranger, { ...at, dc: "dc1" }), RpcTlsConfigError);
  });
});
