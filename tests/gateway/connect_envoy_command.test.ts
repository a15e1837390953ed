import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Process, Runtime } from "../../src/runtime/ports.ts";
import type { CliContext } from "../../src/cli/command.ts";
import { runCli } from "../../src/cli/dispatch.ts";
import { connectEnvoyCommand, parseServiceAddress } from "../../src/cli/connect_envoy_command.ts";
import { meshGatewayCommand } from "../../src/cli/mesh_gateway_command.ts";
import { FakeAgent, serverEntry } from "./_fake_agent.ts";
import { eventually } from "./_tls_peers.ts";

const COMMANDS = [connectEnvoyCommand, meshGatewayCommand];
const WAIT_MS = 10_000;

interface TestContext extends CliContext {
  out(): string;
  err(): string;
  /** Delivers a signal to the handlers the command installed. */
  signal(name: "SIGINT" | "SIGTERM"): void;
}

function testContext(real: Runtime): TestContext {
  const out: string[] = [];
  const err: string[] = [];
  const handlers = new Map<string, Set<() => void>>();
  const process: Process = Object.create(real.process, {
    env: { value: () => undefined },
    onSignal: {
      value: (name: string, handler: () => void) => {
        const set = handlers.get(name) ?? new Set();
        set.add(handler);
        handlers.set(name, set);
        return () => set.delete(handler);
      },
    },
  });
  return {
    runtime: { ...real, process },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    out: () => out.join(""),
    err: () => err.join(""),
    signal: (name) => [...(handlers.get(name) ?? [])].forEach((handler) => handler()),
  };
}

describe("consulate connect envoy", () => {
  let runtime: Runtime;
  let agent: FakeAgent;

  before(async () => {
    runtime = await currentRuntime();
    agent = new FakeAgent(runtime);
    agent.setServers([serverEntry("n1", "127.0.0.1", 8300)]);
    await agent.start();
  });
  after(() => agent.stop());

  async function refused(args: string[], message: RegExp): Promise<void> {
    const context = testContext(runtime);
    assert.equal(await runCli(args, COMMANDS, context), 1);
    assert.match(context.err(), message);
    assert.equal(agent.registrations.length, 0, "nothing was registered");
  }

  test("other gateway kinds and sidecar mode answer that only mesh is built in", async () => {
    await refused(
      ["connect", "envoy", "-gateway=terminating", "-register"],
      /Only -gateway=mesh is built in; terminating gateways need Envoy/,
    );
    await refused(["connect", "envoy", "-gateway", "api"], /Gateway must be one of/);
    await refused(["connect", "envoy", "-proxy-id", "web-proxy"], /Only -gateway=mesh is built in/);
    await refused(["connect", "envoy", "-sidecar-for", "web"], /cannot be a sidecar proxy/);
    await refused(["mesh-gateway", "-gateway=ingress"], /ingress gateways need Envoy/);
  });

  test("Envoy-only flags and Consul's invalid combinations are refused clearly", async () => {
    await refused(
      ["connect", "envoy", "-gateway=mesh", "-envoy-binary", "/usr/bin/envoy"],
      /The -envoy-binary flag configures Envoy, which Consulate does not run/,
    );
    await refused(["connect", "envoy", "-gateway=mesh", "-bootstrap"], /-bootstrap flag/);
    await refused(
      ["connect", "envoy", "-gateway=mesh", "-expose-servers"],
      /'-expose-servers' requires '-register'/,
    );
    await refused(
      ["connect", "envoy", "-mesh-gateway", "-gateway=mesh"],
      /The mesh-gateway flag is deprecated and cannot be used alongside the gateway flag/,
    );
    await refused(
      ["connect", "envoy", "-gateway=mesh", "-address", "gateway.local"],
      /invalid value "gateway\.local" for flag -address: Error parsing address .*not an IP/,
    );
    await refused(
      ["connect", "envoy", "-gateway=mesh", "-bind-address", "10.0.0.1:8443"],
      /Missing "=" in argument/,
    );
    await refused(
      ["connect", "envoy", "-gateway=mesh", "--", "-l", "debug"],
      /runs no Envoy/,
    );
  });

  test("addresses parse as Consul's -address does, with port 8443 by default", () => {
    assert.deepEqual(parseServiceAddress("10.0.0.5"), { Address: "10.0.0.5", Port: 8443 });
    assert.deepEqual(parseServiceAddress("10.0.0.5:443"), { Address: "10.0.0.5", Port: 443 });
    assert.deepEqual(parseServiceAddress(":9000"), { Address: "", Port: 9000 });
    assert.deepEqual(parseServiceAddress("[fd00::1]:443"), { Address: "fd00::1", Port: 443 });
    assert.deepEqual(parseServiceAddress("fd00::1"), { Address: "fd00::1", Port: 8443 });
    assert.deepEqual(parseServiceAddress("gw.example:443"), { Address: "gw.example", Port: 443 });
    assert.throws(() => parseServiceAddress("{{ GetPrivateIP }}"), /templates are not supported/);
    assert.throws(() => parseServiceAddress("10.0.0.5:99999"), /Error parsing port/);
  });

  test("runs, registers, and deregisters then exits 0 on SIGTERM", async () => {
    const context = testContext(runtime);
    const running = runCli(
      [
        "connect",
        "envoy",
        "-gateway=mesh",
        "-register",
        "-expose-servers",
        "-service",
        "gw-east",
        "-address",
        "127.0.0.1:0",
        "-wan-address",
        "127.0.0.1:0",
        "-admin-bind",
        "127.0.0.1:0",
        `-http-addr=${agent.address}`,
        "-token",
        "secret",
      ],
      COMMANDS,
      context,
    );
    await eventually(runtime, () => agent.registrations.length === 1, WAIT_MS, "registered");
    const body = agent.registrations[0] as Record<string, unknown>;
    assert.equal(body.Name, "gw-east");
    assert.equal(body.Kind, "mesh-gateway");
    assert.deepEqual(body.Meta, { "consul-wan-federation": "1" });
    assert.equal(agent.seen("/v1/agent/service/register")[0].token, "secret");
    await eventually(runtime, () => context.out().includes("Registered service"), WAIT_MS, "out");
    context.signal("SIGTERM");
    assert.equal(await running, 0);
    assert.deepEqual(agent.deregistrations, ["gw-east"]);
    assert.match(context.out(), /Registered service: gw-east\n/);
    assert.equal(context.err(), "");
    agent.registrations.length = 0;
  });

  test("the mesh-gateway alias implies -gateway=mesh", async () => {
    const context = testContext(runtime);
    const running = runCli(
      [
        "mesh-gateway",
        "-register",
        "-address=127.0.0.1:0",
        "-admin-bind=",
        `-http-addr=${agent.address}`,
      ],
      COMMANDS,
      context,
    );
    await eventually(runtime, () => agent.registrations.length === 1, WAIT_MS, "registered");
    assert.equal((agent.registrations[0] as { ID: string }).ID, "mesh-gateway");
    await eventually(runtime, () => context.out().includes("Registered service"), WAIT_MS, "out");
    context.signal("SIGINT");
    assert.equal(await running, 0);
    assert.equal(agent.deregistrations.at(-1), "mesh-gateway");
    agent.registrations.length = 0;
  });
});
