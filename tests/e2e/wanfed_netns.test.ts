/**
 * The proof of WAN federation via mesh gateways, with real processes of the compiled binary.
 * Each datacenter lives in its own network namespace and both use 10.0.0.0/24, so no route
 * between their servers can exist; only the gateways have public addresses on the shared WAN,
 * and each datacenter reaches the WAN outbound only through NAT (scripts/e2e/netns.sh).
 *
 * The federation scenarios run under `deno test` only: they drive the compiled binary, so the
 * runtime running this file only spawns processes and reads their answers, and a second run
 * under bun would repeat the same processes for minutes without covering anything new.
 * The topology test (no binary involved) runs under both.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  eventually,
  type LabProcess,
  listenerArgv,
  milestones,
  NetnsLab,
  netnsSkipReason,
  type NsName,
} from "./_netns.ts";
import {
  compiledBinary,
  createCertificates,
  Datacenter,
  type DcName,
  GATEWAY_PORT,
  gatewayAddress,
  HTTP_PORT,
  SERF_WAN_PORT,
  SERVER_IP,
  SERVER_RPC_PORT,
  serverPublicIp,
} from "./_netns_dc.ts";

/** Bound on federation forming or healing after a change (gossip, replication, checks). */
const FEDERATION_TIMEOUT_MS = 60_000;
/** Successful cross-DC requests in a row, each way, that count as "federation works". */
const HEALTHY_STREAK = 5;
const TEST_TIMEOUT_MS = 240_000;

const skipReason = await netnsSkipReason();
const heavySkip = skipReason ??
  ("Bun" in globalThis ? "the federation scenarios run under deno test only (see the top)" : null);
if (skipReason) console.log(`wanfed_netns: skipped: ${skipReason}`);
else if (heavySkip) console.log(`wanfed_netns: federation scenarios skipped: ${heavySkip}`);

const lab = new NetnsLab();
let work = "";
let dc1: Datacenter;
let dc2: Datacenter;

function other(dc: Datacenter): Datacenter {
  return dc === dc1 ? dc2 : dc1;
}

function allProcesses(): LabProcess[] {
  return [...dc1.processes(), ...dc2.processes()];
}

/** The primary's gateways' public addresses: the secondary's `primary_gateways`. */
const PRIMARY_GATEWAYS = [gatewayAddress("dc1", 1).wan, gatewayAddress("dc1", 2).wan];

/**
 * The seed's "Verification": `consulate members -wan` in each datacenter lists both servers,
 * alive, at `addressOf(dc)`; `GET /v1/catalog/services?dc=<other>` and `PUT /v1/kv/x?dc=<other>`
 * succeed both ways, and each write is readable in the datacenter it was sent to.
 */
async function verifyFederation(label: string, addressOf: (dc: DcName) => string): Promise<void> {
  const expected = [
    `s1.dc1 ${addressOf("dc1")}:${SERF_WAN_PORT} alive`,
    `s2.dc2 ${addressOf("dc2")}:${SERF_WAN_PORT} alive`,
  ];
  for (const dc of [dc1, dc2]) {
    await eventually(`members -wan in ${dc.dc} to show ${expected.join(", ")}`, async () => {
      const rows = await dc.wanMembers();
      const seen = rows.map((r) => `${r.node} ${r.address} ${r.status}`).sort();
      return seen.join(", ") === expected.join(", ") || seen.join(", ");
    }, { timeoutMs: FEDERATION_TIMEOUT_MS, logs: allProcesses() });
  }
  for (const from of [dc1, dc2]) {
    const to = other(from);
    await eventually(`GET /v1/catalog/services?dc=${to.dc} from ${from.dc}`, async () => {
      const { status, body } = await from.api("GET", `/v1/catalog/services?dc=${to.dc}`);
      return status === 200 && "consul" in JSON.parse(body) || `${status} ${body}`;
    }, { timeoutMs: FEDERATION_TIMEOUT_MS, logs: allProcesses() });
    const key = `verify/${label}/from-${from.dc}`;
    const put = await from.api("PUT", `/v1/kv/${key}?dc=${to.dc}`, `written by ${from.dc}`);
    assert.deepEqual([put.status, put.body], [200, "true"], `PUT ?dc=${to.dc} from ${from.dc}`);
    const read = await to.api("GET", `/v1/kv/${key}?raw`);
    assert.equal(read.body, `written by ${from.dc}`, `the write landed in ${to.dc}`);
  }
}

