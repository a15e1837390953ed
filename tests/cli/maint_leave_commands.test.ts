import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { RunningAgent } from "../../src/agent/agent.ts";
import { leaveCommand } from "../../src/cli/leave_command.ts";
import { maintCommand } from "../../src/cli/maint_command.ts";
import { ConsulClient } from "../../src/api/mod.ts";
import { cliContext } from "../api/_cli_context.ts";
import { startDevAgent } from "../_support/dev_agent.ts";

/** A -dev agent in this process, with one service registered. */
async function devAgent(node: string): Promise<{ agent: RunningAgent; address: string }> {
  const started = await startDevAgent(node);
  await new ConsulClient({ address: started.address }).agent.serviceRegister({
    Name: "web",
    ID: "web-1",
    Port: 80,
  });
  return started;
}

describe("consulate maint", () => {
  let agent: RunningAgent;
  let env: Record<string, string>;
  let client: ConsulClient;
  before(async () => {
    const started = await devAgent("maint-node");
    agent = started.agent;
    env = { CONSUL_HTTP_ADDR: started.address };
    client = new ConsulClient({ address: started.address });
  });
  after(async () => await agent.shutdown());

  async function maint(...args: string[]) {
    const context = await cliContext(env);
    const code = await maintCommand.run(args, context);
    return { code, out: context.out(), err: context.err() };
  }

  test("enables and disables node and service maintenance, and lists what is in it", async () => {
    assert.deepEqual(await maint(), { code: 0, out: "", err: "" }, "nothing in maintenance");
    assert.deepEqual(await maint("-enable", "-reason=kernel upgrade"), {
      code: 0,
      out: "Node maintenance is now enabled\n",
      err: "",
    });
    assert.deepEqual(await maint("-enable", "-service=web-1"), {
      code: 0,
      out: 'Service maintenance is now enabled for "web-1"\n',
      err: "",
    });
    const checks = await client.agent.checks();
    assert.equal(checks["_node_maintenance"]?.Status, "critical");
    assert.equal(checks["_service_maintenance:web-1"]?.ServiceID, "web-1");

    const listed = await maint();
    assert.equal(listed.code, 0);
    assert.match(listed.out, /^Node:\n {2}Name: {3}maint-node\n {2}Reason: kernel upgrade\n\n/m);
    assert.match(listed.out, /Service:\n {2}ID: {5}web-1\n {2}Reason: Maintenance mode is enabled/);

    assert.equal((await maint("-disable")).out, "Node maintenance is now disabled\n");
    assert.equal(
      (await maint("-disable", "-service=web-1")).out,
      'Service maintenance is now disabled for "web-1"\n',
    );
    assert.deepEqual(Object.keys(await client.agent.checks()), []);
  });

  test("refuses conflicting flags with Consul's texts, and an unknown service with the agent's", async () => {
    const cases: [string[], string][] = [
      [["-enable", "-disable"], "Only one of -enable or -disable may be provided\n"],
      [["-disable", "-reason=x"], "Reason may only be provided with -enable\n"],
      [["-service=web-1"], "Service requires either -enable or -disable\n"],
    ];
    for (const [args, err] of cases) {
      assert.deepEqual(await maint(...args), { code: 1, out: "", err });
    }
    const unknown = await maint("-enable", "-service=nope");
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /^Error enabling service maintenance: .*404/);
  });
});

describe("consulate leave", () => {
  test("the agent leaves and shuts down; the command reports it", async () => {
    const { agent, address } = await devAgent("leaving-node");
    const context = await cliContext({ CONSUL_HTTP_ADDR: address });
    assert.equal(await leaveCommand.run([], context), 0);
    assert.equal(context.out(), "Graceful leave complete\n");
    await agent.stopped;
    await assert.rejects(fetch(`http://${address}/v1/agent/self`), "the HTTP API is closed");
  });
});
