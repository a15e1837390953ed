/**
 * Mesh gateways that move to a new address while two datacenters are federated through them:
 * the change reaches the other datacenter through federation states, and federation keeps
 * working once the old addresses are gone.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildGatewayRegistration, type MeshGateway } from "../../src/gateway/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import {
  aliveWanMembers,
  type DcServer,
  eventually,
  Federation,
  federationStateGateways,
  forwardingWorks,
  gatewayAddr,
  routedConnections,
  wanfedConfig,
} from "./_federation.ts";

const runtime = await currentRuntime();
const federation = new Federation(runtime);
const BOTH_SERVERS = ["n1.dc1", "n2.dc2"];

let dc1: DcServer, dc2: DcServer;
let primaryA: MeshGateway, primaryB: MeshGateway;
let secondaryC: MeshGateway, secondaryD: MeshGateway;
/** Primary gateway A's replacement, the only primary gateway left after that step. */
let primaryReplacement: MeshGateway | undefined;

function portOf(gateway: MeshGateway): number {
  return gateway.addrs[0].port;
}

/**
 * How long a gateway move may take to reach the other datacenter's federation states.
 * Generous: when both datacenters' gateways move, replication may be in Consul's doubling
 * backoff (up to 256 s) from the failures the move itself caused, and the next retry is what
 * brings the news.
 */
const STATE_PROPAGATION_MS = 180_000;

