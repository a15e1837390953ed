// The TLS commands against the real runtime adapter and a temporary directory: file modes,
// exclusive creation and numbering as the operating system sees them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliContext } from "../../src/cli/command.ts";
import { tlsCaCreateCommand } from "../../src/cli/tls_ca_create.ts";
import { tlsCertCreateCommand } from "../../src/cli/tls_cert_create.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Process, Runtime } from "../../src/runtime/ports.ts";

// The Bun adapter is written in parallel with this suite; until it lands these tests skip on Bun.
const real: Runtime | null = await currentRuntime().catch(() => null);
const skip = real ? false : "the runtime adapter for this runtime is not available yet";

let dir: string;
let stderr = "";

function contextIn(directory: string): CliContext {
  const runtime = real!;
  const process = new Proxy(runtime.process, {
    get: (target, key) => {
      if (key === "cwd") return () => directory;
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Process;
  return {
    runtime: { ...runtime, process, fs: runtime.fs, clock: runtime.clock, random: runtime.random },
    stdout: () => {},
    stderr: (text) => (stderr += text),
  };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "consulate-tls-cli-"));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("tls commands on the real file system", () => {
  test(
    "write the CA and two server certificates with private keys at mode 0600",
    { skip },
    async () => {
      const context = contextIn(dir);
      assert.equal(await tlsCaCreateCommand.run([], context), 0, stderr);
      assert.equal(await tlsCertCreateCommand.run(["-server", "-node", "n1"], context), 0, stderr);
      assert.equal(await tlsCertCreateCommand.run(["-server", "-node", "n2"], context), 0, stderr);
      assert.deepEqual(readdirSync(dir).sort(), [
        "consul-agent-ca-key.pem",
        "consul-agent-ca.pem",
        "dc1-server-consul-0-key.pem",
        "dc1-server-consul-0.pem",
        "dc1-server-consul-1-key.pem",
        "dc1-server-consul-1.pem",
      ]);
      for (const key of ["consul-agent-ca-key.pem", "dc1-server-consul-1-key.pem"]) {
        assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
      }
    },
  );

  test("refuse to overwrite the CA", { skip }, async () => {
    stderr = "";
    const before = statSync(join(dir, "consul-agent-ca.pem")).mtimeMs;
    assert.equal(await tlsCaCreateCommand.run([], contextIn(dir)), 1);
    assert.equal(stderr, "consul-agent-ca.pem already exists.\n");
    assert.equal(statSync(join(dir, "consul-agent-ca.pem")).mtimeMs, before);
  });
});
