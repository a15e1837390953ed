import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { membersCommand } from "../../src/cli/members_command.ts";
import { runCli } from "../../src/cli/dispatch.ts";
import type { AgentMember } from "../../src/api/mod.ts";
import { closedPort, type FakeConsul, startFakeConsul } from "../api/_fake_consul.ts";
import { cliContext } from "../api/_cli_context.ts";

function member(
  name: string,
  addr: string,
  status: number,
  tags: Record<string, string>,
): AgentMember {
  return {
    Name: name,
    Addr: addr,
    Port: 8301,
    Tags: tags,
    Status: status,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

const SERVER_TAGS = { role: "consul", dc: "dc1", vsn: "2", build: "1.21.0:abc123" };

describe("consulate members", () => {
  let fake: FakeConsul;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeConsul();
    env = { CONSUL_HTTP_ADDR: fake.address };
    fake.members = [
      member("c1", "10.0.0.3", 1, { role: "node", dc: "dc1", vsn: "2", build: "0.1.0" }),
      member("s2", "10.0.0.2", 4, SERVER_TAGS),
      member("s1", "10.0.0.1", 1, SERVER_TAGS),
    ];
    fake.wanMembers = [member("s1.dc1", "10.0.0.1", 1, SERVER_TAGS)];
  });
  after(async () => await fake.stop());

  test("prints Consul's columns, servers first, with status text from the number", async () => {
    const context = await cliContext(env);
    assert.equal(await membersCommand.run([], context), 0);
    assert.equal(fake.last.path, "/v1/agent/members");
    assert.equal(fake.last.query, "");
    assert.equal(
      context.out(),
      [
        "Node  Address        Status  Type    Build   Protocol  DC   Partition  Segment",
        "s1    10.0.0.1:8301  alive   server  1.21.0  2         dc1  default    <all>",
        "s2    10.0.0.2:8301  failed  server  1.21.0  2         dc1  default    <all>",
        "c1    10.0.0.3:8301  alive   client  0.1.0   2         dc1  default    <default>",
        "",
      ].join("\n"),
    );
    assert.equal(context.err(), "");
  });

  test("-wan lists the WAN pool with wan=1", async () => {
    const context = await cliContext(env);
    assert.equal(await membersCommand.run(["-wan"], context), 0);
    assert.equal(fake.last.query, "wan=1");
    assert.match(context.out(), /^s1\.dc1\s+10\.0\.0\.1:8301\s+alive\s+server/m);
  });

  test("-status filters by a regular expression on the status text; no match exits 2", async () => {
    const failed = await cliContext(env);
    assert.equal(await membersCommand.run(["-status=fail"], failed), 0);
    assert.deepEqual(
      failed.out().trim().split("\n").slice(1).map((line) => line.split(/\s+/)[0]),
      ["s2"],
    );
    const none = await cliContext(env);
    assert.equal(await membersCommand.run(["-status=^left$"], none), 2);
    assert.equal(none.out(), "");
  });

  test("-detailed prints all tags sorted, with the partition and segment defaults", async () => {
    const context = await cliContext(env);
    assert.equal(await membersCommand.run(["-detailed", "-status=failed"], context), 0);
    assert.equal(
      context.out(),
      "Node  Address        Status  Tags\n" +
        "s2    10.0.0.2:8301  failed  " +
        "ap=default,build=1.21.0:abc123,dc=dc1,role=consul,segment=<all>,vsn=2\n",
    );
  });

  test("a bad status regexp is reported before any request", async () => {
    const before = fake.requests.length;
    const context = await cliContext(env);
    assert.equal(await membersCommand.run(["-status=("], context), 1);
    assert.match(context.err(), /^Failed to compile status regexp: /);
    assert.equal(fake.requests.length, before);
  });

  test("-http-addr beats CONSUL_HTTP_ADDR and -token is sent as X-Consul-Token", async () => {
    const context = await cliContext({ CONSUL_HTTP_ADDR: "127.0.0.1:1", CONSUL_HTTP_TOKEN: "env" });
    const code = await membersCommand.run(
      [`-http-addr=http://${fake.address}`, "-token", "flag-token"],
      context,
    );
    assert.equal(code, 0, context.err());
    assert.equal(fake.last.token, "flag-token");
  });

  test("-token-file is read through the runtime file system and trimmed", async () => {
    const context = await cliContext(env, { "/secrets/token": "file-token\n" });
    assert.equal(await membersCommand.run(["-token-file=/secrets/token"], context), 0);
    assert.equal(fake.last.token, "file-token");
    const missing = await cliContext(env);
    assert.equal(await membersCommand.run(["-token-file=/nope"], missing), 1);
    assert.match(missing.err(), /^Error connecting to Consul agent: Error loading token file: /);
  });

  test("an error answer is printed after Consul's prefix, exit 1", async () => {
    fake.failNext("GET", "/v1/agent/members", 403, "Permission denied");
    const context = await cliContext(env);
    assert.equal(await membersCommand.run([], context), 1);
    assert.equal(
      context.err(),
      "Error retrieving members: Unexpected response code: 403 (Permission denied)\n",
    );
  });

  test("an unreachable agent reads like Consul's dial error", async () => {
    const port = await closedPort();
    const context = await cliContext({ CONSUL_HTTP_ADDR: `127.0.0.1:${port}` });
    assert.equal(await membersCommand.run([], context), 1);
    assert.equal(
      context.err(),
      `Error retrieving members: Get "http://127.0.0.1:${port}/v1/agent/members": ` +
        `dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
    );
  });

  test("a unix:// address is refused as not supported", async () => {
    const context = await cliContext({ CONSUL_HTTP_ADDR: "unix:///tmp/consul.sock" });
    assert.equal(await membersCommand.run([], context), 1);
    assert.match(
      context.err(),
      /^Error connecting to Consul agent: Unix socket addresses are not supported/,
    );
  });

  test("an unknown flag is a usage error with the help text", async () => {
    const context = await cliContext(env);
    assert.equal(await runCli(["members", "-wna"], [membersCommand], context), 1);
    assert.match(context.err(), /flag provided but not defined: -wna \(did you mean -wan\?\)/);
    assert.match(context.err(), /Usage: consulate members \[options\]/);
  });
});