/** Cross-DC reads succeed `HEALTHY_STREAK` times in a row each way, or the failure seen. */
async function crossDcStreak(): Promise<true | string> {
  for (let i = 0; i < HEALTHY_STREAK; i++) {
    for (const from of [dc1, dc2]) {
      const { status, body } = await from.api("GET", `/v1/catalog/services?dc=${other(from).dc}`);
      if (status !== 200) return `${from.dc} -> ${other(from).dc}: ${status} ${body}`;
    }
  }
  return true;
}

/** Cross-DC reads, each way, in a loop until stopped: how many failed, and the last failure. */
function startCrossDcTally(): {
  stop(): Promise<{ ok: number; failed: number; lastFailure: string }>;
} {
  const counts = { ok: 0, failed: 0, lastFailure: "" };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const from of [dc1, dc2]) {
        const to = other(from).dc;
        const { status, body } = await from.api("GET", `/v1/catalog/services?dc=${to}`);
        if (status === 200) counts.ok++;
        else {
          counts.failed++;
          counts.lastFailure = `${from.dc} -> ${to}: ${status} ${body.trim()}`;
        }
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return counts;
    },
  };
}

describe("two datacenters on one private subnet, federated only through mesh gateways", () => {
  before(async () => {
    if (skipReason) return;
    work = mkdtempSync(join(tmpdir(), "consulate-wanfed-netns-"));
    lab.guardExit(() => rmSync(work, { recursive: true, force: true }));
    await lab.up();
    if (heavySkip) return;
    const binary = await compiledBinary(work);
    const servers = [{ dc: "dc1", node: "s1" }, { dc: "dc2", node: "s2" }] as const;
    await createCertificates(binary, work, servers);
    dc1 = new Datacenter(lab, "dc1", "s1", { binary, home: work });
    dc2 = new Datacenter(lab, "dc2", "s2", { binary, home: work });
  }, { timeout: TEST_TIMEOUT_MS });

  after(async () => {
    if (skipReason) return;
    await lab.down();
    rmSync(work, { recursive: true, force: true });
  }, { timeout: TEST_TIMEOUT_MS });

  test("from the WAN only a gateway's public port answers; the private subnet never does", {
    skip: skipReason ?? false,
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // Listeners on every address (the worst case: servers bound to 0.0.0.0) and the gateways'.
    const listeners = (dc: DcName): [string, number, string][] => [
      ...[SERVER_RPC_PORT, SERF_WAN_PORT, HTTP_PORT].map((port): [string, number, string] => [
        "0.0.0.0",
        port,
        `${dc} server`,
      ]),
      ...([1, 2] as const).flatMap((i): [string, number, string][] => [
        [gatewayAddress(dc, i).lan.split(":")[0], GATEWAY_PORT, `${dc} gateway ${i}`],
        [gatewayAddress(dc, i).wan.split(":")[0], GATEWAY_PORT, `${dc} gateway ${i}`],
      ]),
    ];
    for (const dc of ["dc1", "dc2"] as const) {
      lab.start(`${dc} listeners`, dc, listenerArgv(listeners(dc)));
    }
    for (const dc of ["dc1", "dc2"] as const) {
      await eventually(`${dc}'s test listeners`, async () => {
        return await lab.tcpBanner(dc, SERVER_IP, SERVER_RPC_PORT) === `${dc} server` || "not yet";
      }, { timeoutMs: 15_000 });
    }
    try {
      await assertOnlyGatewaysReachable(async (ns, host, port) =>
        await lab.tcpBanner(ns, host, port) !== null
      );
      for (const dc of ["dc1", "dc2"] as const) {
        // The other datacenter's server address, dialled from here, is this one's own server.
        assert.equal(await lab.tcpBanner(dc, SERVER_IP, SERVER_RPC_PORT), `${dc} server`);
        const wan = gatewayAddress(dc, 1).wan.split(":")[0];
        const from: NsName = dc === "dc1" ? "dc2" : "dc1";
        assert.equal(
          await lab.tcpBanner(from, wan, GATEWAY_PORT),
          `${dc} gateway 1`,
          `${from} reaches ${dc}'s gateway through its NAT`,
        );
      }
    } finally {
      await lab.killAll();
    }
  });

  test("a new secondary federates through the gateways: members -wan, ?dc= both ways", {
    skip: heavySkip ?? false,
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    // The seed's "New secondary": the primary with its gateways first, then the secondary.
    const reached = milestones("new secondary");
    await resetDirectDialCounters();
    await dc1.startServer({ kind: "gateways" }, join(work, "new-dc1"));
    reached("dc1's server is up");
    dc1.startGateway(1);
    dc1.startGateway(2);
    await dc1.waitForGateways(2);
    reached("dc1's gateways are registered and healthy");
    await dc2.startServer(
      { kind: "gateways", primaryGateways: PRIMARY_GATEWAYS },
      join(work, "new-dc2"),
    );
    reached("dc2's server is up");
    dc2.startGateway(1);
    dc2.startGateway(2);
    await dc2.waitForGateways(2);
    reached("dc2's gateways are registered and healthy");
    await verifyFederation("new", () => SERVER_IP);
    reached("verified");
  });

  test("no server can open a connection to a server of the other datacenter", {
    skip: heavySkip ?? false,
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    assert.ok(dc1.server && dc2.server, "the federation of the previous test is running");
    // Each datacenter's 10.0.0.10 is its own server: the other one's is unreachable by design.
    for (const dc of [dc1, dc2]) {
      const self = await dc.api("GET", "/v1/agent/self");
      assert.equal(JSON.parse(self.body).Config.Datacenter, dc.dc, `${SERVER_IP} in ${dc.dc}`);
    }
    await assertNoDirectServerDials("while federated through the gateways");
    await assertOnlyGatewaysReachable((ns, host, port) => lab.tcpConnects(ns, host, port));
    await resetDirectDialCounters(); // the probes themselves were counted
  });

  test("killing one gateway per datacenter keeps federation working", {
    skip: heavySkip ?? false,
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    assert.ok(dc1.server && dc2.server, "the federation of the previous test is running");
    assert.equal(await crossDcStreak(), true, "federation works before the kill");
    const killedAt = performance.now();
    for (const dc of [dc1, dc2]) dc.gateways.get(1)!.signal("SIGKILL");
    await Promise.all([dc1, dc2].map((dc) => dc.gateways.get(1)!.exited));
    const tally = startCrossDcTally();
    await eventually(`${HEALTHY_STREAK} cross-DC reads in a row each way`, crossDcStreak, {
      timeoutMs: FEDERATION_TIMEOUT_MS,
      intervalMs: 100,
      logs: allProcesses(),
    });
    const requestsMs = Math.round(performance.now() - killedAt);
    await Promise.all([dc1.waitForGateways(1), dc2.waitForGateways(1)]);
    const checksMs = Math.round(performance.now() - killedAt);
    const { ok, failed, lastFailure } = await tally.stop();
    await verifyFederation("one-gateway", () => SERVER_IP);
    const membersMs = Math.round(performance.now() - killedAt);
    console.log(
      `wanfed_netns: after SIGKILL of one gateway per DC: ${HEALTHY_STREAK} ?dc= reads in a row ` +
        `each way after ${requestsMs} ms; dead gateways critical in both catalogs after ` +
        `${checksMs} ms, with ${failed} of ${ok + failed} cross-DC reads failed until then` +
        `${lastFailure ? ` (last: ${lastFailure})` : ""}; members -wan alive and KV ?dc= both ` +
        `ways again after ${membersMs} ms`,
    );
    await assertNoDirectServerDials("while healing");
  });

  test("an existing secondary migrates from direct WAN to the gateways and loses no data", {
    skip: heavySkip ?? false,
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await lab.killAll();
    dc1.server = dc2.server = null;
    dc1.gateways.clear();
    dc2.gateways.clear();
    const reached = milestones("existing secondary");
    // The previous issue's federation: servers with public addresses (1:1 NAT), joined over WAN.
    await lab.setDirectWan(true);
    const data = { dc1: join(work, "migrate-dc1"), dc2: join(work, "migrate-dc2") };
    await dc1.startServer({ kind: "direct" }, data.dc1);
    await dc2.startServer(
      { kind: "direct", joinWan: `${serverPublicIp("dc1")}:${SERF_WAN_PORT}` },
      data.dc2,
    );
    await verifyFederation("direct", serverPublicIp);
    const written = await writeMigrationData();
    reached(`federated over direct WAN with ${written.size} keys written`);

    // "Existing secondary" 1–2 (same binary, so no upgrade restart), then 3: gateways.
    for (const dc of [dc1, dc2]) {
      dc.startGateway(1);
      dc.startGateway(2);
    }
    await Promise.all([dc1.waitForGateways(2), dc2.waitForGateways(2)]);
    reached("step 3: gateways registered in both datacenters");
    // 4: the primary's servers get the new configuration and restart.
    await dc1.stopServer();
    await dc1.startServer({ kind: "gateways" }, data.dc1);
    await dc1.waitForGateways(2); // registered once by each gateway, kept across the restart
    reached("step 4: the primary restarted with the gateway configuration");
    // 5: the secondary's servers get the new configuration and restart.
    await dc2.stopServer();
    await dc2.startServer({ kind: "gateways", primaryGateways: PRIMARY_GATEWAYS }, data.dc2);
    await dc2.waitForGateways(2);
    reached("step 5: the secondary restarted with the gateway configuration");
    // The servers' public addresses go away (this also zeroes the counters): from now on only
    // the gateways can connect the datacenters.
    await lab.setDirectWan(false);

    await verifyFederation("migrated", () => SERVER_IP);
    await assertMigrationData(written);
    reached("verified, and every key is there");
    await assertNoDirectServerDials("after the migration");
  });
});

