import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Harness } from "./_helpers.ts";

describe("catalog registration", () => {
  it("upserts node, service and check with Consul's indexes", () => {
    const h = new Harness();
    h.register("n1", {
      service: { Service: "web", Tags: ["v1"], Port: 80 },
      checks: [{ CheckID: "web-alive", ServiceID: "web", Status: "passing" }],
    });
    const node = h.store.catalog.node("n1").value!;
    assert.equal(node.Address, "10.0.0.1");
    assert.deepEqual([node.CreateIndex, node.ModifyIndex], [1, 1]);
    const services = h.store.catalog.nodeServices("N1").value!.Services;
    assert.equal(services.length, 1);
    assert.equal(services[0].ID, "web", "service ID defaults to the service name");
    assert.deepEqual(services[0].Weights, { Passing: 1, Warning: 1 });
    const check = h.store.health.nodeChecks("n1").value[0];
    assert.equal(check.ServiceName, "web");
    assert.deepEqual(check.ServiceTags, ["v1"]);
    assert.equal(h.store.tableIndex("nodes"), 1);
    assert.equal(h.store.tableIndex("checks"), 1);
  });

  it("re-registering identical data keeps ModifyIndex and table indexes", () => {
    const h = new Harness();
    const registration = { service: { Service: "web", Port: 80 } };
    h.register("n1", registration);
    h.register("n1", registration);
    assert.equal(h.store.catalog.node("n1").value!.ModifyIndex, 1);
    assert.equal(h.store.tableIndex("services"), 1);
    assert.equal(h.store.catalog.serviceNodes("web").index, 1);
    h.register("n1", { service: { Service: "web", Port: 81 } });
    const service = h.store.catalog.serviceNodes("web").value[0].Service;
    assert.deepEqual([service.CreateIndex, service.ModifyIndex, service.Port], [1, 3, 81]);
  });

  it("defaults a check to critical and refuses unknown statuses without partial writes", () => {
    const h = new Harness();
    h.register("n1", { checks: [{ CheckID: "c1" }] });
    assert.equal(h.store.health.nodeChecks("n1").value[0].Status, "critical");
    const error = h.refused({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "n2", Address: "10.0.0.2" },
      checks: [{ CheckID: "c2", Status: "bogus" as never }],
    });
    assert.equal(error.code, "invalid_input");
    assert.equal(h.store.catalog.node("n2").value, null, "node of a refused command is not kept");
    assert.equal(h.store.appliedIndex, 2, "a refused command still consumes its index");
  });

  it("refuses a check for a service the node does not have", () => {
    const h = new Harness();
    const error = h.refused({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "n1" },
      checks: [{ CheckID: "c", ServiceID: "nope" }],
    });
    assert.equal(error.message, "Missing service registration");
  });

  it("refuses a node ID that belongs to another node", () => {
    const h = new Harness();
    const id = "1b4a6e2a-0000-4000-8000-000000000001";
    h.ok({ type: "catalog.register", nowMs: 0, node: { Node: "a", ID: id } });
    const error = h.refused({ type: "catalog.register", nowMs: 0, node: { Node: "b", ID: id } });
    assert.equal(error.code, "node_id_conflict");
    assert.match(error.message, /aliases existing node "a"/);
  });

  it("deregistering a node removes its services, checks, sessions and coordinates", () => {
    const h = new Harness();
    h.register("n1", {
      service: { Service: "web" },
      checks: [{ CheckID: "serfHealth", Status: "passing" }],
    });
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1", NodeChecks: ["serfHealth"] } });
    h.ok({
      type: "coordinate.batchUpdate",
      updates: [{ Node: "n1", Coord: { Vec: [0.1], Error: 1, Adjustment: 0, Height: 0 } }],
    });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1" });
    assert.equal(h.store.catalog.node("n1").value, null);
    assert.deepEqual(h.store.catalog.serviceNodes("web").value, []);
    assert.deepEqual(h.store.health.checksInState("any").value, []);
    assert.deepEqual(h.store.sessions.list().value, []);
    assert.deepEqual(h.store.coordinates.list().value, []);
    assert.equal(h.store.tableIndex("sessions"), 4);
  });

  it("deregistering a service removes its checks but keeps node checks", () => {
    const h = new Harness();
    h.register("n1", {
      service: { Service: "web" },
      checks: [{ CheckID: "node" }, { CheckID: "svc", ServiceID: "web" }],
    });
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", serviceId: "web" });
    assert.deepEqual(h.store.health.nodeChecks("n1").value.map((c) => c.CheckID), ["node"]);
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "n1", checkId: "node" });
    assert.deepEqual(h.store.health.nodeChecks("n1").value, []);
    assert.notEqual(h.store.catalog.node("n1").value, null);
  });
});

