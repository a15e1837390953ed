/**
 * Test fixtures for several datacenters on loopback: a shared CA, one server per datacenter
 * (in-process through startAgent, or as a child process), with fast WAN gossip timings.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningAgent, startAgent } from "../../src/agent/agent.ts";
import { createLogger, LOG_LEVELS, type LogLevel } from "../../src/agent/logger.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { type MeshGateway, startMeshGateway } from "../../src/gateway/mod.ts";
import type { Runtime } from "../../src/runtime/ports.ts";
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import { freePort } from "../e2e/_agent_process.ts";

/**
 * WAN gossip fast enough for tests (Consul's `gossip_wan` keys), yet slack enough that a busy
 * 2-core machine running other suites does not see false failures.
 */
export const FAST_GOSSIP_WAN = {
  probe_interval: "400ms",
  probe_timeout: "250ms",
  suspicion_mult: 3,
  gossip_interval: "100ms",
  retransmit_mult: 3,
};

/**
 * WAN gossip timings for federation through gateways: every probe crosses two gateways and a
 * TLS tunnel, and cutting a tunnel (a gateway stopped) must not make one lost probe declare a
 * server failed; with FAST_GOSSIP_WAN, parallel suites on a 2-core machine saw false failures.
 */
export const GATEWAY_GOSSIP_WAN = {
  probe_interval: "1s",
  probe_timeout: "500ms",
  suspicion_mult: 6,
  gossip_interval: "200ms",
  retransmit_mult: 3,
};

/** One datacenter's server: its config file, ports and (when started in-process) agent. */
export interface DcServer {
  readonly dc: string;
  readonly node: string;
  readonly configFile: string;
  readonly httpPort: number;
  readonly serverPort: number;
  readonly serfWanPort: number;
  agent?: RunningAgent;
  /** `http://127.0.0.1:<port>/v1` */
  readonly api: string;
}

/** A temporary directory with a CA, and the servers built in it. */
export class Federation {
  readonly dir = mkdtempSync(join(tmpdir(), "consulate-federation-"));
  readonly servers: DcServer[] = [];
  /** Gateways started through {@linkcode Federation.startGateway}, stopped first on close. */
  readonly gateways: MeshGateway[] = [];
  #ca: { certPem: string; keyPem: string } | null = null;

  constructor(readonly runtime: Runtime) {}

