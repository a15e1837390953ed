import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyCommand, StateStore } from "../../src/state/mod.ts";
import { Harness } from "./_helpers.ts";

describe("state machine", () => {
  it("crashes on an index that does not increase", () => {
    const store = new StateStore();
    const command = { type: "federationState.delete", datacenter: "dc1" } as const;
    assert.equal(applyCommand(store, 5, command).ok, true);
    assert.throws(() => applyCommand(store, 5, command), /invariant/);
    assert.throws(() => applyCommand(store, 4, command), /invariant/);
  });

  it("refuses unknown commands and missing times with typed errors", () => {
    const h = new Harness();
    const unknown = h.refused({ type: "nope" } as never);
    assert.equal(unknown.code, "bad_command");
    const noTime = h.refused({ type: "session.destroy", id: "x" } as never);
    assert.equal(noTime.message, "Command nowMs must be a number");
  });
});

describe("federation states", () => {
  it("upsert fills PrimaryModifyIndex on direct writes and keeps replicated ones", () => {
    const h = new Harness();
    const gateway = { Node: { Node: "gw" }, Service: { Service: "mesh-gateway" }, Checks: [] };
    h.ok({
      type: "federationState.upsert",
      state: { Datacenter: "dc1", UpdatedAt: "2026-01-01T00:00:00Z", MeshGateways: [gateway] },
    });
    h.ok({
      type: "federationState.upsert",
      state: { Datacenter: "dc2", UpdatedAt: "2026-01-01T00:00:00Z", PrimaryModifyIndex: 77 },
    });
    h.ok({
      type: "federationState.upsert",
      state: { Datacenter: "dc1", UpdatedAt: "2026-01-02T00:00:00Z", MeshGateways: [gateway] },
    });
    const dc1 = h.store.federationStates.get("DC1").value!;
    assert.deepEqual([dc1.CreateIndex, dc1.ModifyIndex, dc1.PrimaryModifyIndex], [1, 3, 3]);
    assert.equal(h.store.federationStates.get("dc2").value!.PrimaryModifyIndex, 77);
    const list = h.store.federationStates.list();
    assert.deepEqual([list.index, list.value.map((s) => s.Datacenter)], [3, ["dc1", "dc2"]]);
    assert.deepEqual(Object.keys(h.store.federationStates.meshGateways().value), ["dc1"]);
    h.ok({ type: "federationState.delete", datacenter: "dc1" });
    assert.equal(h.store.federationStates.get("dc1").value, null);
    assert.equal(h.store.federationStates.list().index, 4);
  });

  it("refuses a state without a datacenter", () => {
    const h = new Harness();
    const error = h.refused({
      type: "federationState.upsert",
      state: { Datacenter: "", UpdatedAt: "x" },
    });
    assert.equal(error.code, "invalid_input");
  });
});

describe("coordinates", () => {
  it("stores coordinates for known nodes and skips unknown ones", () => {
    const h = new Harness();
    h.register("n1");
    const coord = { Vec: [0.5, 0.25], Error: 1.5, Adjustment: 0, Height: 0.0001 };
    h.ok({
      type: "coordinate.batchUpdate",
      updates: [{ Node: "n1", Coord: coord }, { Node: "ghost", Coord: coord }],
    });
    const list = h.store.coordinates.list();
    assert.deepEqual(list.value, [{ Node: "n1", Segment: "", Coord: coord }]);
    assert.equal(list.index, 2);
    const bad = h.refused({
      type: "coordinate.batchUpdate",
      updates: [{ Node: "n1", Coord: { Vec: ["x"] } as never }],
    });
    assert.equal(bad.message, "Coordinate Vec must be an array of numbers");
  });
});
