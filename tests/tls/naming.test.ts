import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  dnsNameMatches,
  dnsNameWithinConstraint,
  parseServerSni,
  serverSni,
  TlsMaterialError,
  validateDatacenter,
  validateDomain,
  validateNodeName,
  validateSanDnsName,
} from "../../src/tls/mod.ts";

describe("serverSni", () => {
  test("names one server as <node>.server.<dc>.<domain>", () => {
    assert.equal(serverSni("dc2", "consul", "n1"), "n1.server.dc2.consul");
  });

  test("names any server of a datacenter when the node is absent, empty or *", () => {
    assert.equal(serverSni("dc2", "consul"), "server.dc2.consul");
    assert.equal(serverSni("dc2", "consul", ""), "server.dc2.consul");
    assert.equal(serverSni("dc2", "consul", "*"), "server.dc2.consul");
  });

  test("strips the trailing dot of the domain", () => {
    assert.equal(serverSni("dc1", "example.com.", "a"), "a.server.dc1.example.com");
  });
});

describe("parseServerSni", () => {
  test("reads node and datacenter from a node server name", () => {
    assert.deepEqual(parseServerSni("n1.server.dc2.consul", "consul"), { dc: "dc2", node: "n1" });
  });

  test("reads the datacenter from an any-server name", () => {
    assert.deepEqual(parseServerSni("server.dc2.consul", "consul"), { dc: "dc2" });
  });

  test("accepts multi-label domains, trailing dots and any letter case in fixed parts", () => {
    assert.deepEqual(parseServerSni("N1.SERVER.dc1.Example.COM.", "example.com."), {
      dc: "dc1",
      node: "N1",
    });
  });

  test("round-trips what serverSni builds", () => {
    for (const node of [undefined, "web-1", "node_2"]) {
      const name = serverSni("primary", "consul", node);
      const parsed = parseServerSni(name, "consul");
      assert.deepEqual(parsed, node ? { dc: "primary", node } : { dc: "primary" });
    }
  });

  test("rejects names that are not server names of the domain", () => {
    for (
      const name of [
        "server.dc1.other",
        "n1.client.dc1.consul",
        "a.b.server.dc1.consul",
        "dc1.consul",
        "*.server.dc1.consul",
        ".server.dc1.consul",
        "n1.server..consul",
        "consul",
        "xconsul",
        "n1.server.dc1.notconsul",
      ]
    ) {
      assert.equal(parseServerSni(name, "consul"), null, name);
    }
  });
});

describe("dnsNameMatches", () => {
  test("a wildcard covers exactly one left-most label", () => {
    assert.ok(dnsNameMatches("*.server.dc1.consul", "n1.server.dc1.consul"));
    assert.ok(!dnsNameMatches("*.server.dc1.consul", "server.dc1.consul"));
    assert.ok(!dnsNameMatches("*.server.dc1.consul", "a.b.server.dc1.consul"));
    assert.ok(!dnsNameMatches("*.server.dc1.consul", "n1.server.dc2.consul"));
  });

  test("exact names match case-insensitively and ignore a trailing dot", () => {
    assert.ok(dnsNameMatches("Server.DC1.consul", "server.dc1.consul."));
    assert.ok(!dnsNameMatches("server.dc1.consul", "server.dc1.consul.evil"));
    assert.ok(!dnsNameMatches("", ""));
  });

  test("a wildcard in the reference name is treated literally", () => {
    assert.ok(!dnsNameMatches("n1.server.dc1.consul", "*.server.dc1.consul"));
  });
});

describe("dnsNameWithinConstraint", () => {
  test("a constraint permits itself and its subdomains only", () => {
    assert.ok(dnsNameWithinConstraint("consul", "consul"));
    assert.ok(dnsNameWithinConstraint("n1.server.dc1.consul", "consul"));
    assert.ok(!dnsNameWithinConstraint("notconsul", "consul"));
    assert.ok(!dnsNameWithinConstraint("consul.evil", "consul"));
  });

  test("a leading-dot constraint permits subdomains but not the domain itself", () => {
    assert.ok(dnsNameWithinConstraint("a.example.com", ".example.com"));
    assert.ok(!dnsNameWithinConstraint("example.com", ".example.com"));
  });
});

describe("label validation", () => {
  test("datacenters follow Consul's lower-case rule and must be one label", () => {
    validateDatacenter("dc-1_a");
    for (const dc of ["DC1", "dc.1", "", "-dc", "a".repeat(64), "dc 1"]) {
      assert.throws(() => validateDatacenter(dc), TlsMaterialError, dc);
    }
  });

  test("node names must be one DNS label", () => {
    validateNodeName("Web_01");
    for (const node of ["a.b", "", "n/1", "-n", "n-", "a".repeat(64)]) {
      assert.throws(() => validateNodeName(node), /cannot be used in a server certificate/, node);
    }
  });

  test("domains and SAN names accept dotted labels; SANs also a leading wildcard", () => {
    validateDomain("consul");
    validateDomain("example.com.");
    assert.throws(() => validateDomain("bad..domain"), TlsMaterialError);
    validateSanDnsName("*.server.dc1.consul");
    validateSanDnsName("vault.service.consul");
    assert.throws(() => validateSanDnsName("a.*.consul"), /not a valid DNS name/);
    assert.throws(() => validateSanDnsName("has space.consul"), /not a valid DNS name/);
  });
});