/**
 * From the WAN, and from each datacenter towards the other: the gateways' public port answers;
 * server ports on the gateways' addresses and the private subnet (even with a hostile route
 * pointing it at the datacenter) never do. `connects` decides what "answers" means.
 */
async function assertOnlyGatewaysReachable(
  connects: (ns: NsName, host: string, port: number) => Promise<boolean>,
): Promise<void> {
  const serverPorts = [SERVER_RPC_PORT, SERF_WAN_PORT, HTTP_PORT];
  for (const dc of ["dc1", "dc2"] as const) {
    const publicIps = ([1, 2] as const).map((i) => gatewayAddress(dc, i).wan.split(":")[0]);
    const otherDc: NsName = dc === "dc1" ? "dc2" : "dc1";
    for (const from of ["wan", otherDc] as const) {
      for (const ip of publicIps) {
        assert.ok(await connects(from, ip, GATEWAY_PORT), `${from} reaches ${ip}:${GATEWAY_PORT}`);
        for (const port of serverPorts) {
          assert.ok(!await connects(from, ip, port), `${from} must not reach ${ip}:${port}`);
        }
      }
    }
    await lab.withRoute("wan", { destination: "10.0.0.0/24", via: publicIps[0] }, async () => {
      for (const port of serverPorts) {
        assert.ok(
          !await connects("wan", SERVER_IP, port),
          `the WAN, routing 10.0.0.0/24 at ${dc}, must not reach ${dc}'s ${SERVER_IP}:${port}`,
        );
      }
      const lan = gatewayAddress(dc, 1).lan.split(":")[0];
      assert.ok(!await connects("wan", lan, GATEWAY_PORT), `the WAN must not reach ${lan}`);
    });
  }
}

