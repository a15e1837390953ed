import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type CertificateAndKey,
  CertificateVerificationError,
  createCa,
  createLeafCert,
  type CreateLeafCertOptions,
  decodePem,
  inspectCertificate,
  leafProfile,
  TlsMaterialError,
} from "../../src/tls/mod.ts";
import { fixedClock, seededRandom } from "./_fake_runtime.ts";

const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const DAY_MS = 86_400_000;
const clock = fixedClock(NOW_MS);

let ca: CertificateAndKey;
const issue = (options: Partial<CreateLeafCertOptions> & Pick<CreateLeafCertOptions, "kind">) =>
  createLeafCert({
    dc: "dc1",
    domain: "consul",
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    clock,
    random: seededRandom(11),
    ...options,
  });

before(async () => {
  ca = await createCa({ domain: "consul", clock, random: seededRandom(3) });
});

describe("createLeafCert for servers", () => {
  test("puts additional names first, then node, server name, localhost; IPs then 127.0.0.1", async () => {
    const cert = await issue({
      kind: "server",
      node: "n1",
      additionalDnsNames: [" vault.example.com ", ""],
      additionalIps: ["10.0.0.5", "fd00::5", " "],
    });
    const info = inspectCertificate(cert.certPem);
    assert.equal(info.commonName, "server.dc1.consul");
    assert.deepEqual(info.subject, { CN: "server.dc1.consul" });
    assert.deepEqual(info.dnsNames, [
      "vault.example.com",
      "n1.server.dc1.consul",
      "server.dc1.consul",
      "localhost",
    ]);
    assert.deepEqual(info.ipAddresses, ["10.0.0.5", "fd00::5", "127.0.0.1"]);
  });

  test("is a non-CA ServerAuth+ClientAuth certificate chained to the CA key id", async () => {
    const info = inspectCertificate((await issue({ kind: "server" })).certPem);
    const caInfo = inspectCertificate(ca.certPem);
    assert.deepEqual(info.extKeyUsage, ["serverAuth", "clientAuth"]);
    assert.deepEqual(info.keyUsage, ["digitalSignature", "keyEncipherment"]);
    assert.equal(info.isCa, false);
    assert.ok(info.criticalExtensions.includes("2.5.29.19"), "BasicConstraints is critical");
    assert.equal(info.issuerCommonName, caInfo.commonName);
    assert.equal(info.authorityKeyId, caInfo.subjectKeyId);
    assert.notEqual(info.subjectKeyId, caInfo.subjectKeyId);
    assert.deepEqual(info.dnsNames, ["server.dc1.consul", "localhost"]);
  });

  test("is valid from now for 365 days unless told otherwise", async () => {
    const info = inspectCertificate((await issue({ kind: "server" })).certPem);
    assert.equal(info.notBefore.getTime(), NOW_MS);
    assert.equal(info.notAfter.getTime(), NOW_MS + 365 * DAY_MS);
    const short = inspectCertificate((await issue({ kind: "server", days: 7 })).certPem);
    assert.equal(short.notAfter.getTime(), NOW_MS + 7 * DAY_MS);
  });

  test("comes with a fresh SEC 1 key", async () => {
    const a = await issue({ kind: "server" });
    const b = await issue({ kind: "server" });
    assert.deepEqual(decodePem(a.keyPem).map((block) => block.label), ["EC PRIVATE KEY"]);
    assert.notEqual(a.keyPem, b.keyPem);
  });

  test("strips a trailing dot from the domain", async () => {
    const info = inspectCertificate(
      (await issue({ kind: "server", domain: "consul.", node: "a" })).certPem,
    );
    assert.deepEqual(info.dnsNames, ["a.server.dc1.consul", "server.dc1.consul", "localhost"]);
  });
});

describe("createLeafCert for clients and the CLI", () => {
  test("client certificates name client.<dc>.<domain> and allow ClientAuth then ServerAuth", async () => {
    const info = inspectCertificate(
      (await issue({ kind: "client", dc: "east", additionalDnsNames: ["c1.local"] })).certPem,
    );
    assert.equal(info.commonName, "client.east.consul");
    assert.deepEqual(info.dnsNames, ["c1.local", "client.east.consul", "localhost"]);
    assert.deepEqual(info.ipAddresses, ["127.0.0.1"]);
    assert.deepEqual(info.extKeyUsage, ["clientAuth", "serverAuth"]);
  });

  test("CLI certificates name cli.<dc>.<domain> and localhost, with no IP and no EKU", async () => {
    const info = inspectCertificate((await issue({ kind: "cli" })).certPem);
    assert.equal(info.commonName, "cli.dc1.consul");
    assert.deepEqual(info.dnsNames, ["cli.dc1.consul", "localhost"]);
    assert.deepEqual(info.ipAddresses, []);
    assert.deepEqual(info.extKeyUsage, []);
    assert.deepEqual(info.keyUsage, ["digitalSignature", "keyEncipherment"]);
  });
});

describe("createLeafCert refuses bad input", () => {
  test("a node name on a non-server certificate", () => {
    assert.throws(
      () => leafProfile({ kind: "client", dc: "dc1", domain: "consul", node: "n1" }),
      /only be given for server certificates/,
    );
  });

  test("invalid datacenter, node, DNS name or IP", async () => {
    await assert.rejects(issue({ kind: "server", dc: "DC1" }), /Datacenter "DC1" is not valid/);
    await assert.rejects(issue({ kind: "server", node: "a.b" }), /Node name "a.b"/);
    await assert.rejects(issue({ kind: "server", additionalDnsNames: ["a b"] }), TlsMaterialError);
    await assert.rejects(issue({ kind: "server", additionalIps: ["10.0.0"] }), /not an IP address/);
  });

  test("a CA key that does not belong to the CA certificate", async () => {
    const other = await createCa({ domain: "consul", clock, random: seededRandom(4) });
    await assert.rejects(issue({ kind: "server", caKeyPem: other.keyPem }), /does not belong/);
  });

  test("a leaf certificate given as the CA", async () => {
    const leaf = await issue({ kind: "server" });
    await assert.rejects(
      issue({ kind: "server", caCertPem: leaf.certPem, caKeyPem: leaf.keyPem }),
      /is not a CA certificate/,
    );
  });

  test("names outside the CA's name constraints fail verification before returning", async () => {
    const constrained = await createCa({
      domain: "consul",
      nameConstraints: true,
      clock,
      random: seededRandom(5),
    });
    const options = { caCertPem: constrained.certPem, caKeyPem: constrained.keyPem };
    await issue({ kind: "server", node: "n1", ...options });
    await assert.rejects(
      issue({ kind: "server", additionalDnsNames: ["vault.example.com"], ...options }),
      (error: unknown) =>
        error instanceof CertificateVerificationError &&
        /"vault.example.com" is outside the CA's name constraints/.test(error.message),
    );
  });

  test("a CA that is not valid yet", async () => {
    const future = await createCa({
      domain: "consul",
      clock: fixedClock(NOW_MS + DAY_MS),
      random: seededRandom(6),
    });
    await assert.rejects(
      issue({ kind: "server", caCertPem: future.certPem, caKeyPem: future.keyPem }),
      /CA certificate .* is not valid before/,
    );
  });
});
