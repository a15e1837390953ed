import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { currentRuntime } from "../../src/runtime/current.ts";
import { type AgentProcess, consulateCommand, startConsulate } from "../e2e/_agent_process.ts";
import { eventually, Federation, getJson } from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
const children: AgentProcess[] = [];
after(async () => {
  for (const child of children) child.child.kill("SIGKILL");
  await federation.close();
});

async function wanStatus(api: string, name: string): Promise<number | undefined> {
  const { body } = await getJson<{ Name: string; Status: number }[]>(`${api}/agent/members?wan=1`);
  return body.find((member) => member.Name === name)?.Status;
}

describe("a server of another datacenter that is killed", () => {
  test("becomes failed in the WAN view and alive again after a restart", async () => {
    const dc1 = await federation.addServer("dc1", "n1");
    const dc2 = await federation.addServer("dc2", "n2", { joinWan: dc1 });
    await federation.start(dc1);
    const start = () => {
      const child = startConsulate(["agent", `-config-file=${dc2.configFile}`]);
      children.push(child);
      return child;
    };
    const first = start();
    await eventually(
      "n2.dc2 to be alive in dc1's view",
      async () => (await wanStatus(dc1.api, "n2.dc2")) === 1,
    );

    const [command, ...prefix] = consulateCommand();
    // Asynchronously: dc1 runs in this process and must keep answering while the CLI asks it.
    const { stdout: table } = await promisify(execFile)(
      command,
      [...prefix, "members", "-wan", `-http-addr=127.0.0.1:${dc1.httpPort}`],
      { encoding: "utf8" },
    );
    assert.match(table, /^Node\s+Address\s+Status\s+Type\s+Build\s+Protocol\s+DC/m);
    assert.match(table, /^n2\.dc2\s+127\.0\.0\.1:\d+\s+alive\s+server\s+\S+\s+2\s+dc2/m);

    first.child.kill("SIGKILL");
    await first.exited;
    await eventually(
      "n2.dc2 to be failed (4) in dc1's view",
      async () => (await wanStatus(dc1.api, "n2.dc2")) === 4,
    );
    const forwarded = await fetch(`${dc1.api}/catalog/services?dc=dc2`);
    assert.equal(forwarded.status, 500);
    assert.equal(await forwarded.text(), "Remote DC has no server currently reachable");

    start();
    await eventually(
      "n2.dc2 to be alive again",
      async () => (await wanStatus(dc1.api, "n2.dc2")) === 1,
    );
    await eventually("forwarding to dc2 to work again", async () => {
      const response = await fetch(`${dc1.api}/catalog/services?dc=dc2`);
      await response.body?.cancel();
      return response.ok;
    });
  });
});
