/**
 * One datacenter of the namespace lab: its server (the compiled `consulate agent`) and its two
 * mesh gateways (`consulate connect envoy -gateway=mesh`), configured as an operator following
 * "WAN federation via mesh gateways" would, with fast WAN gossip timings for the test.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FAST_GOSSIP_WAN } from "../integration/_federation.ts";
import {
  eventually,
  type LabProcess,
  mustRun,
  type NetnsLab,
  type NsName,
  STOP_GRACE_MS,
} from "./_netns.ts";

/** The server's address in every datacenter: the subnets overlap on purpose. */
export const SERVER_IP = "10.0.0.10";
/** Where each server's HTTP API listens (inside its own namespace). */
export const HTTP_ADDR = `${SERVER_IP}:8500`;
/** Consul's default ports, used unchanged in every datacenter. */
export const SERVER_RPC_PORT = 8300;
export const SERF_WAN_PORT = 8302;
export const HTTP_PORT = 8500;
export const GATEWAY_PORT = 8443;
/** Bound for a server to elect itself and answer, or a gateway to be registered and healthy. */
export const START_TIMEOUT_MS = 30_000;

/** Which datacenter: "dc1" (the primary) or "dc2". */
export type DcName = "dc1" | "dc2";

/** LAN and public (WAN) `ip:port` of gateway 1 or 2 of a datacenter. */
export function gatewayAddress(dc: DcName, index: 1 | 2): { lan: string; wan: string } {
  const n = dc === "dc1" ? 1 : 2;
  return {
    lan: `10.0.0.${19 + index}:${GATEWAY_PORT}`,
    wan: `192.0.2.${n}${index}:${GATEWAY_PORT}`,
  };
}

/** The server's public address while direct WAN federation is on (`netns.sh direct-wan on`). */
export function serverPublicIp(dc: DcName): string {
  return dc === "dc1" ? "192.0.2.10" : "192.0.2.20";
}

/** How a server federates. */
export type FederationMode =
  | { readonly kind: "direct"; readonly joinWan?: string }
  | { readonly kind: "gateways"; readonly primaryGateways?: readonly string[] };

/** A row of `consulate members -wan`. */
export interface WanMemberRow {
  readonly node: string;
  readonly address: string;
  readonly status: string;
  readonly dc: string;
}

/** One datacenter: one server and up to two gateways, all in namespace `dc`. */
export class Datacenter {
  server: LabProcess | null = null;
  readonly gateways = new Map<1 | 2, LabProcess>();
  readonly #lab: NetnsLab;
  readonly #binary: string;
  readonly #home: string;

  constructor(
    lab: NetnsLab,
    readonly dc: DcName,
    readonly node: string,
    options: { binary: string; home: string },
  ) {
    this.#lab = lab;
    this.#binary = options.binary;
    this.#home = options.home;
  }

  /** Every process of this datacenter, for failure messages. */
  processes(): LabProcess[] {
    return [this.server, ...this.gateways.values()].filter((p): p is LabProcess => p !== null);
  }

