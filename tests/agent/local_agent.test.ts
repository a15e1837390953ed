import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NO_REGISTRATIONS, RegistrationJournal } from "../../src/agent/local/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import {
  checkDefinition,
  CheckManager,
  DEFAULT_NODE_MAINTENANCE_REASON,
  type HttpProber,
} from "../../src/agent/checks/mod.ts";
import { LocalAgent, ServiceReaper } from "../../src/agent/local/mod.ts";
import { fixedRandom } from "../_support/fake_clock.ts";
import { localSetup } from "./_local_setup.ts";

/** A prober that answers every request with `status`, counting requests. */
function fakeProber(status: () => number) {
  const counter = { requests: 0 };
  const prober: HttpProber = {
    probe: () => {
      counter.requests++;
      return Promise.resolve({ status: status(), statusText: "X", body: "", location: null });
    },
  };
  return { prober, counter };
}

function agentSetup(options: { enableLocalScriptChecks?: boolean; status?: () => number } = {}) {
  const base = localSetup({ checkUpdateIntervalMs: 0 });
  const { prober, counter } = fakeProber(options.status ?? (() => 200));
  const logs: string[] = [];
  const manager = new CheckManager({
    clock: base.clock,
    random: fixedRandom(0),
    net: { dialTcp: () => Promise.reject(new Error("unused")) },
    process: { runCommand: () => Promise.reject(new Error("unused")) },
    prober,
    notifier: base.state,
    log: (_level, message) => logs.push(message),
  }, { enableLocalScriptChecks: options.enableLocalScriptChecks });
  const agent = new LocalAgent({
    state: base.state,
    checks: manager,
    log: (_level, message) => logs.push(message),
  }, { nodeName: "node1" });
  return { ...base, agent, manager, counter, logs };
}

const web = { ID: "web", Service: "web", Port: 80 };

