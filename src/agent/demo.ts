/**
 * The federation demo: a primary (dc1) and a secondary (dc2) datacenter on this machine, one
 * server and two mesh gateways each, federated only through the gateways — the servers are
 * never given each other's addresses. It follows the "New secondary" procedure: certificates,
 * the primary, its gateways, then the secondary configured with `primary_gateways` only.
 *
 * Everything it writes (CA, certificates, one config file per server, data) lands in one
 * directory, so an operator can read the configuration that made it work.
 *
 * @module
 */
import { loadConfig } from "../config/mod.ts";
import { type MeshGateway, startMeshGateway } from "../gateway/mod.ts";
import type { Runtime } from "../runtime/ports.ts";
import { createCa, createLeafCert } from "../tls/mod.ts";
import { type RunningAgent, startAgent } from "./agent.ts";
import type { Logger } from "./logger.ts";

/** Ports of one demo datacenter (all on the loopback address). */
export interface DemoDcPorts {
  readonly http: number;
  readonly server: number;
  readonly serfWan: number;
  readonly gateways: readonly [number, number];
}

/** The default layout: dc1 on 8xxx, dc2 on 9xxx. */
export const DEMO_PORTS: Readonly<Record<"dc1" | "dc2", DemoDcPorts>> = {
  dc1: { http: 8500, server: 8300, serfWan: 8302, gateways: [8443, 8444] },
  dc2: { http: 9500, server: 9300, serfWan: 9302, gateways: [9443, 9444] },
};

/** One running demo datacenter. */
export interface DemoDatacenter {
  readonly dc: string;
  readonly node: string;
  readonly ports: DemoDcPorts;
  readonly agent: RunningAgent;
  readonly gateways: readonly MeshGateway[];
  readonly configFile: string;
  /** `127.0.0.1:<http port>`, for `-http-addr`. */
  readonly httpAddr: string;
}

/** The running demo. */
export interface Demo {
  readonly dir: string;
  readonly primary: DemoDatacenter;
  readonly secondary: DemoDatacenter;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

/**
 * Starts both datacenters and returns once the secondary's server is up (federation then
 * forms within seconds; callers wait for it with their own checks).
 */
export async function startDemo(
  runtime: Runtime,
  options: {
    dir: string;
    logger: Logger;
    ports?: Readonly<Record<"dc1" | "dc2", DemoDcPorts>>;
    onStep?: (text: string) => void;
  },
): Promise<Demo> {
  const ports = options.ports ?? DEMO_PORTS;
  const step = options.onStep ?? (() => {});
  const started: { agent?: RunningAgent; gateways: MeshGateway[] }[] = [];
  const stop = async () => {
    for (const dc of started.reverse()) {
      for (const gateway of dc.gateways) await gateway.stop({ graceMs: 500 }).catch(() => {});
      await dc.agent?.shutdown().catch(() => {});
    }
  };
  try {
    step(`Writing a CA and server certificates to ${options.dir}`);
    const certs = await writeCertificates(runtime, options.dir);
    const primaryGateways = ports.dc1.gateways.map((port) => `${HOST}:${port}`);
    const startDc = async (dc: "dc1" | "dc2", node: string, extra: Record<string, unknown>) => {
      const entry: { agent?: RunningAgent; gateways: MeshGateway[] } = { gateways: [] };
      started.push(entry);
      const configFile = await writeServerConfig(runtime, options.dir, {
        dc,
        node,
        ports: ports[dc],
        certs,
        extra,
      });
      step(`Starting ${dc} server ${node} (config: ${configFile})`);
      const config = await loadConfig({
        fs: runtime.fs,
        args: [`-config-file=${configFile}`],
        hostname: node,
      });
      entry.agent = await startAgent(runtime, { config, logger: options.logger.named(dc) });
      for (const [i, port] of ports[dc].gateways.entries()) {
        step(`Starting ${dc} mesh gateway ${i + 1} on ${HOST}:${port} (-expose-servers)`);
        entry.gateways.push(
          await startMeshGateway({
            runtime,
            agentAddr: `${HOST}:${ports[dc].http}`,
            serviceName: "mesh-gateway",
            serviceId: `mesh-gateway-${i + 1}`,
            lanAddr: { Address: HOST, Port: port },
            wanAddr: { Address: HOST, Port: port },
            exposeServers: true,
            register: true,
          }),
        );
      }
      return {
        dc,
        node,
        ports: ports[dc],
        agent: entry.agent,
        gateways: entry.gateways,
        configFile,
        httpAddr: `${HOST}:${ports[dc].http}`,
      };
    };
    const primary = await startDc("dc1", "s1", {});
    const secondary = await startDc("dc2", "s2", {
      primary_datacenter: "dc1",
      primary_gateways: primaryGateways,
      primary_gateways_interval: "5s",
    });
    return { dir: options.dir, primary, secondary, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface DemoCertificates {
  readonly caFile: string;
  readonly servers: Record<string, { certFile: string; keyFile: string }>;
}

async function writeCertificates(runtime: Runtime, dir: string): Promise<DemoCertificates> {
  const { clock, random, fs } = runtime;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa({ domain: "consul", clock, random });
  const caFile = `${dir}/consul-agent-ca.pem`;
  await fs.writeFileAtomic(caFile, ca.certPem);
  const servers: DemoCertificates["servers"] = {};
  for (const [dc, node] of [["dc1", "s1"], ["dc2", "s2"]]) {
    const leaf = await createLeafCert({
      kind: "server",
      dc,
      node,
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
      random,
    });
    const certFile = `${dir}/${dc}-server-consul-0.pem`;
    const keyFile = `${dir}/${dc}-server-consul-0-key.pem`;
    await fs.writeFileAtomic(certFile, leaf.certPem);
    await fs.writeFileAtomic(keyFile, leaf.keyPem);
    servers[dc] = { certFile, keyFile };
  }
  return { caFile, servers };
}

async function writeServerConfig(
  runtime: Runtime,
  dir: string,
  options: {
    dc: string;
    node: string;
    ports: DemoDcPorts;
    certs: DemoCertificates;
    extra: Record<string, unknown>;
  },
): Promise<string> {
  const { dc, node, ports, certs } = options;
  const config = {
    datacenter: dc,
    node_name: node,
    server: true,
    bootstrap: true,
    bind_addr: HOST,
    client_addr: HOST,
    data_dir: `${dir}/${dc}-data`,
    ports: { http: ports.http, server: ports.server, serf_wan: ports.serfWan, dns: -1 },
    connect: { enabled: true, enable_mesh_gateway_wan_federation: true },
    tls: {
      defaults: {
        ca_file: certs.caFile,
        cert_file: certs.servers[dc].certFile,
        key_file: certs.servers[dc].keyFile,
        verify_incoming: true,
        verify_outgoing: true,
      },
      internal_rpc: { verify_server_hostname: true },
    },
    // Faster than Consul's WAN defaults so the demo settles in seconds.
    gossip_wan: { probe_interval: "1s", probe_timeout: "500ms", gossip_interval: "200ms" },
    retry_interval_wan: "1s",
    ...options.extra,
  };
  const file = `${dir}/${dc}-server.json`;
  await runtime.fs.writeFileAtomic(file, JSON.stringify(config, null, 2) + "\n");
  return file;
}
