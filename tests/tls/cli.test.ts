import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type CliContext, UsageError } from "../../src/cli/command.ts";
import { tlsCaCreateCommand } from "../../src/cli/tls_ca_create.ts";
import { tlsCertCreateCommand } from "../../src/cli/tls_cert_create.ts";
import { inspectCertificate, verifyChain } from "../../src/tls/mod.ts";
import { createFakeRuntime, type FakeRuntime } from "./_fake_runtime.ts";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(
  fake: FakeRuntime,
  command: typeof tlsCaCreateCommand,
  args: string[],
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const context: CliContext = {
    runtime: fake.runtime,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  };
  const code = await command.run(args, context);
  return { code, stdout, stderr };
}

const fileNames = (fake: FakeRuntime) =>
  [...fake.files.keys()].map((path) => path.slice(fake.cwd.length + 1)).sort();

async function withCa(args: string[] = []): Promise<FakeRuntime> {
  const fake = createFakeRuntime();
  const result = await run(fake, tlsCaCreateCommand, args);
  assert.equal(result.code, 0, result.stderr);
  return fake;
}

describe("consulate tls ca create", () => {
  test("saves <domain>-agent-ca.pem and a 0600 key in the working directory", async () => {
    const fake = createFakeRuntime();
    const result = await run(fake, tlsCaCreateCommand, []);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      "==> Saved consul-agent-ca.pem\n==> Saved consul-agent-ca-key.pem\n",
    );
    assert.deepEqual(fileNames(fake), ["consul-agent-ca-key.pem", "consul-agent-ca.pem"]);
    assert.equal(fake.files.get(`${fake.cwd}/consul-agent-ca-key.pem`)?.mode, 0o600);
    assert.match(fake.readText("consul-agent-ca-key.pem"), /BEGIN EC PRIVATE KEY/);
    const info = inspectCertificate(fake.readText("consul-agent-ca.pem"));
    assert.equal(info.isCa, true);
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 1825 * 86_400_000);
  });

  test("refuses to overwrite an existing CA", async () => {
    const fake = await withCa();
    const before = fake.readText("consul-agent-ca.pem");
    const result = await run(fake, tlsCaCreateCommand, []);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, "consul-agent-ca.pem already exists.\n");
    assert.equal(fake.readText("consul-agent-ca.pem"), before);
  });

  test("refuses when only the key file exists, and writes nothing", async () => {
    const fake = createFakeRuntime();
    await fake.runtime.fs.writeFile(`${fake.cwd}/consul-agent-ca-key.pem`, "old");
    const result = await run(fake, tlsCaCreateCommand, []);
    assert.equal(result.stderr, "consul-agent-ca-key.pem already exists.\n");
    assert.deepEqual(fileNames(fake), ["consul-agent-ca-key.pem"]);
  });

  test("applies -domain, -days, -common-name and the name constraint flags", async () => {
    const fake = await withCa([
      "-domain=example",
      "-days",
      "30",
      "-common-name",
      "Example CA",
      "-name-constraint",
      "-additional-name-constraint=ui.example.org",
    ]);
    const info = inspectCertificate(fake.readText("example-agent-ca.pem"));
    assert.equal(info.commonName, "Example CA");
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 30 * 86_400_000);
    assert.deepEqual(info.permittedDnsDomains, ["example", "localhost", "ui.example.org"]);
  });

  test("reports bad input without writing files", async () => {
    const fake = createFakeRuntime();
    const result = await run(fake, tlsCaCreateCommand, ["-days", "0"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /whole number of days/);
    assert.deepEqual(fileNames(fake), []);
    await assert.rejects(run(fake, tlsCaCreateCommand, ["-dayz", "3"]), UsageError);
    await assert.rejects(run(fake, tlsCaCreateCommand, ["extra"]), /Unexpected arguments: extra/);
  });
});

