import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type ClientHelloErrorReason,
  type ClientHelloResult,
  MAX_CLIENT_HELLO_BYTES,
  parseClientHello,
} from "../../src/gateway/client_hello.ts";
import {
  alpnExtension,
  ascii,
  buildHello,
  concatBytes,
  frame,
  sniExtension,
  versionsExtension,
} from "./_hello_bytes.ts";

function assertError(bytes: Uint8Array, reason: ClientHelloErrorReason): void {
  assert.deepEqual(parseClientHello(bytes), { kind: "error", reason });
}

function hello(bytes: Uint8Array) {
  const result: ClientHelloResult = parseClientHello(bytes);
  assert.equal(result.kind, "hello", `expected a hello, got ${JSON.stringify(result)}`);
  return result as Extract<ClientHelloResult, { kind: "hello" }>;
}

describe("parseClientHello record layer", () => {
  test("a well-formed synthetic hello parses", () => {
    const result = hello(frame(buildHello({
      extensions: [
        sniExtension("Node-1.server.DC2.consul."),
        alpnExtension(ascii("consul/rpc-multi")),
        versionsExtension(0x0304, 0x0303),
      ],
    })));
    assert.equal(result.serverName, "Node-1.server.DC2.consul.", "SNI is reported as sent");
    assert.deepEqual(result.alpnProtocols, ["consul/rpc-multi"]);
    assert.deepEqual(result.supportedVersions, [0x0304, 0x0303]);
  });

  test("a hello without any extensions block has no SNI", () => {
    const result = hello(frame(buildHello({ extensions: null })));
    assert.equal(result.serverName, null);
    assert.equal(result.supportedVersions, undefined);
  });

  test("an SSLv2-compatible hello is refused from its first byte", () => {
    assertError(Uint8Array.of(0x80), "sslv2-hello");
    assertError(Uint8Array.of(0x80, 0x2e, 0x01, 0x03, 0x01), "sslv2-hello");
  });

  test("plaintext protocols and non-handshake records are refused", () => {
    assertError(ascii("GET / HTTP/1.1\r\n"), "not-handshake-record");
    assertError(Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28), "not-handshake-record");
    assertError(Uint8Array.of(0x04), "not-handshake-record"); // Consul's yamux RPC byte
    const second = concatBytes(frame(buildHello()).subarray(0, 20), Uint8Array.of(0x17));
    const split = concatBytes(frame(buildHello(), [15]).subarray(0, 20), Uint8Array.of(0x17));
    assert.equal(parseClientHello(second).kind, "need-more");
    assertError(split, "not-handshake-record");
  });

  test("record versions outside 0x0301..0x0304 are refused as soon as they arrive", () => {
    assertError(Uint8Array.of(0x16, 0x02), "bad-record-version");
    assertError(Uint8Array.of(0x16, 0x03, 0x00), "bad-record-version");
    assertError(Uint8Array.of(0x16, 0x03, 0x05), "bad-record-version");
    for (const minor of [1, 2, 3, 4]) {
      assert.equal(
        hello(frame(buildHello(), [], 0x0300 | minor)).serverName,
        "s1.server.dc1.consul",
      );
    }
  });

  test("empty and over-long records are refused", () => {
    assertError(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x00), "empty-record");
    assertError(Uint8Array.of(0x16, 0x03, 0x01, 0x40, 0x01), "record-too-long");
  });

  test("messages other than ClientHello are refused at their first byte", () => {
    const serverHello = buildHello();
    serverHello[0] = 2;
    assertError(frame(serverHello), "not-client-hello");
    assertError(frame(serverHello, [1]).subarray(0, 6), "not-client-hello");
  });

  test("a hello whose declared size passes the bound is refused before it arrives", () => {
    assertError(
      Uint8Array.of(0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x40, 0x00),
      "hello-too-large",
    );
    assertError(
      Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x01, 0x00, 0x00),
      "hello-too-large",
    );
  });

  test("a large hello fits in one record but not in 1-byte fragments past the bound", () => {
    const padded = buildHello({
      extensions: [sniExtension("server.dc1.consul"), { type: 21, data: new Uint8Array(3000) }],
    });
    assert.equal(hello(frame(padded)).serverName, "server.dc1.consul");
    const trickled = frame(padded, new Array(padded.length).fill(1));
    assert.ok(trickled.length > MAX_CLIENT_HELLO_BYTES);
    assertError(trickled, "hello-too-large");
    // Refused once the bound is crossed, without waiting for the rest.
    assertError(trickled.subarray(0, MAX_CLIENT_HELLO_BYTES + 6), "hello-too-large");
  });
});

