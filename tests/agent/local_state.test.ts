import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { checkDefinition, healthCheckFromDefinition } from "../../src/agent/checks/mod.ts";
import { LocalStateError } from "../../src/agent/local/mod.ts";
import { localSetup } from "./_local_setup.ts";

const web = { ID: "web", Service: "web", Port: 8080, Tags: ["a"] };
const webCheck = healthCheckFromDefinition(
  checkDefinition({ ttlMs: 10_000 }),
  { node: "node1", service: web, index: 0, count: 1 },
);

describe("local state sync", () => {
  test("a new service is registered with its checks riding along, and node info is not re-sent", async () => {
    const { state, catalog, counter } = localSetup();
    state.addService(web);
    state.addCheck(webCheck);
    assert.equal(counter.triggers, 2, "each change asks for a partial sync");
    await state.syncChanges();
    assert.deepEqual(catalog.summary(), ["registerService:web[service:web]"]);
    assert.ok(state.isServiceInSync("web") && state.isCheckInSync("service:web"));
    assert.ok(state.isNodeInfoInSync());
    await state.syncChanges();
    assert.equal(catalog.calls.length, 1, "nothing left to sync");
  });

  test("removing a service deregisters it and then forgets it", async () => {
    const { state, catalog } = localSetup();
    state.addService(web);
    await state.syncChanges();
    state.removeService("web");
    assert.equal(state.service("web"), undefined);
    await state.syncChanges();
    assert.deepEqual(catalog.summary(1), ["deregisterService:web"]);
    assert.equal(catalog.services.size, 0);
    assert.throws(() => state.removeService("web"), {
      name: "LocalStateError",
      message: 'Service "web" does not exist',
    });
  });

  test("a check for an unknown service is refused", () => {
    const { state } = localSetup();
    assert.throws(() => state.addCheck(webCheck), (error) => {
      assert.ok(error instanceof LocalStateError);
      assert.equal(error.message, 'Check "service:web" refers to non-existent service "web"');
      return true;
    });
  });

  test("a status change syncs at once; an output-only change waits for the update interval", async () => {
    const { state, catalog, clock } = localSetup({ checkUpdateIntervalMs: 60_000 });
    state.addService(web);
    state.addCheck(webCheck);
    await state.syncChanges();
    const before = catalog.calls.length;
    state.updateCheck("service:web", "passing", "ok 1");
    await state.syncChanges();
    assert.deepEqual(catalog.summary(before), ["registerCheck:service:web"]);
    state.updateCheck("service:web", "passing", "ok 2");
    await state.syncChanges();
    assert.equal(catalog.calls.length, before + 1, "output-only change deferred");
    assert.equal(state.check("service:web")?.Output, "ok 2", "kept locally meanwhile");
    await clock.advanceSettled(30_000); // half the interval + zero stagger
    await state.syncChanges();
    assert.deepEqual(catalog.summary(before + 1), ["registerCheck:service:web"]);
    assert.equal(catalog.checks.get("service:web")?.Output, "ok 2");
  });

  test("a full sync removes what only the catalog holds, except Consul's own entries", async () => {
    const { state, catalog } = localSetup();
    state.addService(web);
    await state.syncChanges();
    catalog.services.set("stale", { ID: "stale", Service: "stale" });
    catalog.services.set("consul", { ID: "consul", Service: "consul" });
    catalog.checks.set("serfHealth", { ...webCheck, CheckID: "serfHealth", ServiceID: "" });
    catalog.checks.set("orphan", { ...webCheck, CheckID: "orphan", ServiceID: "" });
    const before = catalog.calls.length;
    await state.syncFull();
    assert.deepEqual(catalog.summary(before).sort(), [
      "deregisterCheck:orphan",
      "deregisterService:stale",
      "readNode",
    ]);
    assert.ok(catalog.services.has("consul") && catalog.checks.has("serfHealth"));
  });

  test("a full sync repairs a service edited in the catalog and ignores catalog-added fields", async () => {
    const { state, catalog } = localSetup();
    state.addService(web);
    await state.syncChanges();
    catalog.services.set("web", { ...web, CreateIndex: 7, ModifyIndex: 9, Meta: {} });
    let before = catalog.calls.length;
    await state.syncFull();
    assert.deepEqual(catalog.summary(before), ["readNode"], "defaults and indexes are not drift");
    catalog.services.set("web", { ...web, Port: 9999 });
    before = catalog.calls.length;
    await state.syncFull();
    assert.deepEqual(catalog.summary(before), ["readNode", "registerService:web[]"]);
    assert.equal(catalog.services.get("web")?.Port, 8080);
  });

  test("EnableTagOverride adopts tags edited in the catalog instead of reverting them", async () => {
    const { state, catalog } = localSetup();
    state.addService({ ...web, EnableTagOverride: true });
    await state.syncChanges();
    catalog.services.set("web", { ...web, EnableTagOverride: true, Tags: ["edited"] });
    const before = catalog.calls.length;
    await state.syncFull();
    assert.deepEqual(catalog.summary(before), ["readNode"]);
    assert.deepEqual(state.service("web")?.Tags, ["edited"]);
  });

  test("a write refused for the token is marked in sync so it is not retried until the next full sync", async () => {
    const { state, catalog } = localSetup();
    catalog.deniedTokens.add("bad");
    state.addService(web, "bad");
    await state.syncChanges();
    assert.deepEqual(catalog.summary(), ["registerService:web[]", "registerNode"]);
    assert.ok(state.isServiceInSync("web"));
    await state.syncChanges();
    assert.equal(catalog.calls.length, 2, "the refused service is not retried");
  });

  test("a failed write keeps the entry out of sync and rejects", async () => {
    const { state, catalog } = localSetup();
    state.addService(web);
    catalog.failNext = new Error("no leader");
    await assert.rejects(state.syncChanges(), /no leader/);
    assert.equal(state.isServiceInSync("web"), false);
    await state.syncChanges();
    assert.ok(state.isServiceInSync("web"));
  });

  test("node metadata changes re-register the node", async () => {
    const { state, catalog } = localSetup();
    await state.syncChanges();
    state.setNodeMeta({ rack: "r1" });
    const before = catalog.calls.length;
    await state.syncChanges();
    assert.deepEqual(catalog.summary(before), ["registerNode"]);
    assert.deepEqual(catalog.node?.Meta, { rack: "r1" });
  });
});