describe("local agent", () => {
  test("registering a service starts its checks and their results reach the catalog", async () => {
    const { agent, state, clock, catalog } = agentSetup();
    agent.addService(web, [checkDefinition({ http: "http://x/health", intervalMs: 10_000 })], {
      source: "remote",
    });
    assert.equal(state.check("service:web")?.Status, "critical");
    await clock.advanceSettled(0);
    assert.equal(state.check("service:web")?.Status, "passing");
    await state.syncChanges();
    assert.equal(catalog.checks.get("service:web")?.Status, "passing");
  });

  test("intervals under one second are raised to one second with a warning", async () => {
    const { agent, clock, counter, logs } = agentSetup();
    agent.addService(web, [checkDefinition({ http: "http://x/", intervalMs: 100 })], {
      source: "remote",
    });
    await clock.advanceSettled(0);
    await clock.advanceSettled(999);
    assert.equal(counter.requests, 1);
    await clock.advanceSettled(1);
    assert.equal(counter.requests, 2);
    assert.ok(logs.includes("check has interval below minimum"));
  });

  test("script checks are refused unless enabled for their source", () => {
    const { agent } = agentSetup({ enableLocalScriptChecks: true });
    const script = checkDefinition({ name: "s", scriptArgs: ["true"], intervalMs: 10_000 });
    assert.throws(() => agent.addCheck(script, { source: "remote" }), {
      message:
        "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
    });
    const off = agentSetup();
    assert.throws(
      () => off.agent.addCheck(script, { source: "local" }),
      /enable_local_script_checks/,
    );
  });

  test("re-registering with replaceExistingChecks drops unlisted checks and keeps statuses", async () => {
    const { agent, state, clock, manager } = agentSetup();
    const http = checkDefinition({ http: "http://x/", intervalMs: 10_000 });
    const ttl = checkDefinition({ ttlMs: 30_000 });
    agent.addService(web, [http, ttl], { source: "remote" });
    await clock.advanceSettled(0);
    assert.equal(state.check("service:web:1")?.Status, "passing");
    agent.addService(web, [checkDefinition({ ...http, id: "service:web:1" })], {
      source: "remote",
      replaceExistingChecks: true,
    });
    assert.equal(state.check("service:web:2"), undefined);
    assert.equal(manager.has("service:web:2"), false);
    assert.equal(state.check("service:web:1")?.Status, "passing", "no flap on re-registration");
  });

  test("re-registering without replaceExistingChecks keeps checks it does not list, as Consul does", async () => {
    const { agent, state, clock, manager } = agentSetup();
    const http = checkDefinition({ http: "http://x/", intervalMs: 10_000 });
    const ttl = checkDefinition({ ttlMs: 30_000 });
    agent.addService(web, [http, ttl], { source: "remote" });
    await clock.advanceSettled(0);
    agent.addService(web, [checkDefinition({ ...http, id: "service:web:1" })], {
      source: "remote",
    });
    assert.ok(state.check("service:web:2"), "the TTL check stays registered");
    assert.equal(manager.has("service:web:2"), true, "and keeps running");
  });

  test("TTL updates go through the agent and unknown TTLs are named", () => {
    const { agent, state } = agentSetup();
    agent.addCheck(checkDefinition({ name: "batch", ttlMs: 60_000 }), { source: "remote" });
    agent.updateTtlCheck("batch", "passing", "done");
    assert.equal(state.check("batch")?.Output, "done");
    assert.throws(() => agent.updateTtlCheck("nope", "passing", ""), {
      message: 'CheckID "nope" does not have associated TTL',
    });
  });

  test("service maintenance adds and removes Consul's critical maintenance check", () => {
    const { agent, state } = agentSetup();
    agent.addService(web, [], { source: "remote" });
    agent.enableServiceMaintenance("web", "");
    const check = state.check("_service_maintenance:web");
    assert.equal(check?.Name, "Service Maintenance Mode");
    assert.equal(check?.Status, "critical");
    assert.equal(
      check?.Notes,
      "Maintenance mode is enabled for this service, but no reason was provided. This is a default message.",
    );
    agent.enableServiceMaintenance("web", "second reason ignored");
    assert.equal(state.check("_service_maintenance:web")?.Notes, check?.Notes);
    agent.disableServiceMaintenance("web");
    assert.equal(state.check("_service_maintenance:web"), undefined);
    assert.throws(() => agent.enableServiceMaintenance("db", "x"), {
      message: 'No service registered with ID "db"',
    });
  });

  test("node maintenance uses _node_maintenance with the given or default reason", () => {
    const { agent, state } = agentSetup();
    agent.enableNodeMaintenance("kernel upgrade");
    assert.equal(state.check("_node_maintenance")?.Notes, "kernel upgrade");
    assert.equal(state.check("_node_maintenance")?.Name, "Node Maintenance Mode");
    agent.disableNodeMaintenance();
    agent.enableNodeMaintenance("");
    assert.equal(state.check("_node_maintenance")?.Notes, DEFAULT_NODE_MAINTENANCE_REASON);
  });

  test("a service whose check stays critical past DeregisterCriticalServiceAfter is reaped", async () => {
    const { agent, state, clock, catalog } = agentSetup({ status: () => 500 });
    agent.addService(web, [
      checkDefinition({
        http: "http://x/",
        intervalMs: 10_000,
        deregisterCriticalServiceAfterMs: 90_000,
      }),
    ], { source: "remote" });
    await state.syncChanges();
    const reaper = new ServiceReaper({
      clock,
      criticalChecks: () => state.criticalChecks(),
      removeService: (id) => agent.removeService(id),
    });
    reaper.start();
    await clock.advanceSettled(90_000); // reaper passes at 30 s, 60 s, 90 s: not yet over 90 s
    assert.ok(state.service("web"));
    await clock.advanceSettled(30_000);
    assert.equal(state.service("web"), undefined);
    await state.syncChanges();
    assert.equal(catalog.services.has("web"), false);
    reaper.stop();
  });

  test("reap timeouts under one minute are raised to one minute", async () => {
    const { agent, state, clock } = agentSetup({ status: () => 500 });
    agent.addService(web, [
      checkDefinition({
        http: "http://x/",
        intervalMs: 10_000,
        deregisterCriticalServiceAfterMs: 1_000,
      }),
    ], { source: "remote" });
    const reaper = new ServiceReaper({
      clock,
      criticalChecks: () => state.criticalChecks(),
      removeService: (id) => agent.removeService(id),
    });
    await clock.advanceSettled(30_000);
    assert.deepEqual(reaper.reapOnce(), []);
    await clock.advanceSettled(31_000);
    assert.deepEqual(reaper.reapOnce(), ["web"]);
  });
});