describe("parseClientHello body and extensions", () => {
  const cases: [string, Uint8Array, ClientHelloErrorReason][] = [
    ["empty body", Uint8Array.of(1, 0, 0, 0), "truncated-hello"],
    ["legacy version not 3.x", buildHello({ legacyVersion: 0x0203 }), "bad-hello-version"],
    ["session id over 32 bytes", buildHello({ sessionIdBytes: 33 }), "bad-session-id"],
    ["no cipher suites", buildHello({ cipherSuites: new Uint8Array(0) }), "bad-cipher-suites"],
    [
      "odd cipher suites",
      buildHello({ cipherSuites: Uint8Array.of(1, 2, 3) }),
      "bad-cipher-suites",
    ],
    ["no compression", buildHello({ compression: new Uint8Array(0) }), "bad-compression-methods"],
    ["bytes after extensions", buildHello({ trailing: Uint8Array.of(0) }), "trailing-bytes"],
    [
      "extension overruns its block",
      buildHello({ extensions: [{ type: 5, data: new Uint8Array(2) }] }).map((b, i, all) =>
        i === all.length - 3 ? 9 : b
      ),
      "bad-extensions",
    ],
    [
      "duplicate extension",
      buildHello({ extensions: [sniExtension("a.consul"), sniExtension("b.consul")] }),
      "duplicate-extension",
    ],
    [
      "empty server_name",
      buildHello({ extensions: [{ type: 0, data: new Uint8Array(0) }] }),
      "bad-server-name",
    ],
    [
      "two host names",
      buildHello({ extensions: [sniExtension("a.consul", "b.consul")] }),
      "bad-server-name",
    ],
    [
      "only unknown name types",
      buildHello({ extensions: [sniExtension([7, ascii("a.consul")])] }),
      "bad-server-name",
    ],
    ["empty host name", buildHello({ extensions: [sniExtension("")] }), "invalid-server-name"],
    [
      "host name with '*'",
      buildHello({ extensions: [sniExtension("*.server.dc1.consul")] }),
      "invalid-server-name",
    ],
    [
      "host name with '/'",
      buildHello({ extensions: [sniExtension("a/b.consul")] }),
      "invalid-server-name",
    ],
    [
      "host name with NUL",
      buildHello({ extensions: [sniExtension("a\0.consul")] }),
      "invalid-server-name",
    ],
    [
      "host name with empty label",
      buildHello({ extensions: [sniExtension("a..consul")] }),
      "invalid-server-name",
    ],
    [
      "host name with leading dot",
      buildHello({ extensions: [sniExtension(".consul")] }),
      "invalid-server-name",
    ],
    [
      "host name label over 63",
      buildHello({ extensions: [sniExtension(`${"a".repeat(64)}.consul`)] }),
      "invalid-server-name",
    ],
    [
      "host name over 255 bytes",
      buildHello({ extensions: [sniExtension(`${"a".repeat(60)}.`.repeat(4) + "consul12345a")] }),
      "server-name-too-long",
    ],
    ["empty ALPN list", buildHello({ extensions: [alpnExtension()] }), "bad-alpn"],
    ["empty ALPN name", buildHello({ extensions: [alpnExtension(new Uint8Array(0))] }), "bad-alpn"],
    [
      "ALPN name not UTF-8",
      buildHello({ extensions: [alpnExtension(Uint8Array.of(0xff))] }),
      "bad-alpn",
    ],
    [
      "odd supported_versions",
      buildHello({ extensions: [{ type: 43, data: Uint8Array.of(3, 3, 4, 3) }] }),
      "bad-supported-versions",
    ],
    [
      "empty supported_versions",
      buildHello({ extensions: [versionsExtension()] }),
      "bad-supported-versions",
    ],
  ];

  for (const [name, handshake, reason] of cases) {
    test(`refuses ${name} as ${reason}`, () => assertError(frame(handshake), reason));
  }

  test("accepts a 255-byte host name, underscores and one trailing dot", () => {
    const longest = `${"a".repeat(62)}.`.repeat(4) + "con";
    assert.equal(longest.length, 255);
    assert.equal(
      hello(frame(buildHello({ extensions: [sniExtension(longest)] }))).serverName,
      longest,
    );
    const named = hello(
      frame(buildHello({ extensions: [sniExtension("db_1.server.dc1.consul.")] })),
    );
    assert.equal(named.serverName, "db_1.server.dc1.consul.");
  });

  test("skips unknown name types beside a host name and unknown extensions", () => {
    const result = hello(frame(buildHello({
      extensions: [
        { type: 0xfafa, data: new Uint8Array(0) },
        sniExtension([7, ascii("x")], "s2.server.dc1.consul"),
        { type: 10, data: Uint8Array.of(0, 2, 0, 29) },
      ],
    })));
    assert.equal(result.serverName, "s2.server.dc1.consul");
  });
});
