import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodePem,
  encodePem,
  exportSec1Pem,
  formatIpAddress,
  generateEcKeyPair,
  importEcPrivateKeyPem,
  parseIpAddress,
  TlsMaterialError,
} from "../../src/tls/mod.ts";

const DATA = new TextEncoder().encode("hello");

describe("PEM", () => {
  test("encodes with 64-character lines and decodes back to the same bytes", () => {
    const der = Uint8Array.from({ length: 200 }, (_, i) => i);
    const pem = encodePem("CERTIFICATE", der);
    const body = pem.split("\n").slice(1, -2);
    assert.ok(body.slice(0, -1).every((line) => line.length === 64));
    assert.deepEqual(decodePem(pem), [{ label: "CERTIFICATE", der }]);
  });

  test("decodes several blocks in order and skips text between them", () => {
    const text = `intro\n${encodePem("CERTIFICATE", DATA)}middle\n${
      encodePem("EC PRIVATE KEY", DATA)
    }`;
    assert.deepEqual(decodePem(text).map((block) => block.label), [
      "CERTIFICATE",
      "EC PRIVATE KEY",
    ]);
  });

  test("rejects mismatched labels, bad base64 and encrypted blocks", () => {
    assert.throws(
      () => decodePem("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END PRIVATE KEY-----\n"),
      TlsMaterialError,
    );
    assert.throws(
      () => decodePem("-----BEGIN CERTIFICATE-----\naGVsb!8=\n-----END CERTIFICATE-----\n"),
      /valid base64/,
    );
    assert.throws(
      () =>
        decodePem(
          "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\naGVsbG8=\n" +
            "-----END EC PRIVATE KEY-----\n",
        ),
      /encrypted keys are not supported/,
    );
  });
});

describe("EC keys", () => {
  test("a saved SEC 1 key imports back and signs for the same public key", async () => {
    const pair = await generateEcKeyPair();
    const pem = await exportSec1Pem(pair.privateKey);
    assert.match(pem, /^-----BEGIN EC PRIVATE KEY-----\n/);
    const key = await importEcPrivateKeyPem(pem);
    const algorithm = { name: "ECDSA", hash: "SHA-256" };
    const signature = await crypto.subtle.sign(algorithm, key, DATA);
    assert.ok(await crypto.subtle.verify(algorithm, pair.publicKey, signature, DATA));
  });

  test("PKCS#8 keys are accepted too", async () => {
    const pair = await generateEcKeyPair();
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    const key = await importEcPrivateKeyPem(encodePem("PRIVATE KEY", der));
    assert.equal(key.type, "private");
  });

  test("a PEM without a key names what was expected", async () => {
    await assert.rejects(
      importEcPrivateKeyPem(encodePem("CERTIFICATE", DATA)),
      /Expected an EC private key as a PEM "EC PRIVATE KEY" or "PRIVATE KEY" block but found only "CERTIFICATE"/,
    );
    await assert.rejects(importEcPrivateKeyPem("garbage"), /found no PEM blocks/);
  });
});

describe("IP addresses", () => {
  test("parses IPv4 and IPv6 into network-order bytes", () => {
    assert.deepEqual([...parseIpAddress("10.0.0.1")], [10, 0, 0, 1]);
    assert.deepEqual([...parseIpAddress(" fd00::1 ")], [0xfd, 0, ...Array(13).fill(0), 1]);
    assert.deepEqual(
      [...parseIpAddress("::ffff:192.0.2.1")],
      [...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1],
    );
  });

  test("formats addresses in their canonical text form", () => {
    for (const text of ["127.0.0.1", "fd00::1", "::", "2001:db8:0:1:1:1:1:1", "1::"]) {
      assert.equal(formatIpAddress(parseIpAddress(text)), text);
    }
  });

  test("rejects what is not an address", () => {
    for (
      const text of ["256.0.0.1", "1.2.3", "01.2.3.4", "fd00:::1", "1:2:3:4:5:6:7:8:9", "host"]
    ) {
      assert.throws(() => parseIpAddress(text), /is not an IP address/, text);
    }
  });
});
