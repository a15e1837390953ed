import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  buildRouteTable,
  type GatewayEntry,
  type LocalServerEntry,
  resolveRoute,
  type RouteTable,
  RouteTableConfigError,
} from "../../src/gateway/route_table.ts";
import { SeededRandom } from "./_seeded_random.ts";

const TRUST_DOMAIN = "11111111-2222-3333-4444-555555555555.consul";

const SERVERS: LocalServerEntry[] = [
  { node: "s1", rpcAddr: "10.0.0.1:8300", healthy: true },
  { node: "s2", rpcAddr: "10.0.0.2:8300", healthy: true },
  { node: "s3", rpcAddr: "10.0.0.3:8300", healthy: false },
];

const GATEWAYS = new Map<string, GatewayEntry[]>([
  ["dc1", [{ addr: "192.0.2.10:8443", healthy: true }]],
  ["dc2", [
    { addr: "198.18.1.1:443", healthy: true },
    { addr: "198.18.1.2:443", healthy: true },
    { addr: "198.18.1.3:443", healthy: false },
  ]],
  ["dc3", [{ addr: "198.18.3.1:443", healthy: false }]],
  ["dc4", []],
]);

function table(overrides: Partial<Parameters<typeof buildRouteTable>[0]> = {}): RouteTable {
  return buildRouteTable({
    localDc: "dc1",
    domain: "consul",
    trustDomain: TRUST_DOMAIN,
    localServers: SERVERS,
    gatewaysByDc: GATEWAYS,
    ...overrides,
  });
}

function route(sni: string | null, routes = table(), seed = 1) {
  return resolveRoute(routes, sni, new SeededRandom(seed));
}

describe("resolveRoute for the local datacenter", () => {
  test("gateway routes <node>.server.<localdc> to that server", () => {
    assert.deepEqual(route("s2.server.dc1.consul"), {
      kind: "local-server",
      node: "s2",
      addr: "10.0.0.2:8300",
    });
  });

  test("names match regardless of case and one trailing dot", () => {
    assert.deepEqual(route("S1.SERVER.Dc1.Consul."), {
      kind: "local-server",
      node: "s1",
      addr: "10.0.0.1:8300",
    });
    const upper = table({
      localDc: "DC1",
      domain: "Consul.",
      localServers: [{ node: "Web-1", rpcAddr: "10.0.0.9:8300", healthy: true }],
    });
    assert.deepEqual(route("web-1.server.dc1.consul", upper), {
      kind: "local-server",
      node: "Web-1",
      addr: "10.0.0.9:8300",
    });
  });

  test("server.<localdc> goes to a random healthy server and never to an unhealthy one", () => {
    const random = new SeededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const decision = resolveRoute(table(), "server.dc1.consul", random);
      assert.equal(decision.kind, "any-local-server");
      if (decision.kind === "any-local-server") seen.add(`${decision.node}=${decision.addr}`);
    }
    assert.deepEqual([...seen].sort(), ["s1=10.0.0.1:8300", "s2=10.0.0.2:8300"]);
    assert.ok(random.intCalls.every((n) => n === 2), "picks among the 2 healthy servers only");
  });

  test("an unhealthy or unknown named server is rejected", () => {
    assert.deepEqual(route("s3.server.dc1.consul"), {
      kind: "reject",
      reason: "no-healthy-server",
    });
    assert.deepEqual(route("s9.server.dc1.consul"), { kind: "reject", reason: "unknown-server" });
  });

  test("with no healthy server, server.<localdc> is rejected, not sent to our own gateway", () => {
    const routes = table({
      localServers: [{ node: "s1", rpcAddr: "10.0.0.1:8300", healthy: false }],
    });
    assert.deepEqual(route("server.dc1.consul", routes), {
      kind: "reject",
      reason: "no-healthy-server",
    });
    assert.equal(routes.remoteDcs.has("dc1"), false, "the local DC's gateways are ignored");
  });

  test("local service-mesh names are refused: this gateway carries federation only", () => {
    assert.deepEqual(route(`web.default.dc1.internal.${TRUST_DOMAIN}`), {
      kind: "reject",
      reason: "local-service-not-routed",
    });
  });
});

