import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  backoffMs,
  gatewayEntries,
  MAX_BACKOFF_MS,
  serverEntries,
} from "../../src/gateway/route_source.ts";
import { SILENT_LOGGER } from "../../src/gateway/proxy.ts";
import { buildGatewayRegistration } from "../../src/gateway/registration.ts";
import { gatewayEntry, serverEntry } from "./_fake_agent.ts";
import { SeededRandom } from "./_seeded_random.ts";

describe("route source parsing", () => {
  test("a server's RPC address is its service address, else its node address, with the port", () => {
    const plain = serverEntry("n1", "10.0.0.1", 8300);
    const withServiceAddress = {
      ...serverEntry("n2", "10.0.0.2", 8300),
      Service: { ...plain.Service, Address: "10.1.0.2" },
    };
    const ipv6 = serverEntry("n3", "fd00::3", 8300, "critical");
    assert.deepEqual(serverEntries([plain, withServiceAddress, ipv6], SILENT_LOGGER), [
      { node: "n1", rpcAddr: "10.0.0.1:8300", healthy: true },
      { node: "n2", rpcAddr: "10.1.0.2:8300", healthy: true },
      { node: "n3", rpcAddr: "[fd00::3]:8300", healthy: false },
    ]);
  });

  test("entries without node, address or port are skipped, not fatal", () => {
    const noPort = { ...serverEntry("n1", "10.0.0.1", 8300) };
    (noPort.Service as { Port: unknown }).Port = "8300";
    assert.deepEqual(serverEntries([noPort, null, 42], SILENT_LOGGER), []);
    assert.deepEqual(serverEntries({ not: "a list" }, SILENT_LOGGER), []);
  });

  test("a gateway's address is its wan tagged address, falling back to its service address", () => {
    const tagged = gatewayEntry("gw1", "198.18.1.1", 443);
    const untagged = gatewayEntry("gw2", "198.18.1.2", 443, "critical");
    delete (untagged.Service as { TaggedAddresses?: unknown }).TaggedAddresses;
    const byDc = gatewayEntries({ dc2: [tagged, untagged], dc3: [] }, SILENT_LOGGER);
    assert.deepEqual([...byDc], [
      ["dc2", [{ addr: "198.18.1.1:443", healthy: true }, {
        addr: "10.9.9.9:8443",
        healthy: false,
      }]],
      ["dc3", []],
    ]);
  });

  test("the MeshGateways-wrapped shape is read the same as Consul's plain map", () => {
    const entry = gatewayEntry("gw1", "198.18.1.1", 443);
    assert.deepEqual(
      [...gatewayEntries({ MeshGateways: { dc2: [entry] } }, SILENT_LOGGER)],
      [...gatewayEntries({ dc2: [entry] }, SILENT_LOGGER)],
    );
  });

  test("retry delays grow exponentially and stay within the cap", () => {
    const random = new SeededRandom(7);
    const delays = [1, 2, 3, 4, 20, 200].map((failures) => backoffMs(failures, random));
    assert.ok(delays[0] >= 125 && delays[0] <= 250, `first delay ${delays[0]}`);
    assert.ok(delays[3] >= 1000 && delays[3] <= 2000, `fourth delay ${delays[3]}`);
    for (const delay of delays.slice(4)) {
      assert.ok(delay >= MAX_BACKOFF_MS / 2 && delay <= MAX_BACKOFF_MS, `capped delay ${delay}`);
    }
  });
});

describe("gateway registration body", () => {
  test("-bind-address replaces the tagged-address bind hint, as in Consul", () => {
    const body = buildGatewayRegistration({
      lan: { Address: "10.0.0.5", Port: 8443 },
      wan: { Address: "198.18.0.5", Port: 443 },
      exposeServers: false,
      bindAddresses: { lan: { Address: "10.0.0.5", Port: 8443 } },
    });
    assert.deepEqual(body.Proxy, {
      Config: {
        envoy_gateway_no_default_bind: true,
        envoy_gateway_bind_addresses: { lan: { Address: "10.0.0.5", Port: 8443 } },
      },
    });
    assert.equal(body.Meta, undefined);
  });

  test("without a LAN address the check dials 127.0.0.1 and no lan tag is sent", () => {
    const body = buildGatewayRegistration({
      lan: { Address: "", Port: 8443 },
      wan: null,
      exposeServers: true,
      serviceId: "gw-1",
      deregisterCriticalServiceAfter: "90m",
    });
    assert.deepEqual(body, {
      Kind: "mesh-gateway",
      ID: "gw-1",
      Name: "mesh-gateway",
      Address: "",
      Port: 8443,
      TaggedAddresses: {},
      Meta: { "consul-wan-federation": "1" },
      Check: {
        Name: "mesh-gateway listening",
        TCP: "127.0.0.1:8443",
        Interval: "10s",
        DeregisterCriticalServiceAfter: "90m",
      },
    });
  });
});