/** Zeroes both datacenters' count of packets sent to server ports across the WAN. */
async function resetDirectDialCounters(): Promise<void> {
  for (const dc of ["dc1", "dc2"] as const) await lab.resetCounter(dc, "direct_server_dials");
}

/** Fails if anything sent a packet to a server port (8300-8302) across the WAN. */
async function assertNoDirectServerDials(when: string): Promise<void> {
  for (const dc of ["dc1", "dc2"] as const) {
    const packets = await lab.counter(dc, "direct_server_dials");
    assert.equal(packets, 0, `${when}, ${dc} sent ${packets} packets to server ports over the WAN`);
  }
}

type Written = Map<string, { dc: DcName; value: string }>;

/** KV written over direct WAN before the migration: locally and across datacenters. */
async function writeMigrationData(): Promise<Written> {
  const written: Written = new Map();
  for (const from of [dc1, dc2]) {
    for (const to of [from, other(from)]) {
      for (let i = 0; i < 10; i++) {
        const key = `migration/${to.dc}/from-${from.dc}-${i}`;
        const value = `${from.dc}->${to.dc} #${i}`;
        const { status, body } = await from.api("PUT", `/v1/kv/${key}?dc=${to.dc}`, value);
        assert.deepEqual([status, body], [200, "true"], `PUT ${key} from ${from.dc}`);
        written.set(key, { dc: to.dc, value });
      }
    }
  }
  return written;
}

/** Every key is in its datacenter, read there and through the other datacenter's gateways. */
async function assertMigrationData(written: Written): Promise<void> {
  for (const dc of [dc1, dc2]) {
    const { status, body } = await dc.api("GET", `/v1/kv/migration/${dc.dc}/?keys`);
    assert.equal(status, 200, `key list in ${dc.dc}: ${body}`);
    const expected = [...written].filter(([, w]) => w.dc === dc.dc).map(([key]) => key).sort();
    assert.deepEqual((JSON.parse(body) as string[]).sort(), expected, `keys in ${dc.dc}`);
  }
  for (const [key, { dc, value }] of written) {
    const local = dc === "dc1" ? dc1 : dc2;
    assert.equal((await local.api("GET", `/v1/kv/${key}?raw`)).body, value, `${key} in ${dc}`);
    const remote = await other(local).api("GET", `/v1/kv/${key}?raw&dc=${dc}`);
    assert.equal(remote.body, value, `${key} read from ${other(local).dc} with ?dc=${dc}`);
  }
}
