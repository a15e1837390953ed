import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  diffFederationStates,
  FEDERATION_STATE_PRUNE_INTERVAL_MS,
  FederationStatePruner,
  FederationStateReplicator,
  GatewayLocator,
} from "../../src/federation/mod.ts";
import type { FederationStateRow } from "../../src/state/mod.ts";
import { gatewayDoc, type TestDc, waitFor, World } from "./_harness.ts";

type LogLine = [string, string, Record<string, unknown> | undefined];

function replicatorIn(dc: TestDc, extra: { locator?: GatewayLocator; log?: LogLine[] } = {}) {
  return new FederationStateReplicator({
    store: dc.store,
    clock: dc.world.clock,
    datacenter: dc.name,
    primaryDatacenter: dc.world.primary,
    apply: (command) => dc.apply(command),
    callPrimary: dc.callPrimary,
    replicationToken: () => "replication-secret",
    health: extra.locator,
    log: (level, message, fields) => extra.log?.push([level, message, fields]),
  });
}

function row(datacenter: string, modifyIndex: number): FederationStateRow {
  return {
    Datacenter: datacenter,
    MeshGateways: [],
    UpdatedAt: "2024-01-01T00:00:00Z",
    PrimaryModifyIndex: modifyIndex,
    CreateIndex: 1,
    ModifyIndex: modifyIndex,
  };
}

function sameAsPrimary(primary: TestDc, replica: TestDc): boolean {
  const strip = (dc: TestDc) =>
    dc.store.federationStates.list().value.map((state) => ({
      Datacenter: state.Datacenter,
      MeshGateways: state.MeshGateways,
      UpdatedAt: state.UpdatedAt,
      PrimaryModifyIndex: state.PrimaryModifyIndex,
    }));
  return JSON.stringify(strip(primary)) === JSON.stringify(strip(replica));
}

describe("federation state replication", () => {
  test("copies the primary's list, then follows its updates and deletes", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc1.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    await dc1.putState("dc2", [gatewayDoc({ node: "gw5", address: "10.0.2.1" })]);
    await dc1.putState("dc3", [gatewayDoc({ node: "gw9", address: "10.0.3.1" })]);
    await dc2.putState("dc4", []); // only local: must go
    const replicator = replicatorIn(dc2);
    const stop = new AbortController();
    const running = replicator.run(stop.signal);
    await waitFor(() => sameAsPrimary(dc1, dc2), "the first copy");
    const copied = dc2.store.federationStates.get("dc3").value!;
    assert.equal(
      copied.PrimaryModifyIndex,
      dc1.store.federationStates.get("dc3").value!.ModifyIndex,
    );
    assert.deepEqual(dc2.stateNames(), ["dc1", "dc2", "dc3"]);
    const listBody = world.bodies[0] as Record<string, unknown>;
    assert.deepEqual(
      [listBody.Datacenter, listBody.AllowStale, listBody.MinQueryIndex, listBody.Token],
      ["dc1", true, 0, "replication-secret"],
    );

    await dc1.apply({ type: "federationState.delete", datacenter: "dc3" });
    await world.clock.advanceSettled(1_000);
    await waitFor(() => dc2.stateNames().join() === "dc1,dc2", "the delete to replicate");

    await dc1.putState("dc2", [
      gatewayDoc({ node: "gw5", address: "10.0.2.1" }),
      gatewayDoc({ node: "gw6", address: "10.0.2.2" }),
    ]);
    await world.clock.advanceSettled(1_000);
    await waitFor(() => sameAsPrimary(dc1, dc2), "the update to replicate");
    assert.equal(replicator.lastRemoteIndex, dc1.store.tableIndex("federation-states"));
    stop.abort();
    await running;
  });

  test("unchanged records are not rewritten", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc1.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    await dc1.putState("dc2", []);
    const replicator = replicatorIn(dc2);
    const stop = new AbortController();
    const running = replicator.run(stop.signal);
    await waitFor(() => sameAsPrimary(dc1, dc2), "the first copy");
    const writes = () => dc2.applied.length;
    const before = writes();
    await dc1.putState("dc2", [gatewayDoc({ node: "gw5", address: "10.0.2.1" })]);
    await world.clock.advanceSettled(1_000);
    await waitFor(() => sameAsPrimary(dc1, dc2), "the update");
    assert.equal(writes(), before + 1, "only dc2's record was written");
    stop.abort();
    await running;
  });

  test("reports every round to the locator: 3 failures bypass local gateways, a success restores them", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc1.putState("dc1", [
      gatewayDoc({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" }),
    ]);
    await dc2.putState("dc2", [gatewayDoc({ node: "gw5", address: "10.0.2.1" })]);
    const locator = new GatewayLocator({
      store: dc2.store,
      clock: world.clock,
      random: world.random,
      datacenter: "dc2",
      primaryDatacenter: "dc1",
    });
    locator.refreshPrimaryGatewayFallbackAddresses(["203.0.113.1:8443"]);
    locator.refreshFromStore();
    world.unreachable.add("dc1");
    const log: LogLine[] = [];
    const replicator = replicatorIn(dc2, { locator, log });
    const stop = new AbortController();
    const running = replicator.run(stop.signal);
    await world.clock.advanceSettled(0);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true, "one failure");
    await world.clock.advanceSettled(1_000);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true, "two failures");
    await world.clock.advanceSettled(2_000);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), false, "three failures");
    assert.deepEqual(
      locator.listGateways(true),
      ["203.0.113.1:8443"],
      "fallback only: dc1 not replicated yet",
    );
    assert.match(
      String(log.find(([level]) => level === "warn")?.[2]?.error),
      /failed to retrieve federation states/,
    );

    world.unreachable.delete("dc1");
    await world.clock.advanceSettled(4_000);
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true);
    assert.deepEqual(locator.listGateways(true), ["10.0.2.1:8443"]);
    stop.abort();
    await running;
    assert.equal(locator.dialPrimaryThroughLocalGateway(), true, "followers trust local gateways");
  });

  test("a primary whose index went backwards gets a full comparison", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc1.putState("dc1", []);
    const replicator = replicatorIn(dc2);
    const signal = new AbortController().signal;
    const index = await replicator.replicateOnce(1_000, signal);
    assert.equal(index, dc1.store.tableIndex("federation-states"));
    assert.deepEqual(dc2.stateNames(), ["dc1"], "copied although its index is below 1000");
  });

  test("refuses a malformed reply from the primary", async () => {
    const world = new World("dc1");
    const dc2 = world.add("dc2");
    const replicator = new FederationStateReplicator({
      store: dc2.store,
      clock: world.clock,
      datacenter: "dc2",
      primaryDatacenter: "dc1",
      apply: (command) => dc2.apply(command),
      callPrimary: () => Promise.resolve({ States: [{ MeshGateways: [] }], Index: 3 }),
    });
    await assert.rejects(
      replicator.replicateOnce(0, new AbortController().signal),
      /without a Datacenter name or ModifyIndex/,
    );
    assert.deepEqual(dc2.stateNames(), []);
  });

  test("does not run in the primary", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    await replicatorIn(dc1).run(new AbortController().signal);
    assert.deepEqual(world.calls, []);
  });

  test("diff: remote-only and newer records update, local-only records delete", () => {
    const local = [row("dc1", 5), row("dc2", 5), row("DC4", 2)];
    const remote = [row("dc1", 5), row("dc2", 9), row("dc3", 3)];
    const diff = diffFederationStates(local, remote, 6);
    assert.deepEqual(diff.updates.map((state) => state.Datacenter), ["dc2", "dc3"]);
    assert.deepEqual(diff.deletions, ["DC4"]);
    assert.deepEqual(
      diffFederationStates(local, remote, 0).updates.map((state) => state.Datacenter),
      ["dc1", "dc2", "dc3"],
    );
  });
});

