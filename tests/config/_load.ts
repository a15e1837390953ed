/**
 * Helpers for loading configuration from in-memory files in tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ConfigError, loadConfig, type RuntimeConfig } from "../../src/config/mod.ts";
import { FakeFileSystem } from "./_fake_fs.ts";

/** Host name the tests pretend to run on. */
export const TEST_HOSTNAME = "test-host";

/** Loads with `args` over a fake file system holding `files`. */
export function load(
  files: Record<string, string>,
  args: readonly string[],
): Promise<RuntimeConfig> {
  return loadConfig({ fs: new FakeFileSystem(files), args, hostname: TEST_HOSTNAME });
}

/** Loads and returns the `ConfigError` that must be thrown. */
export async function loadError(
  files: Record<string, string>,
  args: readonly string[],
): Promise<ConfigError> {
  try {
    await load(files, args);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected the configuration to be rejected");
}

/** Loads one HCL file (with a data dir flag) and returns the `ConfigError` it must cause. */
export function hclError(hcl: string, extraArgs: readonly string[] = []): Promise<ConfigError> {
  return loadError({ "/etc/consul.d/agent.hcl": hcl }, [
    "-data-dir=/data",
    "-config-file=/etc/consul.d/agent.hcl",
    ...extraArgs,
  ]);
}
