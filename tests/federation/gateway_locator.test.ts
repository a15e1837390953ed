import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  gatewayAddress,
  GatewayLocator,
  type GatewayLocatorOptions,
  isSameFederationState,
  LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY,
  renderCriticalGatewayAddrs,
  renderGatewayAddrs,
} from "../../src/federation/mod.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import { FakeClock, gatewayDoc, settle, waitFor, World } from "./_harness.ts";

type LogLine = [string, string, Record<string, unknown> | undefined];

/** dc1 is primary with two usable gateways; dc2 has one usable gateway. */
async function seed(world: World, where: string) {
  const dc = world.dcs.get(where)!;
  await dc.putState("dc1", [
    gatewayDoc({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" }),
    gatewayDoc({ node: "gw2", address: "10.0.1.2", wan: "198.18.1.2:443" }),
    // Not for servers: no wanfed meta.
    gatewayDoc({ node: "gw3", address: "10.0.1.3", wan: "198.18.1.3:443", wanFederation: false }),
    // Unhealthy.
    gatewayDoc({ node: "gw4", address: "10.0.1.4", wan: "198.18.1.4:443", status: "critical" }),
  ]);
  await dc.putState("dc2", [
    gatewayDoc({ node: "gw5", address: "10.0.2.1", wan: "198.18.2.1:443" }),
  ]);
}

function locatorIn(world: World, datacenter: string, log: LogLine[] = []) {
  const options: GatewayLocatorOptions = {
    store: world.dcs.get(datacenter)!.store,
    clock: world.clock,
    random: world.random,
    datacenter,
    primaryDatacenter: "dc1",
    log: (level, message, fields) => log.push([level, message, fields]),
  };
  return new GatewayLocator(options);
}

const PRIMARY_WAN = ["198.18.1.1:443", "198.18.1.2:443"];
const SECONDARY_LAN = ["10.0.2.1:8443"];
const FALLBACK = ["203.0.113.1:8443", "203.0.113.2:8443"];

describe("GatewayLocator (Consul's TestGatewayLocator scenarios)", () => {
  for (const role of ["leader", "follower"] as const) {
    test(`${role}: primary and secondary with no data pick nothing`, () => {
      const world = new World("dc1");
      world.add("dc1");
      world.add("dc2");
      for (const dc of ["dc1", "dc2"]) {
        const locator = locatorIn(world, dc);
        if (role === "leader" && dc === "dc2") locator.setUseReplicationSignal(true);
        assert.equal(locator.pickGateway("dc1"), "", "nothing before the first read");
        locator.refreshFromStore();
        assert.deepEqual(locator.listGateways(true), []);
        assert.deepEqual(locator.listGateways(false), []);
        assert.equal(locator.pickGateway("dc1"), "");
        assert.equal(locator.pickGateway("dc3"), "");
      }
    });

    test(`${role}: secondary with only fallback returns it for the primary after the first read`, () => {
      const world = new World("dc1");
      world.add("dc2");
      const locator = locatorIn(world, "dc2");
      if (role === "leader") locator.setUseReplicationSignal(true);
      locator.refreshPrimaryGatewayFallbackAddresses([FALLBACK[1], FALLBACK[0]]);
      assert.deepEqual(locator.listGateways(true), [], "nothing before the first read");
      locator.refreshFromStore();
      assert.deepEqual(locator.listGateways(true), FALLBACK);
      assert.deepEqual(locator.listGateways(false), []);
      assert.ok(FALLBACK.includes(locator.pickGateway("dc1")));
      assert.equal(locator.pickGateway("dc3"), "", "other DCs only ever go through local gateways");
    });
  }

  test("with data: the primary uses its own WAN list; a secondary reaches it through its local gateways", async () => {
    const world = new World("dc1");
    world.add("dc1");
    world.add("dc2");
    await seed(world, "dc1");
    await seed(world, "dc2");
    const primary = locatorIn(world, "dc1");
    primary.refreshFromStore();
    assert.deepEqual(primary.listGateways(true), PRIMARY_WAN);
    assert.ok(PRIMARY_WAN.includes(primary.pickGateway("dc1")));
    const secondary = locatorIn(world, "dc2");
    secondary.refreshFromStore();
    assert.deepEqual(secondary.listGateways(true), SECONDARY_LAN);
    assert.equal(secondary.pickGateway("dc1"), "10.0.2.1:8443");
    assert.equal(secondary.pickGateway("dc3"), "10.0.2.1:8443");
  });

  test("leader with data and fallback while replication succeeds dials through local gateways", async () => {
    const world = new World("dc1");
    world.add("dc2");
    await seed(world, "dc2");
    const locator = locatorIn(world, "dc2");
    locator.setUseReplicationSignal(true);
    locator.refreshPrimaryGatewayFallbackAddresses(FALLBACK);
    locator.refreshFromStore();
    locator.setLastReplicationError(null, true);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true);
    assert.deepEqual(locator.listGateways(true), SECONDARY_LAN);
  });

  test("leader after two replication failures still dials through local gateways", async () => {
    const world = new World("dc1");
    world.add("dc2");
    await seed(world, "dc2");
    const locator = locatorIn(world, "dc2");
    locator.setUseReplicationSignal(true);
    locator.refreshPrimaryGatewayFallbackAddresses(FALLBACK);
    locator.refreshFromStore();
    for (let i = 0; i < LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY - 1; i++) {
      locator.setLastReplicationError(new Error("replication failed"), true);
    }
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true);
    assert.deepEqual(locator.listGateways(true), SECONDARY_LAN);
  });

  test("leader after three failures dials the union of primary WAN gateways and fallback, then recovers", async () => {
    const world = new World("dc1");
    world.add("dc2");
    await seed(world, "dc2");
    const log: LogLine[] = [];
    const locator = locatorIn(world, "dc2", log);
    locator.setUseReplicationSignal(true);
    locator.refreshPrimaryGatewayFallbackAddresses(FALLBACK);
    locator.refreshFromStore();
    for (let i = 0; i < 3; i++) locator.setLastReplicationError(new Error("no route"), true);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), false);
    const union = [...PRIMARY_WAN, ...FALLBACK].sort();
    assert.deepEqual(locator.listGateways(true), union);
    assert.ok(union.includes(locator.pickGateway("dc1")));
    assert.deepEqual(locator.listGateways(false), SECONDARY_LAN, "other DCs stay local");
    assert.ok(
      log.some(([, message]) =>
        message === "will dial the primary datacenter through its mesh gateways"
      ),
    );

    locator.setLastReplicationError(null, true);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true);
    assert.deepEqual(locator.listGateways(true), SECONDARY_LAN);
    assert.equal(
      log.at(-1)?.[1],
      "will dial the primary datacenter using our local mesh gateways if possible",
    );
  });

  test("a follower ignores replication failures (it never replicates)", async () => {
    const world = new World("dc1");
    world.add("dc2");
    await seed(world, "dc2");
    const locator = locatorIn(world, "dc2");
    locator.refreshFromStore();
    for (let i = 0; i < 5; i++) locator.setLastReplicationError(new Error("x"), false);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true);
    assert.deepEqual(locator.listGateways(true), SECONDARY_LAN);
  });

  test("a secondary without local gateways dials the primary's replicated WAN gateways", async () => {
    const world = new World("dc1");
    const dc2 = world.add("dc2");
    await dc2.putState("dc1", [
      gatewayDoc({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" }),
    ]);
    const locator = locatorIn(world, "dc2");
    locator.refreshFromStore();
    assert.equal(locator.pickGateway("dc1"), "198.18.1.1:443");
    assert.equal(locator.pickGateway("dc3"), "");
  });

  test("the feature callback fires only when federation states exist", async () => {
    const world = new World("dc1");
    const dc2 = world.add("dc2");
    let found = 0;
    const locator = new GatewayLocator({
      store: dc2.store,
      clock: world.clock,
      random: world.random,
      datacenter: "dc2",
      primaryDatacenter: "dc1",
      onFederationStatesFound: () => found++,
    });
    locator.refreshFromStore();
    assert.equal(found, 0);
    await dc2.putState("dc2", []);
    locator.refreshFromStore();
    assert.equal(found, 1);
  });

  test("picks are uniform over the candidates through the Random port", async () => {
    const world = new World("dc1");
    world.add("dc1");
    await seed(world, "dc1");
    const locator = new GatewayLocator({
      store: world.dcs.get("dc1")!.store,
      clock: new FakeClock(),
      random: createSeededRandom(3),
      datacenter: "dc1",
      primaryDatacenter: "dc1",
    });
    locator.refreshFromStore();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const pick = locator.pickGateway("dc1");
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), PRIMARY_WAN);
    for (const count of counts.values()) assert.ok(count > 850 && count < 1150, `${count}`);
  });
});

