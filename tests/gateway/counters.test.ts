import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  GatewayCounters,
  MAX_REJECT_REASON_KEYS,
  MAX_ROUTE_COUNTER_KEYS,
  OVERFLOW_COUNTER_KEY,
  routeKey,
} from "../../src/gateway/counters.ts";

describe("GatewayCounters", () => {
  test("route keys name the server or datacenter, and pool any-server routes", () => {
    assert.equal(
      routeKey({ kind: "local-server", node: "s1", addr: "10.0.0.1:8300" }),
      "local-server:s1",
    );
    assert.equal(
      routeKey({ kind: "any-local-server", node: "s2", addr: "x:1" }),
      "any-local-server",
    );
    assert.equal(
      routeKey({ kind: "remote-dc", dc: "dc2", addr: "198.18.1.1:443" }),
      "remote-dc:dc2",
    );
  });

  test("counts connections, open connections and bytes per route with totals", () => {
    const counters = new GatewayCounters();
    counters.connectionOpened("remote-dc:dc2");
    counters.connectionOpened("remote-dc:dc2");
    counters.connectionOpened("local-server:s1");
    counters.addBytes("remote-dc:dc2", 100, 2000);
    counters.addBytes("remote-dc:dc2", 5, 0);
    counters.addBytes("local-server:s1", 7, 9);
    counters.connectionClosed("remote-dc:dc2");
    const snapshot = counters.snapshot();
    assert.deepEqual(snapshot.routes, [
      { route: "local-server:s1", connections: 1, active: 1, bytesIn: 7, bytesOut: 9 },
      { route: "remote-dc:dc2", connections: 2, active: 1, bytesIn: 105, bytesOut: 2000 },
    ]);
    assert.deepEqual(snapshot.totals, {
      connections: 3,
      active: 2,
      rejects: 0,
      bytesIn: 112,
      bytesOut: 2009,
    });
  });

  test("counts rejects by reason, sorted", () => {
    const counters = new GatewayCounters();
    counters.rejected("unknown-datacenter");
    counters.rejected("bad-alpn");
    counters.rejected("unknown-datacenter");
    const snapshot = counters.snapshot();
    assert.deepEqual(Object.entries(snapshot.rejects), [["bad-alpn", 1], [
      "unknown-datacenter",
      2,
    ]]);
    assert.equal(snapshot.totals.rejects, 3);
  });

  test("a snapshot does not change when counting goes on", () => {
    const counters = new GatewayCounters();
    counters.connectionOpened("any-local-server");
    const before = counters.snapshot();
    counters.connectionOpened("any-local-server");
    counters.rejected("unknown-name");
    assert.equal(before.routes[0].connections, 1);
    assert.deepEqual(before.rejects, {});
  });

  test("routes and reasons past their bounds share the overflow row", () => {
    const counters = new GatewayCounters();
    const extra = 10;
    for (let i = 0; i < MAX_ROUTE_COUNTER_KEYS + extra; i++) {
      counters.connectionOpened(`remote-dc:dc${i}`);
    }
    for (let i = 0; i < MAX_REJECT_REASON_KEYS + extra; i++) counters.rejected(`reason-${i}`);
    counters.connectionClosed(`remote-dc:dc${MAX_ROUTE_COUNTER_KEYS + extra - 1}`);
    const snapshot = counters.snapshot();
    assert.equal(snapshot.routes.length, MAX_ROUTE_COUNTER_KEYS);
    const overflow = snapshot.routes.find((row) => row.route === OVERFLOW_COUNTER_KEY);
    assert.deepEqual(overflow, {
      route: OVERFLOW_COUNTER_KEY,
      connections: extra + 1,
      active: extra,
      bytesIn: 0,
      bytesOut: 0,
    });
    assert.equal(Object.keys(snapshot.rejects).length, MAX_REJECT_REASON_KEYS);
    assert.equal(snapshot.rejects[OVERFLOW_COUNTER_KEY], extra + 1);
    assert.equal(snapshot.totals.connections, MAX_ROUTE_COUNTER_KEYS + extra);
  });

  test("closing a connection that was never opened fails loudly", () => {
    const counters = new GatewayCounters();
    assert.throws(() => counters.connectionClosed("remote-dc:dc2"), /without a matching open/);
  });
});
