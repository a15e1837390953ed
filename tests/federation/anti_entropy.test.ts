import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FederationStateAntiEntropy } from "../../src/federation/mod.ts";
import { type TestDc, waitFor, World } from "./_harness.ts";

type LogLine = [string, string, Record<string, unknown> | undefined];

function antiEntropyIn(dc: TestDc, log: LogLine[] = []) {
  return new FederationStateAntiEntropy({
    store: dc.store,
    clock: dc.world.clock,
    datacenter: dc.name,
    primaryDatacenter: dc.world.primary,
    apply: (command) => dc.apply(command),
    callPrimary: dc.callPrimary,
    replicationToken: () => "replication-secret",
    log: (level, message, fields) => log.push([level, message, fields]),
  });
}

function gatewayNodes(dc: TestDc, of: string): string[] {
  const state = dc.store.federationStates.get(of).value;
  return (state?.MeshGateways ?? []).map((gateway: any) => gateway.Node.Node);
}

function upserts(dc: TestDc): number {
  return dc.applied.filter((command) => command.type === "federationState.upsert").length;
}

describe("federation state anti-entropy", () => {
  test("the primary writes its own gateways (all of them, any health) to its own log", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    await dc1.registerGateway({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" });
    await dc1.registerGateway({ node: "gw2", address: "10.0.1.2", wanFederation: false });
    await dc1.registerGateway({ node: "gw3", address: "10.0.1.3", status: "critical" });
    const ae = antiEntropyIn(dc1);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await waitFor(() => ae.syncCount === 1, "the first sync");
    assert.deepEqual(gatewayNodes(dc1, "dc1"), ["gw1", "gw2", "gw3"]);
    const state = dc1.store.federationStates.get("dc1").value!;
    assert.equal(state.PrimaryModifyIndex, state.ModifyIndex);
    assert.equal(state.UpdatedAt, new Date(world.clock.now()).toISOString());
    const gw1 = state.MeshGateways[0] as any;
    assert.equal(gw1.Service.Kind, "mesh-gateway");
    assert.equal(gw1.Service.Node, undefined, "wire shape: the service without its node name");
    assert.deepEqual(gw1.Service.TaggedAddresses.wan, { Address: "198.18.1.1", Port: 443 });
    assert.equal(gw1.Checks[0].CheckID, "mesh-gateway-listening");
    assert.deepEqual(world.calls, [], "no RPC in the primary");
    stop.abort();
    await running;
  });

  test("a secondary writes its gateways to the primary with the replication token", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc2.registerGateway({ node: "gw5", address: "10.0.2.1", wan: "198.18.2.1:443" });
    const ae = antiEntropyIn(dc2);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await waitFor(() => ae.syncCount === 1, "the first sync");
    assert.deepEqual(world.calls, ["dc1:FederationState.Apply"]);
    const body = world.bodies[0] as Record<string, any>;
    assert.equal(body.Token, "replication-secret");
    assert.equal(body.Op, "upsert");
    assert.equal(body.Datacenter, "dc1");
    assert.deepEqual(gatewayNodes(dc1, "dc2"), ["gw5"], "stored in the primary");
    assert.deepEqual(dc2.stateNames(), [], "not written locally: it comes back by replication");
    const stored = dc1.store.federationStates.get("dc2").value!;
    assert.equal(stored.PrimaryModifyIndex, stored.ModifyIndex);
    stop.abort();
    await running;
  });

  test("rewrites when a gateway changes, at most once per sync interval", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    await dc1.registerGateway({ node: "gw1", address: "10.0.1.1" });
    const ae = antiEntropyIn(dc1);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await waitFor(() => ae.syncCount === 1, "the first sync");
    await world.clock.advanceSettled(60_000);
    assert.equal(ae.syncCount, 1, "nothing changed");

    const status = () =>
      (dc1.store.federationStates.get("dc1").value!.MeshGateways[0] as any).Checks[0].Status;
    await dc1.setGatewayStatus("gw1", "critical");
    await world.clock.advanceSettled(0);
    assert.equal(ae.syncCount, 2, "the last sync was long ago: written at once");
    assert.equal(status(), "critical");

    await dc1.registerGateway({ node: "gw2", address: "10.0.1.2" });
    await world.clock.advanceSettled(4_000);
    assert.equal(ae.syncCount, 2, "held back by the sync interval");
    await world.clock.advanceSettled(1_000);
    assert.equal(ae.syncCount, 3);
    assert.deepEqual(gatewayNodes(dc1, "dc1"), ["gw1", "gw2"]);
    stop.abort();
    await running;
  });

  test("sync rounds are at least the sync interval apart", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    await dc1.registerGateway({ node: "gw1", address: "10.0.1.1" });
    const ae = antiEntropyIn(dc1);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await waitFor(() => ae.syncCount === 1, "the first sync");
    await world.clock.advanceSettled(5_000); // the round woken by our own write runs and skips
    await dc1.setGatewayStatus("gw1", "warning");
    await world.clock.advanceSettled(4_900);
    assert.equal(ae.syncCount, 1, "held back by the 5 s spacing");
    await world.clock.advanceSettled(200);
    assert.equal(ae.syncCount, 2);
    stop.abort();
    await running;
  });

  test("does not write when only unrelated catalog data changes", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    await dc1.registerGateway({ node: "gw1", address: "10.0.1.1" });
    const log: LogLine[] = [];
    const ae = antiEntropyIn(dc1, log);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await waitFor(() => ae.syncCount === 1, "the first sync");
    const before = upserts(dc1);
    for (let i = 0; i < 3; i++) {
      const result = await dc1.apply({
        type: "catalog.register",
        nowMs: world.clock.now(),
        node: { Node: `web-${i}`, Address: `10.0.9.${i}` },
      });
      assert.ok(result.ok);
      await world.clock.advanceSettled(6_000);
    }
    assert.equal(upserts(dc1), before);
    assert.equal(ae.syncCount, 1);
    assert.ok(
      log.some(([, message]) =>
        message === "federation state anti-entropy sync skipped; already up to date"
      ),
    );
    stop.abort();
    await running;
  });

  test("backs off while the primary is unreachable and syncs once it is back", async () => {
    const world = new World("dc1");
    const dc1 = world.add("dc1");
    const dc2 = world.add("dc2");
    await dc2.registerGateway({ node: "gw5", address: "10.0.2.1" });
    world.unreachable.add("dc1");
    const log: LogLine[] = [];
    const ae = antiEntropyIn(dc2, log);
    const stop = new AbortController();
    const running = ae.run(stop.signal);
    await world.clock.advanceSettled(1_000 + 2_000 + 4_000 - 1);
    const errors = log.filter(([level]) => level === "error");
    assert.deepEqual(errors.map(([, , fields]) => fields?.retry_in_ms), [1_000, 2_000, 4_000]);
    assert.match(String(errors[0][2]?.error), /Remote DC has no server currently reachable/);
    world.unreachable.delete("dc1");
    await world.clock.advanceSettled(8_000);
    assert.equal(ae.syncCount, 1);
    assert.deepEqual(gatewayNodes(dc1, "dc2"), ["gw5"]);
    stop.abort();
    await running;
  });
});
