import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type CertificateAndKey,
  CertificateVerificationError,
  createCa,
  createLeafCert,
  verifyChain,
} from "../../src/tls/mod.ts";
import { fixedClock, seededRandom } from "./_fake_runtime.ts";

const NOW_MS = Date.UTC(2025, 5, 1);
const DAY_MS = 86_400_000;
const clock = fixedClock(NOW_MS);

let ca: CertificateAndKey;
let server: CertificateAndKey;
let cli: CertificateAndKey;

before(async () => {
  ca = await createCa({
    domain: "consul",
    commonName: "Same Name CA",
    clock,
    random: seededRandom(1),
  });
  const common = { dc: "dc1", domain: "consul", caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock };
  server = await createLeafCert({
    ...common,
    kind: "server",
    node: "n1",
    additionalDnsNames: ["*.server.dc1.consul"],
    random: seededRandom(2),
  });
  cli = await createLeafCert({ ...common, kind: "cli", random: seededRandom(3) });
});

describe("verifyChain", () => {
  test("accepts a certificate for each name it holds, wildcards included", async () => {
    for (const dnsName of ["n1.server.dc1.consul", "server.dc1.consul", "n7.server.dc1.consul"]) {
      await verifyChain(server.certPem, ca.certPem, { dnsName, now: NOW_MS });
    }
  });

  test("finds the issuer inside a CA bundle", async () => {
    const other = await createCa({ domain: "consul", clock, random: seededRandom(9) });
    await verifyChain(server.certPem, other.certPem + ca.certPem, { now: new Date(NOW_MS) });
  });

  test("rejects a name the certificate does not hold", async () => {
    await assert.rejects(
      verifyChain(server.certPem, ca.certPem, { dnsName: "n1.server.dc2.consul", now: NOW_MS }),
      /not n1.server.dc2.consul/,
    );
  });

  test("rejects a certificate from a different CA", async () => {
    const other = await createCa({ domain: "consul", clock, random: seededRandom(9) });
    await assert.rejects(
      verifyChain(server.certPem, other.certPem, { now: NOW_MS }),
      /was issued by "Same Name CA", not by the given CA/,
    );
  });

  test("rejects a forged signature from a CA with the same subject", async () => {
    const twin = await createCa({
      domain: "consul",
      commonName: "Same Name CA",
      clock,
      random: seededRandom(1),
    });
    await assert.rejects(
      verifyChain(server.certPem, twin.certPem, { now: NOW_MS }),
      (error: unknown) =>
        error instanceof CertificateVerificationError &&
        /signature does not verify/.test(error.message),
    );
  });

  test("rejects outside the validity window", async () => {
    await assert.rejects(
      verifyChain(server.certPem, ca.certPem, { now: NOW_MS + 366 * DAY_MS }),
      /certificate "server.dc1.consul" expired at/,
    );
    await assert.rejects(
      verifyChain(server.certPem, ca.certPem, { now: NOW_MS - 1000 }),
      /is not valid before/,
    );
  });

  test("checks extended key usage only when the certificate lists some", async () => {
    await verifyChain(server.certPem, ca.certPem, { usage: "clientAuth", now: NOW_MS });
    await verifyChain(cli.certPem, ca.certPem, { usage: "serverAuth", now: NOW_MS });
  });

  test("a CA PEM without certificates is bad material, not a failed check", async () => {
    await assert.rejects(
      verifyChain(server.certPem, ca.keyPem, { now: NOW_MS }),
      /holds no CERTIFICATE/,
    );
  });
});
