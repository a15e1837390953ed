/**
 * Three datacenters federated only through mesh gateways, in one process: dc1 is the primary,
 * dc2 and dc3 know nothing but `primary_gateways`, and no server is given another's address
 * (no `retry_join_wan`).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { MeshGateway } from "../../src/gateway/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import {
  aliveWanMembers,
  type DcServer,
  eventually,
  Federation,
  federationStateGateways,
  forwardingWorks,
  gatewayAddr,
  getJson,
  routedBytes,
  routedConnections,
  wanfedConfig,
} from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
const ALL_SERVERS = ["n1.dc1", "n2.dc2", "n3.dc3"];
/** Bigger than any gossip chatter in the same second, so its path shows in byte counters. */
const LARGE_VALUE_BYTES = 200_000;

let dc1: DcServer, dc2: DcServer, dc3: DcServer;
const gateways = new Map<DcServer, MeshGateway[]>();

function bytesOf(dc: DcServer, route: string): number {
  return gateways.get(dc)!.reduce((sum, gateway) => sum + routedBytes(gateway, route), 0);
}

function connectionsOf(dc: DcServer, route: string): number {
  return gateways.get(dc)!.reduce((sum, gateway) => sum + routedConnections(gateway, route), 0);
}

function totalBytesOf(dc: DcServer): number {
  return gateways.get(dc)!.reduce((sum, gateway) => {
    const totals = gateway.counters.snapshot().totals;
    return sum + totals.bytesIn + totals.bytesOut;
  }, 0);
}

/** The ports each datacenter's gateways listen on, as federation states list them. */
function expectedGatewayPorts(): Record<string, number[]> {
  const result: Record<string, number[]> = {};
  for (const [dc, list] of gateways) result[dc.dc] = list.map((g) => g.addrs[0].port).sort();
  return result;
}

before(async () => {
  dc1 = await federation.addServer("dc1", "n1", { extra: wanfedConfig() });
  await federation.start(dc1);
  gateways.set(dc1, [await federation.startGateway(dc1), await federation.startGateway(dc1)]);
  const primaryGateways = gateways.get(dc1)!.map(gatewayAddr);
  dc2 = await federation.addServer("dc2", "n2", { extra: wanfedConfig(primaryGateways) });
  dc3 = await federation.addServer("dc3", "n3", { extra: wanfedConfig(primaryGateways) });
  await federation.start(dc2);
  gateways.set(dc2, [await federation.startGateway(dc2)]);
  await federation.start(dc3);
  gateways.set(dc3, [await federation.startGateway(dc3), await federation.startGateway(dc3)]);
  for (const server of [dc1, dc2, dc3]) {
    await eventually(
      `${server.dc} to see all three servers alive in the WAN pool`,
      async () => JSON.stringify(await aliveWanMembers(server)) === JSON.stringify(ALL_SERVERS),
      90_000,
    );
  }
});
after(() => federation.close());