describe("resolveRoute for other datacenters", () => {
  test("gateway routes <node>.server.<dc> and server.<dc> to a healthy gateway of that dc", () => {
    for (const sni of ["s7.server.dc2.consul", "server.dc2.consul", "SERVER.DC2.CONSUL."]) {
      const random = new SeededRandom(3);
      const addrs = new Set<string>();
      for (let i = 0; i < 100; i++) {
        const decision = resolveRoute(table(), sni, random);
        assert.equal(decision.kind, "remote-dc", sni);
        if (decision.kind === "remote-dc") {
          assert.equal(decision.dc, "dc2");
          addrs.add(decision.addr);
        }
      }
      assert.deepEqual([...addrs].sort(), ["198.18.1.1:443", "198.18.1.2:443"], sni);
    }
  });

  test("service-mesh names <...>.<dc>.internal.<trustdomain> go to that dc's gateways", () => {
    const decision = route(`v2.web.default.dc2.internal.${TRUST_DOMAIN.toUpperCase()}.`);
    assert.equal(decision.kind, "remote-dc");
    assert.equal(decision.kind === "remote-dc" && decision.dc, "dc2");
    assert.deepEqual(route(`dc2.internal.${TRUST_DOMAIN}`), {
      kind: "reject",
      reason: "unknown-name",
    });
  });

  test("without a trust domain, mesh names are not routed", () => {
    const routes = table({ trustDomain: undefined });
    // The trust domain ends in ".consul", so the name falls under the Consul domain unmatched.
    assert.deepEqual(route(`web.default.dc2.internal.${TRUST_DOMAIN}`, routes), {
      kind: "reject",
      reason: "unknown-name",
    });
    assert.deepEqual(route("web.default.dc2.internal.example.org", routes), {
      kind: "reject",
      reason: "unknown-domain",
    });
  });

  test("a dc whose gateways are all unhealthy goes to one of them; one that has none is rejected", () => {
    assert.deepEqual(route("server.dc3.consul"), {
      kind: "remote-dc",
      dc: "dc3",
      addr: "198.18.3.1:443",
    });
    assert.deepEqual(route("s1.server.dc4.consul"), {
      kind: "reject",
      reason: "no-healthy-gateway",
    });
  });

  test("a dc missing from the federation states is an unknown datacenter", () => {
    assert.deepEqual(route("s1.server.dc9.consul"), {
      kind: "reject",
      reason: "unknown-datacenter",
    });
    assert.deepEqual(route(`web.default.dc9.internal.${TRUST_DOMAIN}`), {
      kind: "reject",
      reason: "unknown-datacenter",
    });
  });
});

describe("resolveRoute rejects names it does not route", () => {
  const cases: [string | null, string][] = [
    [null, "missing-server-name"],
    ["", "malformed-name"],
    ["s1..server.dc1.consul", "malformed-name"],
    ["*.server.dc1.consul", "malformed-name"],
    [`${"a".repeat(60)}.`.repeat(5) + "consul", "malformed-name"],
    ["s1.server.dc1.example.com", "unknown-domain"],
    ["consul", "unknown-domain"],
    ["s1.server.dc1.notconsul", "unknown-domain"],
    ["a.b.server.dc1.consul", "unknown-name"],
    ["s1.node.dc1.consul", "unknown-name"],
    ["server.consul", "unknown-name"],
    ["web.service.consul", "unknown-name"],
  ];
  for (const [sni, reason] of cases) {
    test(`${JSON.stringify(sni)} is rejected as ${reason}`, () => {
      assert.deepEqual(route(sni), { kind: "reject", reason });
    });
  }

  test("a multi-label domain works the same way", () => {
    const routes = table({ domain: "consul.example.com." });
    assert.equal(route("s1.server.dc1.consul.example.com", routes).kind, "local-server");
    assert.deepEqual(route("s1.server.dc1.consul", routes), {
      kind: "reject",
      reason: "unknown-domain",
    });
  });
});

describe("buildRouteTable", () => {
  test("leaves out unusable entries and lists why", () => {
    const routes = table({
      localServers: [
        ...SERVERS,
        { node: "a.b", rpcAddr: "10.0.0.4:8300", healthy: true },
        { node: "s4", rpcAddr: "10.0.0.4", healthy: true },
        { node: "S1", rpcAddr: "10.0.0.5:8300", healthy: true },
      ],
      gatewaysByDc: new Map([
        ["dc2", [{ addr: "not an address", healthy: true }, {
          addr: "[2001:db8::1]:443",
          healthy: true,
        }]],
        ["bad.dc", [{ addr: "198.18.9.9:443", healthy: true }]],
        ["DC2", [{ addr: "198.18.2.2:443", healthy: true }]],
      ]),
    });
    assert.deepEqual(routes.skipped.map((s) => `${s.source} ${s.name}`), [
      "local-server a.b",
      "local-server s4",
      "local-server S1",
      "gateway dc2",
      "gateway bad.dc",
      "gateway DC2",
    ]);
    assert.deepEqual(route("s1.server.dc1.consul", routes), {
      kind: "local-server",
      node: "s1",
      addr: "10.0.0.1:8300",
    });
    assert.deepEqual(route("server.dc2.consul", routes), {
      kind: "remote-dc",
      dc: "dc2",
      addr: "[2001:db8::1]:443",
    });
  });

  test("bad gateway settings throw a config error that names the setting", () => {
    assert.throws(() => table({ localDc: "dc.1" }), (error: unknown) => {
      assert.ok(error instanceof RouteTableConfigError);
      assert.match(error.message, /^Gateway datacenter "dc\.1" is not valid: use one label/);
      return true;
    });
    assert.throws(() => table({ domain: "" }), /Gateway domain "" is not valid/);
    assert.throws(() => table({ trustDomain: "a..b" }), /Gateway trust domain "a\.\.b"/);
  });
});
