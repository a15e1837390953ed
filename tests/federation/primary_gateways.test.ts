import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  GatewayLocator,
  literalPrimaryGateway,
  NO_MESH_GATEWAYS_TEXT,
  PrimaryGatewayEntryError,
  refreshPrimaryGateways,
} from "../../src/federation/mod.ts";
import { gatewayDoc, waitFor, World } from "./_harness.ts";

type LogLine = [string, string, Record<string, unknown> | undefined];

function secondary() {
  const world = new World("dc1");
  const dc2 = world.add("dc2");
  const log: LogLine[] = [];
  const locator = new GatewayLocator({
    store: dc2.store,
    clock: world.clock,
    random: world.random,
    datacenter: "dc2",
    primaryDatacenter: "dc1",
    log: (level, message, fields) => log.push([level, message, fields]),
  });
  return { world, dc2, locator, log };
}

describe("primary_gateways refresh", () => {
  test("literal host:port entries become the sorted fallback list at once", async () => {
    const { world, locator, log } = secondary();
    const found = await refreshPrimaryGateways(locator, {
      entries: ["203.0.113.9:8443", "[2001:db8::1]:443", "203.0.113.1:8443"],
      clock: world.clock,
      signal: new AbortController().signal,
      log: (level, message, fields) => log.push([level, message, fields]),
    });
    assert.equal(found, true);
    assert.deepEqual(locator.primaryGatewayFallbackAddresses(), [
      "203.0.113.1:8443",
      "203.0.113.9:8443",
      "[2001:db8::1]:443",
    ]);
    assert.ok(
      log.some(([, message]) => message === "updated fallback list of primary mesh gateways"),
    );
    assert.ok(log.some(([, message]) => message === "Refreshing mesh gateways completed"));
  });

  test("go-discover and port-less entries are refused with a clear reason", async () => {
    await assert.rejects(
      literalPrimaryGateway("provider=aws tag_key=mgw"),
      (error: unknown) =>
        error instanceof PrimaryGatewayEntryError && /does not support/.test(error.message),
    );
    await assert.rejects(literalPrimaryGateway("foo.local"), /is not host:port/);
    await assert.rejects(literalPrimaryGateway("foo.local:99999"), /is not host:port/);
    assert.deepEqual(await literalPrimaryGateway(" gw.example:8443 "), ["gw.example:8443"]);
  });

  test("retries every interval until an attempt finds gateways", async () => {
    const { world, locator } = secondary();
    const log: LogLine[] = [];
    let attempts = 0;
    const refreshed = refreshPrimaryGateways(locator, {
      entries: ["gw.primary.example"],
      intervalMs: 5_000,
      clock: world.clock,
      signal: new AbortController().signal,
      log: (level, message, fields) => log.push([level, message, fields]),
      resolve: () => Promise.resolve(++attempts < 3 ? [] : ["198.18.1.1:8443"]),
    });
    await world.clock.advanceSettled(4_999);
    assert.equal(attempts, 1);
    const failure = log.find(([, message]) =>
      message === "Refreshing mesh gateways failed, will retry"
    );
    assert.equal(failure?.[2]?.error, NO_MESH_GATEWAYS_TEXT);
    await world.clock.advanceSettled(5_001);
    assert.equal(attempts, 3);
    assert.equal(await refreshed, true);
    assert.deepEqual(locator.primaryGatewayFallbackAddresses(), ["198.18.1.1:8443"]);
  });

  test("stops once replication has delivered the primary's gateways", async () => {
    const { world, dc2, locator } = secondary();
    let attempts = 0;
    const refreshed = refreshPrimaryGateways(locator, {
      entries: ["provider=k8s"],
      clock: world.clock,
      signal: new AbortController().signal,
      resolve: () => {
        attempts++;
        return Promise.reject(new Error("discovery unavailable"));
      },
    });
    await world.clock.advanceSettled(30_000);
    assert.equal(attempts, 2);
    await dc2.putState("dc1", [
      gatewayDoc({ node: "gw1", address: "10.0.1.1", wan: "198.18.1.1:443" }),
    ]);
    locator.refreshFromStore();
    assert.equal(await refreshed, false);
    await world.clock.advanceSettled(120_000);
    assert.equal(attempts, 2, "no attempts after the primary's gateways arrived");
  });

  test("stops when aborted", async () => {
    const { world, locator } = secondary();
    const stop = new AbortController();
    let settled = false;
    const refreshed = refreshPrimaryGateways(locator, {
      entries: [],
      clock: world.clock,
      signal: stop.signal,
    }).finally(() => settled = true);
    await world.clock.advanceSettled(0);
    stop.abort();
    await waitFor(() => settled, "the refresh to stop");
    assert.equal(await refreshed, false);
  });
});