describe("federation state pruning", () => {
  test("removes the states of datacenters the WAN no longer knows, once an hour", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    for (const name of ["dc1", "dc2", "dc3"]) await dc1.putState(name, []);
    const known = new Set(["dc1", "dc2", "dc3"]);
    const log: LogLine[] = [];
    const pruner = new FederationStatePruner({
      store: dc1.store,
      clock: world.clock,
      apply: (command) => dc1.apply(command),
      hasDatacenter: (dc) => known.has(dc),
      log: (level, message, fields) => log.push([level, message, fields]),
    });
    const stop = new AbortController();
    const running = pruner.run(stop.signal);
    known.delete("dc3");
    await world.clock.advanceSettled(FEDERATION_STATE_PRUNE_INTERVAL_MS - 1);
    assert.deepEqual(dc1.stateNames(), ["dc1", "dc2", "dc3"], "not before the interval");
    await world.clock.advanceSettled(1);
    assert.deepEqual(dc1.stateNames(), ["dc1", "dc2"]);
    assert.deepEqual(log.at(-1), ["info", "pruning stale federation state", { datacenter: "dc3" }]);
    stop.abort();
    await running;
  });

  test("a pruned datacenter disappears from secondaries by replication", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    for (const name of ["dc1", "dc2", "dc3"]) await dc1.putState(name, []);
    const replicator = replicatorIn(dc2);
    const stop = new AbortController();
    const running = replicator.run(stop.signal);
    await waitFor(() => dc2.stateNames().length === 3, "the first copy");
    const pruner = new FederationStatePruner({
      store: dc1.store,
      clock: world.clock,
      apply: (command) => dc1.apply(command),
      hasDatacenter: (dc) => dc !== "dc3",
    });
    assert.deepEqual(await pruner.pruneOnce(), ["dc3"]);
    await world.clock.advanceSettled(1_000);
    await waitFor(() => dc2.stateNames().join() === "dc1,dc2", "the prune to replicate");
    stop.abort();
    await running;
  });
});