describe("GatewayLocator last-resort gateways", () => {
  /** dc1: gw1 usable, gw4 critical; dc2: gw5 usable, gw6 critical. */
  async function seedWithCritical(world: World, where: string) {
    await seed(world, where);
    await world.dcs.get(where)!.putState("dc2", [
      gatewayDoc({ node: "gw5", address: "10.0.2.1", wan: "198.18.2.1:443" }),
      gatewayDoc({ node: "gw6", address: "10.0.2.6", wan: "198.18.2.6:443", status: "critical" }),
    ]);
  }

  test("follow the path pickGateway uses: local gateways, or the primary's once dialing directly", async () => {
    const world = new World("dc1");
    world.add("dc2");
    await seedWithCritical(world, "dc2");
    const locator = locatorIn(world, "dc2");
    assert.deepEqual(locator.lastResortGateways("dc1"), [], "nothing before the first read");
    locator.setUseReplicationSignal(true);
    locator.refreshPrimaryGatewayFallbackAddresses(FALLBACK);
    locator.refreshFromStore();
    assert.deepEqual(locator.lastResortGateways("dc1"), ["10.0.2.6:8443"]);
    assert.deepEqual(locator.lastResortGateways("dc3"), ["10.0.2.6:8443"]);
    assert.ok(!locator.listGateways(true).includes("10.0.2.6:8443"), "never a first choice");

    for (let i = 0; i < LOCAL_REPLICATION_FAILURES_BEFORE_DIALING_DIRECTLY; i++) {
      locator.setLastReplicationError(new Error("no route"), true);
    }
    assert.deepEqual(locator.lastResortGateways("dc1"), ["198.18.1.4:443"]);
    assert.deepEqual(locator.lastResortGateways("dc3"), ["10.0.2.6:8443"], "others stay local");
    assert.ok(!locator.listGateways(true).includes("198.18.1.4:443"), "never a first choice");
  });

  test("in the primary: its own critical WAN gateways for itself, LAN ones for others", async () => {
    const world = new World("dc1");
    world.add("dc1");
    await seedWithCritical(world, "dc1");
    const locator = locatorIn(world, "dc1");
    locator.refreshFromStore();
    assert.deepEqual(locator.lastResortGateways("dc1"), ["198.18.1.4:443"]);
    assert.deepEqual(locator.lastResortGateways("dc2"), ["10.0.1.4:8443"]);
  });
});