describe("three datacenters federated through mesh gateways only", () => {
  test("every server lists the three servers alive without any retry_join_wan", async () => {
    for (const server of [dc1, dc2, dc3]) {
      await eventually(
        `${server.dc}'s WAN view to hold all three servers alive`,
        async () => JSON.stringify(await aliveWanMembers(server)) === JSON.stringify(ALL_SERVERS),
      );
    }
    const { body } = await getJson<string[]>(`${dc3.api}/catalog/datacenters`);
    assert.deepEqual([...body].sort(), ["dc1", "dc2", "dc3"]);
  });

  test("catalog reads and KV writes are forwarded in all six directions", async () => {
    for (const from of [dc1, dc2, dc3]) {
      for (const to of [dc1, dc2, dc3]) {
        if (from === to) continue;
        await eventually(`${from.dc} -> ${to.dc} catalog read`, () => forwardingWorks(from, to));
        const key = `wanfed-from-${from.dc}`;
        const put = await fetch(`${from.api}/kv/${key}?dc=${to.dc}`, {
          method: "PUT",
          body: from.dc,
        });
        assert.equal(await put.text(), "true", `${from.dc} -> ${to.dc} KV write`);
        const local = await fetch(`${to.api}/kv/${key}?raw`);
        assert.equal(await local.text(), from.dc, `the write landed in ${to.dc} itself`);
      }
    }
  });

  test("every datacenter's federation states list every datacenter's gateways", async () => {
    const expected = expectedGatewayPorts();
    for (const server of [dc1, dc2, dc3]) {
      let seen: Record<string, number[]> = {};
      await eventually(
        `${server.dc}'s federation states to list ${JSON.stringify(expected)}`,
        async () => {
          seen = await federationStateGateways(server);
          return JSON.stringify(seen) === JSON.stringify(expected);
        },
      ).catch((error) => {
        throw new Error(`${error.message}; last seen ${JSON.stringify(seen)}`);
      });
    }
    const { body } = await getJson<Record<string, unknown[]>>(
      `${dc2.api}/internal/federation-states/mesh-gateways`,
    );
    assert.deepEqual(Object.keys(body).sort(), ["dc1", "dc2", "dc3"]);
  });

  test("cross-DC traffic leaves through the sender's gateways and arrives through the receiver's", () => {
    for (const from of [dc1, dc2, dc3]) {
      for (const to of [dc1, dc2, dc3]) {
        // A secondary's first dials to the primary go straight to the primary's gateways
        // (primary_gateways bootstrap) and pooled connections keep that path, so for those
        // pairs only the arrival below is certain.
        if (from === to || (to === dc1 && from !== dc1)) continue;
        assert.ok(
          connectionsOf(from, `remote-dc:${to.dc}`) > 0,
          `${from.dc}'s gateways routed connections to ${to.dc}`,
        );
      }
      const arrived = connectionsOf(from, `local-server:${from.node}`) +
        connectionsOf(from, "any-local-server");
      assert.ok(arrived > 0, `${from.dc}'s gateways delivered connections to its own server`);
    }
  });

  test("dc2 and dc3 reach each other through their own gateways, not the primary's", async () => {
    const value = new Uint8Array(LARGE_VALUE_BYTES).map((_, i) => 65 + (i % 26));
    for (const [from, to] of [[dc2, dc3], [dc3, dc2]]) {
      const before = {
        sender: bytesOf(from, `remote-dc:${to.dc}`),
        receiver: bytesOf(to, `local-server:${to.node}`) + bytesOf(to, "any-local-server"),
        primary: totalBytesOf(dc1),
      };
      const put = await fetch(`${from.api}/kv/large-from-${from.dc}?dc=${to.dc}`, {
        method: "PUT",
        body: value,
      });
      assert.equal(await put.text(), "true", `${from.dc} -> ${to.dc} large KV write`);
      const sent = bytesOf(from, `remote-dc:${to.dc}`) - before.sender;
      const received = bytesOf(to, `local-server:${to.node}`) +
        bytesOf(to, "any-local-server") - before.receiver;
      const viaPrimary = totalBytesOf(dc1) - before.primary;
      assert.ok(sent >= LARGE_VALUE_BYTES, `${from.dc}'s gateway carried it (${sent} bytes)`);
      assert.ok(received >= LARGE_VALUE_BYTES, `${to.dc}'s gateway delivered it (${received})`);
      assert.ok(
        viaPrimary < LARGE_VALUE_BYTES,
        `the primary's gateways did not carry it (${viaPrimary} bytes in the meantime)`,
      );
    }
  });

  test("dc2 and dc3 keep forwarding to each other while the primary's gateways are down", async () => {
    for (const gateway of gateways.get(dc1)!) await gateway.stop({ graceMs: 200 });
    await eventually("dc2 to no longer reach dc1", async () => !(await forwardingWorks(dc2, dc1)));
    assert.ok(await forwardingWorks(dc2, dc3), "dc2 -> dc3 still works");
    assert.ok(await forwardingWorks(dc3, dc2), "dc3 -> dc2 still works");
    const put = await fetch(`${dc3.api}/kv/while-primary-down?dc=dc2`, {
      method: "PUT",
      body: "yes",
    });
    assert.equal(await put.text(), "true");
  });
});
