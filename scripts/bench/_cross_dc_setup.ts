/**
 * The processes of the cross-DC read benchmark, all on 127.0.0.1 and all children of the
 * driver: two federations of two single-server datacenters each, started side by side so that
 * every configuration is measured under the same machine load.
 *
 * - Direct WAN: dc1 and dc2 servers that dial each other's RPC port (`retry_join_wan`).
 * - Via gateways: dc1 and dc2 servers with `enable_mesh_gateway_wan_federation`, one mesh
 *   gateway each (`consulate mesh-gateway -register -expose-servers`); dc2 knows only dc1's
 *   gateway (`primary_gateways`), so a `?dc=dc2` read from dc1 crosses dc1's gateway, then
 *   dc2's gateway, then reaches dc2's server.
 *
 * Each datacenter holds one KV key and one catalog service whose contents name the
 * datacenter, so a read proves which datacenter answered it.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import { type ServerChild, type ServerRuntime, spawnServer } from "./_server_child.ts";

/** The KV key written in every datacenter. */
export const CROSS_DC_KV_KEY = "bench/cross-dc";
/** The catalog service registered in every datacenter. */
export const CROSS_DC_SERVICE = "bench-web";
/** How long both federations may take to answer reads for each other. */
const FEDERATION_TIMEOUT_MS = 120_000;
/** Pause between federation probes. */
const FEDERATION_POLL_MS = 250;
const HOST = "127.0.0.1";

/** The KV value written in `dc`. */
export function kvValueFor(dc: string): string {
  return `written in ${dc}`;
}

/** The catalog node holding the service in `dc` (named for it, so answers show their DC). */
export function serviceNodeFor(dc: string): string {
  return `bench-node-${dc}`;
}

/** One server of a federation. */
export interface CrossDcServer {
  readonly dc: "dc1" | "dc2";
  readonly child: ServerChild;
  readonly httpPort: number;
}

/** One federation of dc1 and dc2, and the gateways in its WAN path (none for direct WAN). */
export interface CrossDcFederation {
  readonly dc1: CrossDcServer;
  readonly dc2: CrossDcServer;
  readonly gateways: readonly ServerChild[];
}

/** Everything the benchmark started for one runtime. */
export interface CrossDcCluster {
  readonly direct: CrossDcFederation;
  readonly viaGateways: CrossDcFederation;
  /** Stops every child (idempotent) and removes the work directory. */
  stop(): Promise<void>;
}

interface Certs {
  readonly caFile: string;
  leaf(dc: string, node: string): Promise<{ certFile: string; keyFile: string }>;
}

/** `count` distinct free loopback ports (held open together, so none repeats). */
async function freePorts(runtime: Runtime, count: number): Promise<number[]> {
  const listeners = [];
  for (let i = 0; i < count; i++) {
    listeners.push(await runtime.net.listenTcp({ hostname: HOST, port: 0 }));
  }
  await Promise.all(listeners.map((listener) => listener.close()));
  return listeners.map((listener) => listener.addr.port);
}

async function makeCerts(runtime: Runtime, dir: string): Promise<Certs> {
  const { clock, random, fs } = runtime;
  const ca = await createCa({ domain: "consul", clock, random });
  const caFile = `${dir}/ca.pem`;
  await fs.writeFileAtomic(caFile, ca.certPem);
  const leaf = async (dc: string, node: string) => {
    const cert = await createLeafCert({
      kind: "server",
      dc,
      node,
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
      random,
    });
    const certFile = `${dir}/${dc}-${node}.pem`;
    const keyFile = `${dir}/${dc}-${node}-key.pem`;
    await fs.writeFileAtomic(certFile, cert.certPem);
    await fs.writeFileAtomic(keyFile, cert.keyPem);
    return { certFile, keyFile };
  };
  return { caFile, leaf };
}

interface ServerPlan {
  readonly dc: "dc1" | "dc2";
  readonly node: string;
  readonly ports: { http: number; server: number; serfLan: number; serfWan: number };
  readonly extra: Record<string, unknown>;
}

