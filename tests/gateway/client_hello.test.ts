import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ClientHelloResult, parseClientHello } from "../../src/gateway/client_hello.ts";
import { captureClientHello, concatBytes, frame, unframe } from "./_hello_bytes.ts";

const TLS13 = 0x0304;

function expectHello(result: ClientHelloResult) {
  assert.equal(result.kind, "hello", `expected a hello, got ${JSON.stringify(result)}`);
  return result as Extract<ClientHelloResult, { kind: "hello" }>;
}

describe("parseClientHello on hellos captured from this runtime's TLS client", () => {
  let modern: Uint8Array;
  let bare: Uint8Array;
  let tls12: Uint8Array;

  before(async () => {
    modern = await captureClientHello({
      servername: "s1.server.dc1.consul",
      ALPNProtocols: ["consul/rpc-multi", "consul/wan-gossip/packet"],
    });
    bare = await captureClientHello({});
    tls12 = await captureClientHello({ servername: "server.dc2.consul", maxVersion: "TLSv1.2" });
  });

  test("extracts SNI, ALPN in client order and TLS 1.3 support", () => {
    const hello = expectHello(parseClientHello(modern));
    assert.equal(hello.serverName, "s1.server.dc1.consul");
    assert.deepEqual(hello.alpnProtocols, ["consul/rpc-multi", "consul/wan-gossip/packet"]);
    assert.equal(hello.legacyVersion, 0x0303);
    assert.ok(hello.supportedVersions?.includes(TLS13), "a TLS 1.3 client lists 0x0304");
    assert.equal(hello.recordBytes, modern.length);
  });

  test("reports no SNI and no ALPN when the client dials an IP without them", () => {
    const hello = expectHello(parseClientHello(bare));
    assert.equal(hello.serverName, null);
    assert.deepEqual(hello.alpnProtocols, []);
  });

  test("reads a TLS 1.2-only hello, which does not offer 0x0304", () => {
    const hello = expectHello(parseClientHello(tls12));
    assert.equal(hello.serverName, "server.dc2.consul");
    assert.equal(hello.legacyVersion, 0x0303);
    assert.ok(!(hello.supportedVersions ?? []).includes(TLS13));
  });

  test("re-framed into 3 records the hello parses to the same result", () => {
    const handshake = unframe(modern);
    const third = Math.floor(handshake.length / 3);
    const records = frame(handshake, [third, third]);
    assert.equal(records.length, modern.length + 10, "two extra record headers");
    const hello = expectHello(parseClientHello(records));
    assert.equal(hello.serverName, "s1.server.dc1.consul");
    assert.deepEqual(hello.alpnProtocols, ["consul/rpc-multi", "consul/wan-gossip/packet"]);
    assert.equal(hello.recordBytes, records.length);
  });

  test("a handshake header split across records is reassembled", () => {
    const records = frame(unframe(modern), [1, 2, 1, 40]);
    assert.equal(expectHello(parseClientHello(records)).serverName, "s1.server.dc1.consul");
  });

  test("bytes after the hello are not counted in recordBytes", () => {
    const extra = Uint8Array.of(0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb);
    const hello = expectHello(parseClientHello(concatBytes(modern, extra)));
    assert.equal(hello.recordBytes, modern.length);
  });

  test("every truncation of a real hello asks for more, never more than is missing", () => {
    for (const records of [modern, frame(unframe(modern), [7, 100])]) {
      for (let cut = 0; cut < records.length; cut++) {
        const result = parseClientHello(records.subarray(0, cut));
        assert.equal(result.kind, "need-more", `cut at ${cut}: ${JSON.stringify(result)}`);
        const { bytesNeeded } = result as Extract<ClientHelloResult, { kind: "need-more" }>;
        assert.ok(bytesNeeded >= 1, `cut at ${cut} needs at least one byte`);
        assert.ok(cut + bytesNeeded <= records.length, `cut at ${cut} overstates ${bytesNeeded}`);
      }
    }
  });

  test("cutting the body but fixing the lengths gives an error, never a throw", () => {
    const handshake = unframe(modern);
    const results = new Map<string, number>();
    for (let cut = 4; cut < handshake.length; cut++) {
      const short = handshake.slice(0, cut);
      const bodyBytes = cut - 4;
      short.set([bodyBytes >> 16, (bodyBytes >> 8) & 0xff, bodyBytes & 0xff], 1);
      const result = parseClientHello(frame(short));
      const label = result.kind === "error" ? result.reason : result.kind;
      results.set(label, (results.get(label) ?? 0) + 1);
      assert.notEqual(result.kind, "need-more", `cut at ${cut} is a complete record`);
    }
    // Exactly one cut (right after compression methods) is a valid extension-less hello.
    assert.equal(results.get("hello"), 1, JSON.stringify([...results]));
    assert.ok((results.get("bad-extensions") ?? 0) > 100, JSON.stringify([...results]));
  });
});
