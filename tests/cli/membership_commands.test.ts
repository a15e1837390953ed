import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { forceLeaveCommand, joinCommand } from "../../src/cli/membership_commands.ts";
import { UsageError } from "../../src/cli/command.ts";
import { type FakeConsul, startFakeConsul } from "../api/_fake_consul.ts";
import { cliContext } from "../api/_cli_context.ts";

describe("consulate join and force-leave", () => {
  let fake: FakeConsul;
  let env: Record<string, string>;
  before(async () => {
    fake = await startFakeConsul();
    env = { CONSUL_HTTP_ADDR: fake.address };
  });
  after(async () => await fake.stop());

  test("join -wan sends each address with wan=1 and reports how many were contacted", async () => {
    const context = await cliContext(env);
    assert.equal(await joinCommand.run(["-wan", "10.1.0.5:8302", "10.1.0.6"], context), 0);
    const joins = fake.requests.filter((r) => r.path.startsWith("/v1/agent/join/"));
    assert.deepEqual(joins.slice(-2).map((r) => [r.method, decodeURIComponent(r.path), r.query]), [
      ["PUT", "/v1/agent/join/10.1.0.5:8302", "wan=1"],
      ["PUT", "/v1/agent/join/10.1.0.6", "wan=1"],
    ]);
    assert.equal(context.out(), "Successfully joined cluster by contacting 2 nodes.\n");
  });

  test("join without an address is a usage error", async () => {
    const context = await cliContext(env);
    await assert.rejects(joinCommand.run([], context), UsageError);
  });

  test("force-leave -wan -prune names the member and passes both flags", async () => {
    const context = await cliContext(env);
    assert.equal(await forceLeaveCommand.run(["-wan", "-prune", "n2.dc2"], context), 0);
    assert.equal(fake.last.method, "PUT");
    assert.equal(fake.last.path, "/v1/agent/force-leave/n2.dc2");
    assert.match(fake.last.query, /prune=/);
    assert.match(fake.last.query, /wan=/);
  });
});