async function writeConfig(
  runtime: Runtime,
  dir: string,
  plan: ServerPlan,
  certs: Certs,
): Promise<string> {
  const { certFile, keyFile } = await certs.leaf(plan.dc, plan.node);
  const config = {
    datacenter: plan.dc,
    node_name: plan.node,
    server: true,
    bootstrap: true,
    bind_addr: HOST,
    client_addr: HOST,
    data_dir: `${dir}/${plan.node}-data`,
    log_level: "WARN",
    ports: {
      http: plan.ports.http,
      server: plan.ports.server,
      serf_lan: plan.ports.serfLan,
      serf_wan: plan.ports.serfWan,
      dns: -1,
    },
    tls: {
      defaults: {
        ca_file: certs.caFile,
        cert_file: certFile,
        key_file: keyFile,
        verify_incoming: true,
        verify_outgoing: true,
      },
      internal_rpc: { verify_server_hostname: true },
    },
    // Faster than Consul's WAN defaults so that both federations form in seconds.
    gossip_wan: { probe_interval: "1s", probe_timeout: "500ms", gossip_interval: "200ms" },
    retry_interval_wan: "1s",
    ...plan.extra,
  };
  const file = `${dir}/${plan.node}.json`;
  await runtime.fs.writeFileAtomic(file, JSON.stringify(config, null, 2) + "\n");
  return file;
}

/** What starting children needs. */
interface SpawnContext {
  readonly runtime: Runtime;
  readonly server: ServerRuntime;
  readonly root: string;
  readonly dir: string;
  readonly certs: Certs;
  readonly children: ServerChild[];
}

async function startServer(ctx: SpawnContext, plan: ServerPlan): Promise<CrossDcServer> {
  const configFile = await writeConfig(ctx.runtime, ctx.dir, plan, ctx.certs);
  const child = spawnServer(ctx.server, {
    root: ctx.root,
    clock: ctx.runtime.clock,
    port: plan.ports.http,
    label: `${ctx.server} ${plan.dc} server ${plan.node}`,
    args: ["src/cli/main.ts", "agent", `-config-file=${configFile}`],
  });
  ctx.children.push(child);
  // A server answers reads only once it has elected itself leader.
  await child.waitReady("/v1/status/leader", (body) => body.includes(":"));
  return { dc: plan.dc, child, httpPort: plan.ports.http };
}

async function startGateway(
  ctx: SpawnContext,
  agent: CrossDcServer,
  ports: { gateway: number; admin: number },
): Promise<ServerChild> {
  const address = `${HOST}:${ports.gateway}`;
  const child = spawnServer(ctx.server, {
    root: ctx.root,
    clock: ctx.runtime.clock,
    port: ports.admin,
    label: `${ctx.server} ${agent.dc} mesh gateway`,
    args: [
      "src/cli/main.ts",
      "mesh-gateway",
      "-register",
      "-expose-servers",
      `-address=${address}`,
      `-wan-address=${address}`,
      `-http-addr=${HOST}:${agent.httpPort}`,
      `-admin-bind=${HOST}:${ports.admin}`,
    ],
  });
  ctx.children.push(child);
  await child.waitReady("/ready");
  return child;
}

function serverPorts(p: number[]): ServerPlan["ports"] {
  return { http: p[0], server: p[1], serfLan: p[2], serfWan: p[3] };
}

async function startDirect(ctx: SpawnContext): Promise<CrossDcFederation> {
  const p = await freePorts(ctx.runtime, 8);
  const dc1 = await startServer(ctx, {
    dc: "dc1",
    node: "direct-s1",
    ports: serverPorts(p.slice(0, 4)),
    extra: {},
  });
  const dc2 = await startServer(ctx, {
    dc: "dc2",
    node: "direct-s2",
    ports: serverPorts(p.slice(4, 8)),
    extra: { retry_join_wan: [`${HOST}:${p[3]}`] },
  });
  return { dc1, dc2, gateways: [] };
}

