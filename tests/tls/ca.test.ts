import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CA_ORGANIZATION,
  createCa,
  decodePem,
  importEcPrivateKeyPem,
  inspectCertificate,
  keyIdentifier,
  TlsMaterialError,
} from "../../src/tls/mod.ts";
import { fixedClock, seededRandom } from "./_fake_runtime.ts";

const NOW_MS = Date.UTC(2025, 5, 1, 12, 30, 45, 678);
const DAY_MS = 86_400_000;

describe("createCa", () => {
  test("issues a self-signed CA with Consul's subject layout and usages", async () => {
    const ca = await createCa({
      domain: "consul",
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    const info = inspectCertificate(ca.certPem);
    assert.equal(info.commonName, `Consul Agent CA ${info.serial}`);
    assert.deepEqual(info.subject, {
      C: "US",
      ST: "CA",
      L: "San Francisco",
      street: "101 Second Street",
      postalCode: "94105",
      O: CA_ORGANIZATION,
      CN: info.commonName,
    });
    assert.equal(info.issuerCommonName, info.commonName);
    assert.equal(info.isCa, true);
    assert.deepEqual(info.keyUsage, ["digitalSignature", "keyCertSign", "cRLSign"]);
    assert.deepEqual(info.extKeyUsage, []);
    assert.deepEqual(info.permittedDnsDomains, []);
    assert.ok(info.criticalExtensions.includes("2.5.29.15"), "KeyUsage is critical");
  });

  test("starts now (to the second) and lasts 1825 days by default", async () => {
    const ca = await createCa({
      domain: "consul",
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    const info = inspectCertificate(ca.certPem);
    const startMs = Math.floor(NOW_MS / 1000) * 1000;
    assert.equal(info.notBefore.getTime(), startMs);
    assert.equal(info.notAfter.getTime(), startMs + 1825 * DAY_MS);
  });

  test("honours days, common name and validity past 2049 (GeneralizedTime)", async () => {
    const ca = await createCa({
      domain: "consul",
      days: 365 * 30,
      commonName: "Ops CA",
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    const info = inspectCertificate(ca.certPem);
    assert.equal(info.commonName, "Ops CA");
    assert.equal(info.notAfter.getUTCFullYear(), 2055);
  });

  test("uses a random positive 128-bit serial from the Random port", async () => {
    const options = { domain: "consul", clock: fixedClock(NOW_MS) };
    const a = inspectCertificate((await createCa({ ...options, random: seededRandom(1) })).certPem);
    const b = inspectCertificate((await createCa({ ...options, random: seededRandom(2) })).certPem);
    const again = inspectCertificate(
      (await createCa({ ...options, random: seededRandom(1) })).certPem,
    );
    assert.notEqual(a.serial, b.serial);
    assert.equal(a.serial, again.serial);
    for (const serial of [a.serial, b.serial]) assert.ok(serial > 0n && serial < 1n << 128n);
  });

  test("a serial with the top bit set still encodes as a positive integer", async () => {
    const random = { ...seededRandom(), bytes: (n: number) => new Uint8Array(n).fill(0xff) };
    const ca = await createCa({ domain: "consul", clock: fixedClock(NOW_MS), random });
    assert.equal(inspectCertificate(ca.certPem).serial, (1n << 128n) - 1n);
  });

  test("subject and authority key ids are SHA-256 of the public key info", async () => {
    const ca = await createCa({
      domain: "consul",
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    const key = await importEcPrivateKeyPem(ca.keyPem);
    const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", key);
    const publicKey = await crypto.subtle.importKey(
      "jwk",
      { kty, crv, x, y },
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["verify"],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
    const expected = Array.from(await keyIdentifier(spki), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    const info = inspectCertificate(ca.certPem);
    assert.equal(info.subjectKeyId, expected);
    assert.equal(info.authorityKeyId, expected);
  });

  test("writes the key as a SEC 1 EC PRIVATE KEY", async () => {
    const ca = await createCa({
      domain: "consul",
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    assert.deepEqual(decodePem(ca.keyPem).map((block) => block.label), ["EC PRIVATE KEY"]);
  });

  test("name constraints permit the domain, localhost and the additional names (critical)", async () => {
    const ca = await createCa({
      domain: "example.com",
      nameConstraints: true,
      additionalNameConstraints: ["ui.internal"],
      clock: fixedClock(NOW_MS),
      random: seededRandom(),
    });
    const info = inspectCertificate(ca.certPem);
    assert.deepEqual(info.permittedDnsDomains, ["example.com", "localhost", "ui.internal"]);
    assert.ok(info.criticalExtensions.includes("2.5.29.30"));
  });

  test("rejects a bad domain, constraint or validity with an actionable message", async () => {
    const base = { clock: fixedClock(NOW_MS), random: seededRandom() };
    await assert.rejects(createCa({ ...base, domain: "bad domain" }), TlsMaterialError);
    await assert.rejects(
      createCa({
        ...base,
        domain: "consul",
        nameConstraints: true,
        additionalNameConstraints: ["a..b"],
      }),
      /is not a valid DNS name/,
    );
    await assert.rejects(createCa({ ...base, domain: "consul", days: 0 }), /whole number of days/);
  });
});
