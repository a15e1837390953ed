import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FederationStateAntiEntropy,
  FederationStateReplicator,
  GatewayLocator,
  refreshPrimaryGateways,
} from "../../src/federation/mod.ts";
import { type TestDc, waitFor, World } from "./_harness.ts";

/** One datacenter's leader duties and its locator, running. */
function startLeader(dc: TestDc, stop: AbortSignal) {
  const locator = new GatewayLocator({
    store: dc.store,
    clock: dc.world.clock,
    random: dc.world.random,
    datacenter: dc.name,
    primaryDatacenter: dc.world.primary,
  });
  const common = {
    store: dc.store,
    clock: dc.world.clock,
    datacenter: dc.name,
    primaryDatacenter: dc.world.primary,
    apply: dc.apply.bind(dc),
    callPrimary: dc.callPrimary,
  };
  const loops = [
    locator.run(stop),
    new FederationStateAntiEntropy(common).run(stop),
    new FederationStateReplicator({ ...common, health: locator }).run(stop),
  ];
  return { locator, loops };
}

function gatewayNames(dc: TestDc, of: string): string[] {
  const state = dc.store.federationStates.get(of).value;
  return (state?.MeshGateways ?? []).map((gateway: any) => gateway.Node.Node).sort();
}

describe("three datacenters federating in one process", () => {
  test("every DC learns every DC's gateways through the primary and dials through its own", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    const dc3 = world.add("dc3");
    await dc1.registerGateway({ node: "gw1", address: "10.0.0.5", wan: "198.18.1.1:443" });
    await dc2.registerGateway({ node: "gw2", address: "10.0.0.5", wan: "198.18.2.1:443" });
    await dc3.registerGateway({ node: "gw3", address: "10.0.0.5", wan: "198.18.3.1:443" });
    const stop = new AbortController();
    const leaders = new Map([dc1, dc2, dc3].map((dc) => [dc.name, startLeader(dc, stop.signal)]));
    const l2 = leaders.get("dc2")!.locator;
    await refreshPrimaryGateways(l2, {
      entries: ["198.18.1.1:443"],
      clock: world.clock,
      signal: stop.signal,
    });
    assert.equal(l2.pickGateway("dc1"), "198.18.1.1:443", "bootstrap through the fallback");

    await world.clock.advanceSettled(10_000);
    for (const dc of [dc1, dc2, dc3]) {
      await waitFor(
        () => ["dc1", "dc2", "dc3"].every((of) => gatewayNames(dc, of).length === 1),
        `${dc.name} to hold every DC's state`,
      );
    }
    // Same LAN subnet in every DC: each dials its own gateway, never a remote LAN address.
    for (const name of ["dc2", "dc3"]) {
      const locator = leaders.get(name)!.locator;
      assert.equal(locator.pickGateway("dc1"), "10.0.0.5:8443");
      assert.equal(locator.pickGateway(name === "dc2" ? "dc3" : "dc2"), "10.0.0.5:8443");
      assert.equal(locator.isPrimaryGatewaysReady, true);
    }
    assert.equal(leaders.get("dc1")!.locator.pickGateway("dc1"), "198.18.1.1:443");

    // A gateway added in dc2 reaches dc3 through dc1.
    await dc2.registerGateway({ node: "gw2b", address: "10.0.0.6", wan: "198.18.2.2:443" });
    await world.clock.advanceSettled(10_000);
    await waitFor(() => gatewayNames(dc3, "dc2").length === 2, "dc3 to see dc2's new gateway");
    assert.deepEqual(gatewayNames(dc3, "dc2"), ["gw2", "gw2b"]);

    // dc2 loses its path to dc1: after 3 failed rounds its leader dials dc1's gateways directly,
    // the replicated ones (gw1b still arrives on the long poll already open) and the fallback.
    world.unreachable.add("dc1");
    await dc1.registerGateway({ node: "gw1b", address: "10.0.0.7", wan: "198.18.1.2:443" });
    await world.clock.advanceSettled(1_000 + 2_000 + 4_000);
    assert.equal(l2.dialPrimaryThroughLocalGateway(), false);
    assert.deepEqual(l2.listGateways(true), ["198.18.1.1:443", "198.18.1.1:443", "198.18.1.2:443"]);
    world.unreachable.delete("dc1");
    // The next round is a long poll: it reports success when it answers, at the latest when
    // the blocking query times out (5 min plus jitter) with nothing new.
    await world.clock.advanceSettled(6 * 60_000);
    await waitFor(() => l2.dialPrimaryThroughLocalGateway(), "dc2 to dial through dc2's gateways");
    assert.deepEqual(l2.listGateways(true), ["10.0.0.5:8443", "10.0.0.6:8443"]);

    stop.abort();
    await Promise.all([...leaders.values()].flatMap((leader) => leader.loops));
  });
});
