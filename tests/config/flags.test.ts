import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AGENT_FLAG_SPECS, AGENT_HELP, parseAgentFlags } from "../../src/config/mod.ts";

describe("parseAgentFlags", () => {
  test("splits list flags (merged before files) from single values (merged after)", () => {
    const flags = parseAgentFlags([
      "-server",
      "-node",
      "n1",
      "-retry-join=10.0.0.2",
      "-http-port=8501",
      "-config-file",
      "/a.hcl",
    ]);
    assert.deepEqual(flags.values, { node_name: "n1", ports: { http: 8501 }, server: true });
    assert.deepEqual(flags.lists, { retry_join: ["10.0.0.2"] });
    assert.deepEqual(flags.configPaths, ["/a.hcl"]);
    assert.equal(flags.dev, false);
    assert.equal(flags.configFormat, null);
  });

  test("accepts --flag and boolean -flag=false", () => {
    const flags = parseAgentFlags(["--server=false", "--dev"]);
    assert.equal(flags.values.server, false);
    assert.equal(flags.dev, true);
  });

  test("help lists every flag, including Consul's WAN federation flags", () => {
    for (const spec of AGENT_FLAG_SPECS) assert.ok(AGENT_HELP.includes(`-${spec.name}`), spec.name);
    for (const name of ["primary-gateway", "retry-join-wan", "bootstrap-expect", "config-dir"]) {
      assert.ok(AGENT_FLAG_SPECS.some((spec) => spec.name === name), name);
    }
  });
});