/** Waits until `server`'s federation states list exactly `ports` for `dc`. */
async function awaitStatePorts(server: DcServer, dc: string, ports: number[]): Promise<void> {
  const expected = [...ports].sort();
  let seen: number[] | undefined;
  await eventually(
    `${server.dc}'s federation state of ${dc} to list gateway ports ${expected}`,
    async () => {
      seen = (await federationStateGateways(server))[dc];
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    STATE_PROPAGATION_MS,
  ).catch((error) => {
    throw new Error(`${error.message}; last seen ${JSON.stringify(seen)}`);
  });
}

async function awaitFederated(what: string): Promise<void> {
  await eventually(`dc1 -> dc2 forwarding ${what}`, () => forwardingWorks(dc1, dc2));
  await eventually(`dc2 -> dc1 forwarding ${what}`, () => forwardingWorks(dc2, dc1));
  for (const server of [dc1, dc2]) {
    await eventually(
      `${server.dc} to see both servers alive ${what}`,
      async () => JSON.stringify(await aliveWanMembers(server)) === JSON.stringify(BOTH_SERVERS),
    );
  }
}

before(async () => {
  dc1 = await federation.addServer("dc1", "n1", {
    extra: wanfedConfig(),
  });
  await federation.start(dc1);
  primaryA = await federation.startGateway(dc1, { serviceId: "mesh-gateway-a" });
  primaryB = await federation.startGateway(dc1, { serviceId: "mesh-gateway-b" });
  dc2 = await federation.addServer("dc2", "n2", {
    extra: {
      ...wanfedConfig([gatewayAddr(primaryA), gatewayAddr(primaryB)]),
    },
  });
  await federation.start(dc2);
  secondaryC = await federation.startGateway(dc2, { serviceId: "mesh-gateway-c" });
  secondaryD = await federation.startGateway(dc2, { serviceId: "mesh-gateway-d" });
  await awaitFederated("at start");
  await awaitStatePorts(dc2, "dc1", [portOf(primaryA), portOf(primaryB)]);
  await awaitStatePorts(dc1, "dc2", [portOf(secondaryC), portOf(secondaryD)]);
});
after(() => federation.close());

// The secondary's gateways move first: while they move, the secondary may have to fall back to
// dialing the primary's gateways directly, and Consul's advice is to keep the addresses in
// primary_gateways alive until new ones have replicated.
describe("mesh gateways that change address", () => {
  test("a secondary gateway restarted under the same ID on a new port reaches the primary", async () => {
    const oldPort = portOf(secondaryC);
    await secondaryC.stop({ graceMs: 200 });
    const replacement = await federation.startGateway(dc2, { serviceId: "mesh-gateway-c" });
    assert.notEqual(portOf(replacement), oldPort);
    await awaitStatePorts(dc1, "dc2", [portOf(replacement), portOf(secondaryD)]);
    await awaitStatePorts(dc2, "dc2", [portOf(replacement), portOf(secondaryD)]);
    await awaitFederated("after dc2's gateway moved");

    await secondaryD.stop({ graceMs: 200 });
    await awaitStatePorts(dc1, "dc2", [portOf(replacement)]);
    await awaitFederated("with only the replacement left in dc2");
    await assertWritesThrough(dc1, dc2, replacement, "the replacement gateway");
  });

  // Stopping B as soon as the replacement is *listed* in dc2's replica is deliberate: the
  // replica may still show the replacement's first check as critical, and then only the
  // last-resort dial of critical gateways keeps dc2 in touch with dc1.
  test("a primary gateway replaced under a new ID on a new port reaches the secondary", async () => {
    const oldPort = portOf(primaryA);
    await primaryA.stop({ graceMs: 200 });
    const replacement = await federation.startGateway(dc1, { serviceId: "mesh-gateway-a2" });
    primaryReplacement = replacement;
    assert.notEqual(portOf(replacement), oldPort);
    await awaitStatePorts(dc2, "dc1", [portOf(replacement), portOf(primaryB)]);
    await awaitStatePorts(dc1, "dc1", [portOf(replacement), portOf(primaryB)]);
    await awaitFederated("after dc1's gateway moved");

    await primaryB.stop({ graceMs: 200 });
    await awaitStatePorts(dc2, "dc1", [portOf(replacement)]);
    await awaitFederated("with only the replacement left in dc1");
    await assertWritesThrough(dc2, dc1, replacement, "the replacement gateway");
  });

  test("a primary gateway listed as critical carries federation once no healthy one is left", async () => {
    const current = primaryReplacement;
    assert.ok(current !== undefined, "the replacement from the previous step is running");
    const critical = await federation.startGateway(dc1, { register: false });
    await registerWithCriticalCheck(dc1, "mesh-gateway-critical", portOf(critical));
    await awaitStatePorts(dc2, "dc1", [portOf(current), portOf(critical)]);

    await current.stop({ graceMs: 200 });
    await awaitStatePorts(dc2, "dc1", [portOf(critical)]);
    await awaitFederated("through the critical gateway only");
    await assertWritesThrough(dc2, dc1, critical, "the critical gateway");
  });
});

/**
 * Writes a key from `from` into `to` with `?dc=`, and checks that `gateway` (of `to`) delivered
 * traffic to `to`'s server: the only way in once the other gateways are gone.
 */
async function assertWritesThrough(
  from: DcServer,
  to: DcServer,
  gateway: MeshGateway,
  what: string,
): Promise<void> {
  const put = await fetch(`${from.api}/kv/moved-${from.dc}?dc=${to.dc}`, {
    method: "PUT",
    body: from.dc,
  });
  assert.equal(await put.text(), "true", `${from.dc} writes to ${to.dc} through ${what}`);
  const delivered = routedConnections(gateway, `local-server:${to.node}`) +
    routedConnections(gateway, "any-local-server");
  assert.ok(delivered > 0, `${from.dc}'s traffic reached ${to.node} through ${what}`);
}

/**
 * Registers a running gateway in `server`'s catalog as a WAN-federation mesh gateway whose only
 * check is a TTL check nobody passes, so it stays critical while the gateway works.
 */
async function registerWithCriticalCheck(server: DcServer, id: string, port: number) {
  const body = buildGatewayRegistration({
    serviceName: "mesh-gateway",
    serviceId: id,
    lan: { Address: "127.0.0.1", Port: port },
    wan: { Address: "127.0.0.1", Port: port },
    exposeServers: true,
  });
  const response = await fetch(`${server.api}/agent/service/register`, {
    method: "PUT",
    body: JSON.stringify({ ...body, Check: { Name: "never passed", TTL: "1h" } }),
  });
  assert.equal(response.status, 200, await response.text());
}