  /**
   * Writes a server's certificates and config file; `otherCa` issues from an untrusted CA, and
   * `certDc` issues the certificate for another datacenter than the one configured.
   */
  async addServer(
    dc: string,
    node: string,
    options: {
      joinWan?: DcServer;
      otherCa?: boolean;
      certDc?: string;
      extra?: Record<string, unknown>;
    } = {},
  ): Promise<DcServer> {
    const { clock, random } = this.runtime;
    this.#ca ??= await createCa({ domain: "consul", clock, random });
    const ca = options.otherCa ? await createCa({ domain: "consul", clock, random }) : this.#ca;
    const leaf = await createLeafCert({
      kind: "server",
      dc: options.certDc ?? dc,
      node,
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
      random,
    });
    const home = join(this.dir, `${dc}-${node}`);
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, "ca.pem"), ca.certPem);
    writeFileSync(join(home, "cert.pem"), leaf.certPem);
    writeFileSync(join(home, "key.pem"), leaf.keyPem, { mode: 0o600 });
    const [httpPort, serverPort, serfWanPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const config = {
      datacenter: dc,
      node_name: node,
      server: true,
      bootstrap: true,
      bind_addr: "127.0.0.1",
      client_addr: "127.0.0.1",
      data_dir: join(home, "data"),
      log_level: "WARN",
      ports: { http: httpPort, server: serverPort, serf_wan: serfWanPort, dns: -1 },
      tls: {
        defaults: {
          ca_file: join(home, "ca.pem"),
          cert_file: join(home, "cert.pem"),
          key_file: join(home, "key.pem"),
          verify_incoming: true,
          verify_outgoing: true,
        },
        internal_rpc: { verify_server_hostname: true },
      },
      gossip_wan: FAST_GOSSIP_WAN,
      ...(options.joinWan
        ? {
          retry_join_wan: [`127.0.0.1:${options.joinWan.serfWanPort}`],
          retry_interval_wan: "200ms",
        }
        : {}),
      ...options.extra,
    };
    const configFile = join(home, "server.json");
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const server: DcServer = {
      dc,
      node,
      configFile,
      httpPort,
      serverPort,
      serfWanPort,
      api: `http://127.0.0.1:${httpPort}/v1`,
    };
    this.servers.push(server);
    return server;
  }

  /** Starts a server in this process. */
  async start(server: DcServer): Promise<RunningAgent> {
    const config = await loadConfig({
      fs: this.runtime.fs,
      args: [`-config-file=${server.configFile}`],
      hostname: server.node,
    });
    const logger = createLogger({
      level: testLogLevel(),
      clock: this.runtime.clock,
      sink: (line) => this.runtime.process.writeStderr(`[${server.dc}] ${line}`),
    });
    server.agent = await startAgent(this.runtime, { config, logger });
    return server.agent;
  }

  /**
   * Starts a mesh gateway for `server`'s datacenter on `port` (default: a free one), registered
   * in its agent with `-expose-servers`, the way `consulate mesh-gateway -register` does.
   */
  async startGateway(
    server: DcServer,
    options: { port?: number; serviceId?: string; register?: boolean } = {},
  ): Promise<MeshGateway> {
    const port = options.port ?? await freePort();
    const gateway = await startMeshGateway({
      runtime: this.runtime,
      agentAddr: `127.0.0.1:${server.httpPort}`,
      serviceName: "mesh-gateway",
      serviceId: options.serviceId ?? `mesh-gateway-${port}`,
      lanAddr: { Address: "127.0.0.1", Port: port },
      wanAddr: { Address: "127.0.0.1", Port: port },
      exposeServers: true,
      register: options.register ?? true,
    });
    this.gateways.push(gateway);
    return gateway;
  }

  /** Stops every gateway and in-process agent, then removes the directory. */
  async close(): Promise<void> {
    for (const gateway of this.gateways) await gateway.stop({ graceMs: 200 }).catch(() => {});
    for (const server of this.servers) await server.agent?.shutdown().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `CONSULATE_TEST_LOG=DEBUG` (or INFO, TRACE) shows what the servers did when a test fails. */
function testLogLevel(): LogLevel {
  const wanted = process.env.CONSULATE_TEST_LOG?.toUpperCase();
  return LOG_LEVELS.find((level) => level === wanted) ?? "WARN";
}

/**
 * Config for WAN federation via mesh gateways (`extra` of {@linkcode Federation.addServer}):
 * Connect on, dc1 primary, and in a secondary the primary's gateway addresses. Intervals are
 * short so a test sees the bootstrap and the star join retried within seconds.
 */
export function wanfedConfig(primaryGateways: readonly string[] = []): Record<string, unknown> {
  return {
    primary_datacenter: "dc1",
    gossip_wan: GATEWAY_GOSSIP_WAN,
    connect: { enabled: true, enable_mesh_gateway_wan_federation: true },
    retry_interval_wan: "500ms",
    ...(primaryGateways.length > 0
      ? { primary_gateways: [...primaryGateways], primary_gateways_interval: "1s" }
      : {}),
  };
}

/** `127.0.0.1:<port>` of a gateway's first listener. */
export function gatewayAddr(gateway: MeshGateway): string {
  return `127.0.0.1:${gateway.addrs[0].port}`;
}

/** Connections a gateway routed on `route` (`remote-dc:dc2`, `local-server:n1`, ...). */
export function routedConnections(gateway: MeshGateway, route: string): number {
  return gateway.counters.snapshot().routes.find((row) => row.route === route)?.connections ?? 0;
}

/** Bytes a gateway spliced on `route`, both directions together. */
export function routedBytes(gateway: MeshGateway, route: string): number {
  const row = gateway.counters.snapshot().routes.find((r) => r.route === route);
  return row === undefined ? 0 : row.bytesIn + row.bytesOut;
}

/** The datacenters and gateway WAN ports a server's replicated federation states list. */
export async function federationStateGateways(
  server: DcServer,
): Promise<Record<string, number[]>> {
  const { body } = await getJson<
    { Datacenter: string; MeshGateways?: { Service: { Port: number } }[] }[]
  >(`${server.api}/internal/federation-states`);
  const result: Record<string, number[]> = {};
  for (const state of body) {
    result[state.Datacenter] = (state.MeshGateways ?? []).map((g) => g.Service.Port).sort();
  }
  return result;
}

/** True when a `?dc=` catalog read from `from` to `to` answers 200 with the `consul` service. */
export async function forwardingWorks(from: DcServer, to: DcServer): Promise<boolean> {
  const response = await fetch(`${from.api}/catalog/services?dc=${to.dc}`);
  const text = await response.text();
  return response.ok && "consul" in JSON.parse(text);
}

/** GET `url` and parse JSON, failing with the status and body when not 2xx. */
export async function getJson<T = unknown>(url: string): Promise<{ body: T; headers: Headers }> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${text}`);
  return { body: JSON.parse(text) as T, headers: response.headers };
}

/** Alive WAN member names as a server reports them. */
export async function aliveWanMembers(server: DcServer): Promise<string[]> {
  const { body } = await getJson<{ Name: string; Status: number }[]>(
    `${server.api}/agent/members?wan=1`,
  );
  return body.filter((m) => m.Status === 1).map((m) => m.Name).sort();
}

/** Polls until `probe` is true; fails after `timeoutMs` with `what` and the last error. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
}
