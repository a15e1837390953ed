// Cross-checks our certificates with the OpenSSL command-line tool, an independent X.509
// implementation. The CI image installs `openssl`; the files live in a temporary directory.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import { fixedClock, seededRandom } from "./_fake_runtime.ts";

const clock = fixedClock(Date.now());
let dir: string;

function openssl(...args: string[]): { code: number; output: string } {
  const result = spawnSync("openssl", args, { encoding: "utf8", timeout: 20_000 });
  if (result.error) throw new Error(`could not run openssl: ${result.error.message}`);
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "consulate-tls-"));
  for (const [prefix, nameConstraints] of [["plain", false], ["constrained", true]] as const) {
    const ca = await createCa({
      domain: "consul",
      nameConstraints,
      clock,
      random: seededRandom(1),
    });
    file(`${prefix}-ca.pem`, ca.certPem);
    file(`${prefix}-ca-key.pem`, ca.keyPem);
    const common = {
      dc: "dc1",
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
    };
    for (const kind of ["server", "client", "cli"] as const) {
      const cert = await createLeafCert({
        ...common,
        kind,
        node: kind === "server" ? "n1" : undefined,
        additionalIps: kind === "server" ? ["10.1.2.3"] : [],
        random: seededRandom(2),
      });
      file(`${prefix}-${kind}.pem`, cert.certPem);
      file(`${prefix}-${kind}-key.pem`, cert.keyPem);
    }
  }
  const stranger = await createCa({ domain: "consul", clock, random: seededRandom(3) });
  file("stranger-ca.pem", stranger.certPem);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("openssl", () => {
  test("verifies server, client and CLI certificates against the CA, strictly", () => {
    for (const prefix of ["plain", "constrained"]) {
      for (const kind of ["server", "client", "cli"]) {
        const { code, output } = openssl(
          "verify",
          "-x509_strict",
          "-CAfile",
          join(dir, `${prefix}-ca.pem`),
          join(dir, `${prefix}-${kind}.pem`),
        );
        assert.equal(code, 0, `${prefix} ${kind}: ${output}`);
        assert.match(output, /: OK/);
      }
    }
  });

  test("accepts the server certificate for TLS server use under its node name", () => {
    const { code, output } = openssl(
      "verify",
      "-purpose",
      "sslserver",
      "-verify_hostname",
      "n1.server.dc1.consul",
      "-CAfile",
      join(dir, "constrained-ca.pem"),
      join(dir, "constrained-server.pem"),
    );
    assert.equal(code, 0, output);
  });

  test("refuses a certificate checked against a different CA", () => {
    const { code, output } = openssl(
      "verify",
      "-CAfile",
      join(dir, "stranger-ca.pem"),
      join(dir, "plain-server.pem"),
    );
    assert.notEqual(code, 0, output);
    assert.match(output, /unable to get local issuer certificate/);
  });

  test("shows the expected names, usages and constraints", () => {
    const server = openssl("x509", "-noout", "-text", "-in", join(dir, "plain-server.pem")).output;
    assert.match(server, /Subject: CN\s?=\s?server\.dc1\.consul/);
    assert.match(
      server,
      /DNS:n1\.server\.dc1\.consul, DNS:server\.dc1\.consul, DNS:localhost, IP Address:10\.1\.2\.3, IP Address:127\.0\.0\.1/,
    );
    assert.match(server, /TLS Web Server Authentication, TLS Web Client Authentication/);
    assert.match(server, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(server, /CA:FALSE/);
    const ca = openssl("x509", "-noout", "-text", "-in", join(dir, "constrained-ca.pem")).output;
    assert.match(
      ca,
      /Subject: C\s?=\s?US, ST\s?=\s?CA, L\s?=\s?San Francisco, street\s?=\s?101 Second Street, postalCode\s?=\s?94105, O\s?=\s?Consulate, CN\s?=\s?Consul Agent CA \d+/,
    );
    assert.match(ca, /Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    assert.match(ca, /CA:TRUE/);
    assert.match(ca, /Name Constraints: critical\s+Permitted:\s+DNS:consul\s+DNS:localhost/);
  });

  test("reads the SEC 1 keys and they match their certificates", () => {
    for (const name of ["plain-ca", "plain-server"]) {
      const certKey = openssl("x509", "-noout", "-pubkey", "-in", join(dir, `${name}.pem`));
      const key = openssl("ec", "-pubout", "-in", join(dir, `${name}-key.pem`));
      assert.equal(key.code, 0, key.output);
      assert.match(key.output, /BEGIN PUBLIC KEY/);
      assert.ok(key.output.includes(certKey.output.trim()), `${name}: public keys differ`);
    }
  });

  test("issues from a CA made by openssl whose SEC 1 key omits the public key", async () => {
    const key = join(dir, "ossl-ca-key.pem");
    const caFile = join(dir, "ossl-ca.pem");
    const steps = [
      ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(dir, "full.pem")],
      ["ec", "-in", join(dir, "full.pem"), "-no_public", "-out", key],
      ["req", "-x509", "-new", "-key", key, "-subj", "/O=Example/CN=Ops CA", "-days", "30"],
    ];
    steps[2].push("-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", caFile);
    for (const step of steps) {
      const result = openssl(...step);
      assert.equal(result.code, 0, `${step[0]}: ${result.output}`);
    }
    const cert = await createLeafCert({
      kind: "server",
      dc: "dc1",
      domain: "consul",
      caCertPem: readFileSync(caFile, "utf8"),
      caKeyPem: readFileSync(key, "utf8"),
      // After openssl stamped the CA's NotBefore.
      clock: fixedClock(Date.now()),
      random: seededRandom(8),
    });
    const result = openssl(
      "verify",
      "-x509_strict",
      "-CAfile",
      caFile,
      file("ossl-leaf.pem", cert.certPem),
    );
    assert.equal(result.code, 0, result.output);
  });
});