describe("catalog reads", () => {
  function populated(): Harness {
    const h = new Harness();
    h.ok({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "b", Address: "10.0.0.2", Meta: { rack: "r2" } },
      service: { Service: "web", Tags: ["v2", "canary"] },
      checks: [{ CheckID: "web", ServiceID: "web", Status: "passing" }],
    });
    h.ok({
      type: "catalog.register",
      nowMs: 0,
      node: { Node: "a", Address: "10.0.0.1", Meta: { rack: "r1" } },
      service: { Service: "web", Tags: ["v1"] },
      checks: [{ CheckID: "node", Status: "warning" }],
    });
    h.register("c", { service: { Service: "db", ID: "db1", Tags: ["primary"] } });
    return h;
  }

  it("lists nodes ordered by name with node-meta filter", () => {
    const h = populated();
    assert.deepEqual(h.store.catalog.nodes().value.map((n) => n.Node), ["a", "b", "c"]);
    const r2 = h.store.catalog.nodes({ nodeMeta: { rack: "r2" } }).value;
    assert.deepEqual(r2.map((n) => n.Node), ["b"]);
  });

  it("lists services with the union of tags, sorted", () => {
    const h = populated();
    assert.deepEqual(h.store.catalog.services().value, {
      db: ["primary"],
      web: ["canary", "v1", "v2"],
    });
  });

  it("filters service nodes by every tag, case-insensitively, and by node meta", () => {
    const h = populated();
    const all = h.store.catalog.serviceNodes("WEB").value.map((i) => i.Node.Node);
    assert.deepEqual(all, ["a", "b"]);
    const tagged = h.store.catalog.serviceNodes("web", { tags: ["V2", "canary"] }).value;
    assert.deepEqual(tagged.map((i) => i.Node.Node), ["b"]);
    const meta = h.store.catalog.serviceNodes("web", { nodeMeta: { rack: "r1" } }).value;
    assert.deepEqual(meta.map((i) => i.Node.Node), ["a"]);
  });

  it("health service nodes carry node and service checks and filter passing-only", () => {
    const h = populated();
    const all = h.store.health.serviceNodes("web").value;
    assert.deepEqual(all.map((e) => e.Checks.map((c) => c.CheckID)), [["node"], ["web"]]);
    const passing = h.store.health.serviceNodes("web", { passingOnly: true }).value;
    assert.deepEqual(passing.map((e) => e.Node.Node), ["b"]);
    assert.deepEqual(h.store.health.checksInState("warning").value.map((c) => c.Node), ["a"]);
    assert.deepEqual(h.store.health.serviceChecks("web").value.map((c) => c.CheckID), ["web"]);
  });

  it("a service's index moves only with that service, and survives its extinction", () => {
    const h = populated();
    const before = h.store.catalog.serviceNodes("web").index;
    assert.equal(before, 2);
    h.register("c", { service: { Service: "db", ID: "db1", Tags: ["replica"] } });
    assert.equal(h.store.catalog.serviceNodes("web").index, before, "db change leaves web alone");
    h.ok({ type: "catalog.deregister", nowMs: 0, node: "c", serviceId: "db1" });
    const gone = h.store.catalog.serviceNodes("db");
    assert.deepEqual([gone.index, gone.value.length], [5, 0]);
    h.register("a", { service: { Service: "web", Tags: ["v1", "x"] } });
    assert.equal(h.store.catalog.serviceNodes("db").index, 5, "extinction index is stable");
    assert.equal(h.store.catalog.serviceNodes("web").index, 6);
  });

  it("changing a node's address moves the index of its services", () => {
    const h = populated();
    h.ok({ type: "catalog.register", nowMs: 0, node: { Node: "c", Address: "10.9.9.9" } });
    assert.equal(h.store.catalog.serviceNodes("db").index, 4);
    assert.equal(h.store.catalog.serviceNodes("web").index, 2);
  });

  it("dumps every instance of a service kind with its checks", () => {
    const h = populated();
    h.register("gw", {
      service: { Service: "mesh-gateway", Kind: "mesh-gateway", Port: 8443 },
      checks: [{ CheckID: "gw-alive", ServiceID: "mesh-gateway", Status: "passing" }],
    });
    const dump = h.store.health.serviceNodesByKind("mesh-gateway");
    assert.deepEqual(dump.value.map((e) => [e.Node.Node, e.Checks.map((c) => c.CheckID)]), [
      ["gw", ["gw-alive"]],
    ]);
    assert.equal(dump.index, 4);
    assert.deepEqual(h.store.health.serviceNodesByKind("terminating-gateway").value, []);
  });

  it("hands out frozen rows", () => {
    const h = populated();
    const node = h.store.catalog.node("a").value!;
    assert.throws(() => {
      (node as { Address: string }).Address = "x";
    }, TypeError);
    assert.ok(Object.isFrozen(node.Meta));
  });
});