describe("GatewayLocator.run", () => {
  test("follows the local replica and logs new cached locations; primaryGatewaysReady resolves", async () => {
    const world = new World("dc1");
    const dc2 = world.add("dc2");
    const log: LogLine[] = [];
    const locator = locatorIn(world, "dc2", log);
    const stop = new AbortController();
    const running = locator.run(stop.signal);
    await settle();
    assert.equal(locator.isPrimaryGatewaysReady, false);
    assert.deepEqual(locator.listGateways(true), [], "read, and empty");

    await dc2.putState("dc1", [
      gatewayDoc({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" }),
    ]);
    await locator.primaryGatewaysReady;
    assert.equal(locator.pickGateway("dc1"), "198.18.1.1:443");
    const line = log.find(([, message]) => message === "new cached locations of mesh gateways");
    assert.deepEqual(line?.[2], { primary: ["198.18.1.1:443"], local: [] });

    await dc2.putState("dc2", [gatewayDoc({ node: "gw5", address: "10.0.2.1" })]);
    await world.clock.advanceSettled(5_000);
    await waitFor(() => locator.pickGateway("dc1") === "10.0.2.1:8443", "local gateway in use");
    stop.abort();
    await running;
  });

  test("waits without reading while local state is not ready", async () => {
    const world = new World("dc1");
    const dc2 = world.add("dc2");
    await seed(world, "dc2");
    let ready = false;
    const locator = new GatewayLocator({
      store: dc2.store,
      clock: world.clock,
      random: world.random,
      datacenter: "dc2",
      primaryDatacenter: "dc1",
      localStateReady: () => ready,
    });
    const stop = new AbortController();
    const running = locator.run(stop.signal);
    await world.clock.advanceSettled(30_000);
    assert.deepEqual(locator.listGateways(false), []);
    ready = true;
    await world.clock.advanceSettled(5_000);
    assert.deepEqual(locator.listGateways(false), SECONDARY_LAN);
    stop.abort();
    await running;
  });
});

describe("gateway addresses", () => {
  test("WAN prefers the service wan address, then service, node wan, node address", () => {
    const withAll = gatewayDoc({
      node: "a",
      address: "10.0.0.1",
      wan: "1.1.1.1:9",
      nodeWan: "2.2.2.2",
    });
    assert.equal(gatewayAddress(withAll as never, true), "1.1.1.1:9");
    assert.equal(gatewayAddress(withAll as never, false), "10.0.0.1:8443");
    const nodeOnly = {
      Node: { Address: "10.0.0.9", TaggedAddresses: { wan: "2.2.2.2" } },
      Service: { Port: 7000 },
    };
    assert.equal(gatewayAddress(nodeOnly, true), "2.2.2.2:7000");
    assert.equal(gatewayAddress(nodeOnly, false), "10.0.0.9:7000");
    assert.equal(
      gatewayAddress({ Node: { Address: "::1" }, Service: { Port: 1 } }, false),
      "[::1]:1",
    );
    assert.equal(gatewayAddress({ Node: {}, Service: { Port: 1 } }, false), null);
  });

  test("a critical check moves a gateway from the usable list to the last-resort list", () => {
    const gateways = [
      gatewayDoc({ node: "up", address: "10.0.0.1" }),
      gatewayDoc({ node: "down", address: "10.0.0.2", status: "critical" }),
      // Same address as a usable gateway: already tried as usable.
      gatewayDoc({ node: "stale", address: "10.0.0.1", status: "critical" }),
      gatewayDoc({ node: "other", address: "10.0.0.3", status: "critical", wanFederation: false }),
    ] as never[];
    assert.deepEqual(renderGatewayAddrs(gateways, false), ["10.0.0.1:8443"]);
    assert.deepEqual(renderCriticalGatewayAddrs(gateways, false), ["10.0.0.2:8443"]);
  });

  test("IsSame ignores Raft indexes and UpdatedAt but not health", () => {
    const a = { Datacenter: "dc1", MeshGateways: [gatewayDoc({ node: "g", address: "10.0.0.1" })] };
    const withIndexes = structuredClone(a) as any;
    withIndexes.MeshGateways[0].Node.ModifyIndex = 99;
    withIndexes.MeshGateways[0].Checks[0].CreateIndex = 5;
    withIndexes.UpdatedAt = "2030-01-01T00:00:00Z";
    assert.equal(isSameFederationState(a, withIndexes), true);
    const unhealthy = structuredClone(a) as any;
    unhealthy.MeshGateways[0].Checks[0].Status = "critical";
    assert.equal(isSameFederationState(a, unhealthy), false);
    assert.equal(isSameFederationState(a, { Datacenter: "dc1", MeshGateways: [] }), false);
    assert.equal(isSameFederationState(a, { ...a, Datacenter: "dc2" }), false);
  });
});
