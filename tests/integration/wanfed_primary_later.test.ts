/**
 * A secondary started before the primary's mesh gateways exist: it waits, unfederated, and
 * federates on its own once the gateways start listening on the addresses in its
 * `primary_gateways` — no restart of any server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import { freePort } from "../e2e/_agent_process.ts";
import {
  aliveWanMembers,
  type DcServer,
  eventually,
  Federation,
  federationStateGateways,
  forwardingWorks,
  wanfedConfig,
} from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
/** How long the secondary is watched staying alone; several join and bootstrap retries fit. */
const ALONE_OBSERVATION_MS = 2_000;
const ALONE_POLL_MS = 250;

let dc1: DcServer, dc2: DcServer;
let primaryGatewayPorts: number[];

before(async () => {
  primaryGatewayPorts = [await freePort(), await freePort()];
  dc1 = await federation.addServer("dc1", "n1", { extra: wanfedConfig() });
  dc2 = await federation.addServer("dc2", "n2", {
    extra: wanfedConfig(primaryGatewayPorts.map((port) => `127.0.0.1:${port}`)),
  });
  await federation.start(dc1);
  await federation.start(dc2);
});
after(() => federation.close());

describe("a secondary started before the primary's gateways exist", () => {
  test("stays alone in the WAN pool and cannot reach the primary", async () => {
    const deadline = Date.now() + ALONE_OBSERVATION_MS;
    while (Date.now() < deadline) {
      assert.deepEqual(await aliveWanMembers(dc2), ["n2.dc2"], "dc2 sees only itself");
      assert.deepEqual(await aliveWanMembers(dc1), ["n1.dc1"], "dc1 sees only itself");
      await new Promise((resolve) => setTimeout(resolve, ALONE_POLL_MS));
    }
    const response = await fetch(`${dc2.api}/catalog/services?dc=dc1`);
    assert.equal(response.status, 500);
    assert.equal(await response.text(), "No path to datacenter");
  });

  test("federates once the gateways listen, without restarting a server", async () => {
    for (const port of primaryGatewayPorts) await federation.startGateway(dc1, { port });
    const secondaryGateway = await federation.startGateway(dc2);
    for (const server of [dc1, dc2]) {
      await eventually(
        `${server.dc} to see both servers alive in the WAN pool`,
        async () =>
          JSON.stringify(await aliveWanMembers(server)) === JSON.stringify(["n1.dc1", "n2.dc2"]),
      );
    }
    await eventually("dc2 -> dc1 forwarding", () => forwardingWorks(dc2, dc1));
    await eventually("dc1 -> dc2 forwarding", () => forwardingWorks(dc1, dc2));
    const put = await fetch(`${dc2.api}/kv/late?dc=dc1`, { method: "PUT", body: "dc2" });
    assert.equal(await put.text(), "true");
    const expected = {
      dc1: [...primaryGatewayPorts].sort(),
      dc2: [secondaryGateway.addrs[0].port],
    };
    await eventually(
      "dc2's federation states to list both datacenters' gateways",
      async () => JSON.stringify(await federationStateGateways(dc2)) === JSON.stringify(expected),
    );
  });
});