describe("registrations journal", () => {
  test("what the agent registered restores into a new agent with the same services and checks", () => {
    const first = agentSetup();
    first.agent.addService(web, [checkDefinition({ ttlMs: 60_000 })], {
      source: "remote",
      token: "t1",
    });
    first.agent.addCheck(checkDefinition({ name: "disk", ttlMs: 30_000 }), { source: "remote" });
    const saved = JSON.parse(JSON.stringify(first.agent.registrations()));
    const second = agentSetup();
    second.agent.restore(saved);
    assert.deepEqual(second.state.listServices().map((s) => s.ID), ["web"]);
    assert.deepEqual(second.state.listChecks().map((c) => c.CheckID).sort(), [
      "disk",
      "service:web",
    ]);
    assert.equal(second.state.serviceToken("web"), "t1");
    second.agent.removeService("web");
    assert.deepEqual(second.agent.registrations().services, [], "a removal leaves the journal");
  });

  test("maintenance mode survives a restart, and leaves the journal when turned off", () => {
    const first = agentSetup();
    first.agent.addService(web, [], { source: "remote" });
    first.agent.addService({ ID: "db", Service: "db", Port: 5432 }, [], { source: "remote" });
    first.agent.enableServiceMaintenance("web", "rolling deploy", "t2");
    first.agent.enableServiceMaintenance("db", "");
    first.agent.enableNodeMaintenance("kernel upgrade");
    first.agent.disableServiceMaintenance("db");
    const saved = JSON.parse(JSON.stringify(first.agent.registrations()));
    assert.deepEqual(saved.maintenance, [
      { serviceId: "web", reason: "rolling deploy", token: "t2" },
      { serviceId: "", reason: "kernel upgrade", token: "" },
    ]);

    const second = agentSetup();
    second.agent.restore(saved);
    assert.equal(second.state.check("_service_maintenance:web")?.Notes, "rolling deploy");
    assert.equal(second.state.check("_service_maintenance:web")?.Status, "critical");
    assert.equal(second.state.check("_service_maintenance:db"), undefined);
    assert.equal(second.state.check("_node_maintenance")?.Notes, "kernel upgrade");

    // Deregistering the maintenance check itself, or the service, also ends it for good.
    second.agent.removeCheck("_node_maintenance");
    second.agent.removeService("web");
    assert.deepEqual(second.agent.registrations().maintenance, []);
  });

  test("an old journal without maintenance, or with it for a vanished service, still restores", () => {
    const agent = agentSetup();
    agent.agent.restore({ services: [], checks: [] } as never);
    agent.agent.restore({
      services: [],
      checks: [],
      maintenance: [{ serviceId: "gone", reason: "x", token: "" }],
    });
    assert.equal(agent.state.check("_service_maintenance:gone"), undefined);
    assert.ok(agent.logs.includes("could not restore maintenance mode"));
  });

  test("a journal that is not JSON stops the start with the file named", async () => {
    const runtime = await currentRuntime();
    const dir = mkdtempSync(join(tmpdir(), "consulate-journal-"));
    try {
      writeFileSync(join(dir, "registrations.json"), "{ not json");
      const journal = new RegistrationJournal(runtime.fs, join(dir, "registrations.json"));
      await assert.rejects(journal.load(), /registrations\.json is not valid JSON/);
      const fresh = new RegistrationJournal(runtime.fs, join(dir, "absent.json"));
      assert.deepEqual(await fresh.load(), NO_REGISTRATIONS);
      await fresh.save(NO_REGISTRATIONS);
      assert.deepEqual(await fresh.load(), NO_REGISTRATIONS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