describe("consulate tls cert create", () => {
  test("issues <dc>-server-<domain>-0 with the node name from the default CA files", async () => {
    const fake = await withCa();
    const result = await run(fake, tlsCertCreateCommand, ["-server", "-dc", "dc1", "-node", "n1"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /==> WARNING: /);
    assert.match(
      result.stdout,
      /==> Using consul-agent-ca\.pem and consul-agent-ca-key\.pem\n==> Saved dc1-server-consul-0\.pem\n==> Saved dc1-server-consul-0-key\.pem\n$/,
    );
    assert.equal(fake.files.get(`${fake.cwd}/dc1-server-consul-0-key.pem`)?.mode, 0o600);
    const certPem = fake.readText("dc1-server-consul-0.pem");
    await verifyChain(certPem, fake.readText("consul-agent-ca.pem"), {
      dnsName: "n1.server.dc1.consul",
      now: fake.runtime.clock.now(),
    });
  });

  test("numbers files with the first n where neither the cert nor the key exists", async () => {
    const fake = await withCa();
    assert.equal((await run(fake, tlsCertCreateCommand, ["-server"])).code, 0);
    await fake.runtime.fs.writeFile(`${fake.cwd}/dc1-server-consul-1-key.pem`, "stray");
    const result = await run(fake, tlsCertCreateCommand, ["-server"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Saved dc1-server-consul-2\.pem\n/);
    assert.ok(fake.files.has(`${fake.cwd}/dc1-server-consul-0.pem`));
    assert.ok(!fake.files.has(`${fake.cwd}/dc1-server-consul-1.pem`));
  });

  test("names client and CLI files dc1-client-consul-0 and dc1-cli-consul-0", async () => {
    const fake = await withCa();
    const client = await run(fake, tlsCertCreateCommand, ["-client"]);
    const cli = await run(fake, tlsCertCreateCommand, ["-cli"]);
    assert.equal(client.code + cli.code, 0, client.stderr + cli.stderr);
    assert.doesNotMatch(client.stdout, /WARNING/);
    assert.equal(
      inspectCertificate(fake.readText("dc1-client-consul-0.pem")).commonName,
      "client.dc1.consul",
    );
    assert.equal(
      inspectCertificate(fake.readText("dc1-cli-consul-0.pem")).commonName,
      "cli.dc1.consul",
    );
  });

  test("uses #DOMAIN# in the default CA paths and the domain in file names", async () => {
    const fake = await withCa(["-domain", "example"]);
    const result = await run(fake, tlsCertCreateCommand, [
      "-server",
      "-domain=example",
      "-dc=east",
      "-additional-dnsname=api.example",
      "-additional-ipaddress=10.0.0.9",
      "-days=10",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Using example-agent-ca\.pem and example-agent-ca-key\.pem/);
    const info = inspectCertificate(fake.readText("east-server-example-0.pem"));
    assert.deepEqual(info.dnsNames, ["api.example", "server.east.example", "localhost"]);
    assert.deepEqual(info.ipAddresses, ["10.0.0.9", "127.0.0.1"]);
    assert.equal(info.notAfter.getTime() - info.notBefore.getTime(), 10 * 86_400_000);
  });

  test("prints Consul's errors for missing or conflicting kinds and -node without -server", async () => {
    const fake = await withCa();
    const cases: [string[], string][] = [
      [[], "Please provide either -server, -client, or -cli\n"],
      [["-server", "-client"], "Please provide either -server, -client, or -cli\n"],
      [["-client", "-node", "n1"], "-node requires -server\n"],
      [["-server", "-ca="], "Please provide the ca\n"],
      [["-server", "-key="], "Please provide the key\n"],
    ];
    for (const [args, stderr] of cases) {
      const result = await run(fake, tlsCertCreateCommand, args);
      assert.equal(result.code, 1, args.join(" "));
      assert.equal(result.stderr, stderr, args.join(" "));
    }
    assert.deepEqual(fileNames(fake), ["consul-agent-ca-key.pem", "consul-agent-ca.pem"]);
  });

  test("reports a missing CA file and invalid names without writing anything", async () => {
    const empty = createFakeRuntime();
    const missing = await run(empty, tlsCertCreateCommand, ["-server"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error reading CA: .*consul-agent-ca\.pem/);
    const fake = await withCa();
    const bad = await run(fake, tlsCertCreateCommand, ["-server", "-node", "a.b"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Node name "a.b"/);
    assert.deepEqual(fileNames(fake), ["consul-agent-ca-key.pem", "consul-agent-ca.pem"]);
  });

  test("refuses names outside a constrained CA", async () => {
    const fake = await withCa(["-name-constraint"]);
    const result = await run(fake, tlsCertCreateCommand, [
      "-server",
      "-additional-dnsname=evil.com",
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /outside the CA's name constraints/);
    assert.deepEqual(fileNames(fake), ["consul-agent-ca-key.pem", "consul-agent-ca.pem"]);
  });

  test("has help text listing every flag", () => {
    for (
      const flag of [
        "-ca",
        "-key",
        "-server",
        "-client",
        "-cli",
        "-node",
        "-dc",
        "-domain",
        "-days",
      ]
    ) {
      assert.ok(tlsCertCreateCommand.help.includes(`  ${flag}`), flag);
    }
    for (
      const flag of [
        "-days",
        "-domain",
        "-common-name",
        "-name-constraint",
        "-additional-name-constraint",
      ]
    ) {
      assert.ok(tlsCaCreateCommand.help.includes(`  ${flag}`), flag);
    }
  });
});