async function startViaGateways(ctx: SpawnContext): Promise<CrossDcFederation> {
  const p = await freePorts(ctx.runtime, 12);
  const meshFederation = { connect: { enabled: true, enable_mesh_gateway_wan_federation: true } };
  const dc1 = await startServer(ctx, {
    dc: "dc1",
    node: "gw-s1",
    ports: serverPorts(p.slice(0, 4)),
    extra: meshFederation,
  });
  const gateway1 = await startGateway(ctx, dc1, { gateway: p[8], admin: p[9] });
  const dc2 = await startServer(ctx, {
    dc: "dc2",
    node: "gw-s2",
    ports: serverPorts(p.slice(4, 8)),
    extra: {
      ...meshFederation,
      primary_datacenter: "dc1",
      primary_gateways: [`${HOST}:${p[8]}`],
      primary_gateways_interval: "5s",
    },
  });
  const gateway2 = await startGateway(ctx, dc2, { gateway: p[10], admin: p[11] });
  return { dc1, dc2, gateways: [gateway1, gateway2] };
}

async function put(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: "PUT", body });
  const text = await response.text();
  if (response.status !== 200 || text.trim() !== "true") {
    throw new Error(`PUT ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** Writes the KV key and registers the catalog service in `server`'s datacenter. */
async function seed(server: CrossDcServer): Promise<void> {
  const base = `http://${HOST}:${server.httpPort}/v1`;
  await put(`${base}/kv/${CROSS_DC_KV_KEY}`, kvValueFor(server.dc));
  await put(
    `${base}/catalog/register`,
    JSON.stringify({
      Node: serviceNodeFor(server.dc),
      Address: HOST,
      Service: { Service: CROSS_DC_SERVICE, Port: 8080 },
    }),
  );
}

async function answersFor(from: CrossDcServer, to: CrossDcServer): Promise<boolean> {
  const url = `http://${HOST}:${from.httpPort}/v1/kv/${CROSS_DC_KV_KEY}?dc=${to.dc}`;
  const response = await fetch(url).catch(() => null);
  const text = await response?.text().catch(() => "") ?? "";
  return response?.status === 200 && text.includes(btoa(kvValueFor(to.dc)));
}

/** Resolves once each datacenter of `federation` answers KV reads for the other. */
async function waitFederated(
  runtime: Runtime,
  federation: CrossDcFederation,
  name: string,
): Promise<void> {
  const deadline = runtime.clock.monotonicMs() + FEDERATION_TIMEOUT_MS;
  for (;;) {
    const ready = await answersFor(federation.dc1, federation.dc2) &&
      await answersFor(federation.dc2, federation.dc1);
    if (ready) return;
    if (runtime.clock.monotonicMs() > deadline) {
      const tails = [federation.dc1.child, federation.dc2.child, ...federation.gateways]
        .map((c) => `--- ${c.label}:\n${c.logTail}`).join("\n");
      throw new Error(
        `The ${name} federation did not form in ${FEDERATION_TIMEOUT_MS} ms\n${tails}`,
      );
    }
    await runtime.clock.sleep(FEDERATION_POLL_MS);
  }
}

/**
 * Starts both federations on `server`'s runtime, seeds every datacenter and waits until
 * each answers reads for the other. On failure everything started is stopped again.
 */
export async function startCrossDc(
  runtime: Runtime,
  options: {
    server: ServerRuntime;
    root: string;
    workDir: string;
    progress: (line: string) => void;
  },
): Promise<CrossDcCluster> {
  const dir = `${options.workDir}/${options.server}`;
  await runtime.fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const children: ServerChild[] = [];
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      await Promise.all(children.reverse().map((child) => child.stop().catch(() => {})));
      await runtime.fs.remove(dir, { recursive: true }).catch(() => {});
    })();
  try {
    const certs = await makeCerts(runtime, dir);
    const ctx: SpawnContext = { ...options, runtime, dir, certs, children };
    options.progress(`${options.server}: starting dc1 and dc2 over direct WAN`);
    const direct = await startDirect(ctx);
    options.progress(`${options.server}: starting dc1 and dc2 with a mesh gateway each`);
    const viaGateways = await startViaGateways(ctx);
    for (const server of [direct.dc1, direct.dc2, viaGateways.dc1, viaGateways.dc2]) {
      await seed(server);
    }
    options.progress(`${options.server}: waiting for both federations`);
    await waitFederated(runtime, direct, "direct WAN");
    await waitFederated(runtime, viaGateways, "mesh gateway");
    return { direct, viaGateways, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