  /** Writes the server's config for `mode` and starts it; resolves once it is its own leader. */
  async startServer(mode: FederationMode, dataDir: string): Promise<void> {
    const configFile = join(this.#home, `${this.node}-${mode.kind}.json`);
    writeFileSync(configFile, JSON.stringify(this.#serverConfig(mode, dataDir), null, 2));
    this.server = this.#lab.start(`${this.dc} server ${this.node}`, this.dc, [
      this.#binary,
      "agent",
      `-config-file=${configFile}`,
    ]);
    await eventually(`${this.dc}'s server to elect itself`, async () => {
      const { status, body } = await this.api("GET", "/v1/status/leader");
      return status === 200 && body.includes(SERVER_IP) || `status ${status}: ${body}`;
    }, { timeoutMs: START_TIMEOUT_MS, logs: [this.server] });
  }

  /** Stops the server with SIGTERM (a graceful leave) and waits for it to exit 0. */
  async stopServer(): Promise<void> {
    const code = await this.server?.stop();
    if (code === "SIGKILL") {
      throw new Error(
        `${this.dc}'s server did not exit within ${STOP_GRACE_MS} ms of SIGTERM and was killed; ` +
          `the restarts of the procedure must be graceful\n${this.server?.output()}`,
      );
    }
    if (code !== 0) throw new Error(`${this.dc}'s server exited ${code}\n${this.server?.output()}`);
    this.server = null;
  }

  /** Starts gateway `index` with `-register -expose-servers`, as the seed's procedure does. */
  startGateway(index: 1 | 2): LabProcess {
    const { lan, wan } = gatewayAddress(this.dc, index);
    const gateway = this.#lab.start(`${this.dc} gateway ${index}`, this.dc, [
      this.#binary,
      "connect",
      "envoy",
      "-gateway=mesh",
      "-register",
      "-expose-servers",
      "-service",
      "mesh-gateway",
      "-proxy-id",
      `mesh-gateway-${index}`,
      "-address",
      lan,
      "-wan-address",
      wan,
      "-http-addr",
      HTTP_ADDR,
      "-admin-bind",
      `127.0.0.1:${19000 + index}`,
    ]);
    this.gateways.set(index, gateway);
    return gateway;
  }

  /** Waits until the local catalog lists `count` passing mesh gateways with the WAN meta. */
  async waitForGateways(count: number): Promise<void> {
    await eventually(`${count} healthy gateways in ${this.dc}'s catalog`, async () => {
      const { status, body } = await this.api("GET", "/v1/health/service/mesh-gateway?passing");
      if (status !== 200) return `status ${status}: ${body}`;
      const entries = JSON.parse(body) as { Service: { Meta?: Record<string, string> } }[];
      const exposed = entries.filter((e) => e.Service.Meta?.["consul-wan-federation"] === "1");
      return exposed.length === count || `${exposed.length} passing`;
    }, { timeoutMs: START_TIMEOUT_MS, logs: this.processes() });
  }

  /** An HTTP request to this datacenter's server, made from inside its namespace. */
  api(method: string, path: string, body?: string): ReturnType<NetnsLab["http"]> {
    return this.#lab.http(this.dc, method, `http://${HTTP_ADDR}${path}`, body);
  }

  /** `consulate members -wan`, run in this datacenter against its server, parsed. */
  async wanMembers(): Promise<WanMemberRow[]> {
    const text = await this.cli(["members", "-wan"]);
    const [header, ...rows] = text.trim().split("\n").map((line) => line.trim().split(/\s+/));
    const column = (name: string) => {
      const index = header.indexOf(name);
      if (index < 0) throw new Error(`members -wan printed no ${name} column:\n${text}`);
      return index;
    };
    const [node, address, status, dc] = ["Node", "Address", "Status", "DC"].map(column);
    return rows.map((row) => ({
      node: row[node],
      address: row[address],
      status: row[status],
      dc: row[dc],
    }));
  }

  /** Runs a `consulate` sub-command in this namespace against this server; returns stdout. */
  cli(args: readonly string[]): Promise<string> {
    const [command, ...rest] = args;
    return mustRun([
      "ip",
      "netns",
      "exec",
      this.#lab.ns(this.dc as NsName),
      this.#binary,
      command,
      `-http-addr=${HTTP_ADDR}`,
      ...rest,
    ]);
  }

  #serverConfig(mode: FederationMode, dataDir: string): Record<string, unknown> {
    const tls = {
      ca_file: join(this.#home, "consul-agent-ca.pem"),
      cert_file: join(this.#home, `${this.dc}-server-consul-0.pem`),
      key_file: join(this.#home, `${this.dc}-server-consul-0-key.pem`),
      verify_incoming: true,
      verify_outgoing: true,
    };
    const federation = mode.kind === "direct"
      ? {
        advertise_addr_wan: serverPublicIp(this.dc),
        ...(mode.joinWan ? { retry_join_wan: [mode.joinWan], retry_interval_wan: "500ms" } : {}),
      }
      : {
        connect: { enabled: true, enable_mesh_gateway_wan_federation: true },
        ...(mode.primaryGateways
          ? { primary_gateways: mode.primaryGateways, primary_gateways_interval: "1s" }
          : {}),
      };
    return {
      datacenter: this.dc,
      primary_datacenter: "dc1",
      node_name: this.node,
      server: true,
      bootstrap: true,
      bind_addr: SERVER_IP,
      client_addr: SERVER_IP,
      data_dir: dataDir,
      log_level: "INFO",
      ports: { http: HTTP_PORT, server: SERVER_RPC_PORT, serf_wan: SERF_WAN_PORT, dns: -1 },
      tls: { defaults: tls, internal_rpc: { verify_server_hostname: true } },
      gossip_wan: FAST_GOSSIP_WAN,
      ...federation,
    };
  }
}

/**
 * The binary under test: CONSULATE_BINARY, or a fresh `bun build --compile` of this checkout
 * into `dir` (half a second, and never stale or shared with another run).
 */
export async function compiledBinary(dir: string): Promise<string> {
  if (process.env.CONSULATE_BINARY) return process.env.CONSULATE_BINARY;
  const root = new URL("../../", import.meta.url).pathname;
  const outfile = join(dir, "consulate");
  await mustRun([
    join(root, "node_modules/.bin/bun"),
    "build",
    "--compile",
    "--outfile",
    outfile,
    join(root, "src/cli/main.ts"),
  ], { cwd: root, timeoutMs: 120_000 });
  return outfile;
}

/** Creates the CA and each server's certificate in `dir` with the binary's `tls` commands. */
export async function createCertificates(
  binary: string,
  dir: string,
  servers: readonly { dc: DcName; node: string }[],
): Promise<void> {
  await mustRun([binary, "tls", "ca", "create"], { cwd: dir });
  for (const { dc, node } of servers) {
    await mustRun([binary, "tls", "cert", "create", "-server", "-dc", dc, "-node", node], {
      cwd: dir,
    });
  }
}
