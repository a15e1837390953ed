/**
 * Keeps the gateway's route table current from its local agent's HTTP API, the way Consul's
 * mesh gateway watches work: blocking queries on the healthy `consul` service (local servers)
 * and on `/v1/internal/federation-states/mesh-gateways` (other datacenters' gateways). A change
 * in either rebuilds the table; the proxy picks the new one up on its next connection.
 *
 * It is not the route table itself (`route_table.ts`), and it never talks to servers directly.
 *
 * @module
 */
import { ApiError, type ConsulClient, type QueryResult, type ServiceEntry } from "../api/mod.ts";
import type { Clock, Random } from "../runtime/ports.ts";
import type { GatewayLogger } from "./proxy.ts";
import { SILENT_LOGGER } from "./proxy.ts";
import {
  buildRouteTable,
  type GatewayEntry,
  type LocalServerEntry,
  type RouteTable,
} from "./route_table.ts";

/** How long the agent may hold one blocking query (Consul's default wait). */
export const DEFAULT_BLOCKING_WAIT_MS = 5 * 60 * 1000;

/** First retry delay after a failed query; doubles per failure. */
export const INITIAL_BACKOFF_MS = 250;

/** Longest retry delay after failed queries. */
export const MAX_BACKOFF_MS = 30_000;

/** Pause before asking again when an answer did not advance the index (no blocking support). */
export const MIN_UNCHANGED_POLL_INTERVAL_MS = 1_000;

/** The service name Consul servers register themselves under. */
export const CONSUL_SERVICE_NAME = "consul";

const DEFAULT_DOMAIN = "consul";

/** The agent could not tell the gateway which datacenter and domain it serves. */
export class RouteSourceError extends Error {
  override readonly name = "RouteSourceError";
}

/** What {@linkcode RouteSource.start} needs. */
export interface RouteSourceOptions {
  readonly client: ConsulClient;
  readonly clock: Clock;
  readonly random: Random;
  /** The local datacenter; read from `/v1/agent/self` when absent. */
  readonly localDc?: string;
  /** The Consul domain; read from `/v1/agent/self` (`DebugConfig.DNSDomain`), else `consul`. */
  readonly domain?: string;
  /** The Connect trust domain, to route `*.<dc>.internal.<td>` names. */
  readonly trustDomain?: string;
  /** The longest wait asked of one blocking query. */
  readonly blockingWaitMs?: number;
  readonly log?: GatewayLogger;
}

type TableListener = (table: RouteTable) => void;

/**
 * The live route table of one gateway.
 *
 * @example
 * ```ts
 * const source = await RouteSource.start({ client, clock, random });
 * await source.ready;
 * source.onUpdate((table) => console.log(table.healthyServers.length));
 * ```
 */
export class RouteSource {
  readonly #client: ConsulClient;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #localDc: string;
  readonly #domain: string;
  readonly #trustDomain: string | undefined;
  readonly #waitMs: number;
  readonly #log: GatewayLogger;
  readonly #abort = new AbortController();
  readonly #listeners = new Set<TableListener>();
  #servers: LocalServerEntry[] = [];
  #gateways = new Map<string, GatewayEntry[]>();
  #inputKey = "";
  #table: RouteTable;
  #loops: Promise<void>[] = [];
  #markReady!: () => void;
  /** Resolves once the local servers have been read at least once. */
  readonly ready: Promise<void>;

  private constructor(options: RouteSourceOptions, localDc: string, domain: string) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#localDc = localDc;
    this.#domain = domain;
    this.#trustDomain = options.trustDomain;
    this.#waitMs = options.blockingWaitMs ?? DEFAULT_BLOCKING_WAIT_MS;
    this.#log = options.log ?? SILENT_LOGGER;
    this.ready = new Promise((resolve) => this.#markReady = resolve);
    this.#table = this.#build();
  }

  /**
   * Learns the datacenter and domain (from the options or the agent), then starts following
   * the catalog and the federation states in the background.
   *
   * @throws {RouteSourceError} when the agent cannot be asked for its datacenter.
   * @throws {RouteTableConfigError} when the datacenter, domain or trust domain is not a valid name.
   */
  static async start(options: RouteSourceOptions): Promise<RouteSource> {
    let localDc = options.localDc;
    let domain = options.domain;
    if (localDc === undefined || domain === undefined) {
      const self = await readAgentIdentity(options.client);
      localDc ??= self.datacenter;
      domain ??= self.domain;
    }
    const source = new RouteSource(options, localDc, domain);
    source.#loops = [source.#followServers(), source.#followGateways()];
    return source;
  }

  /** The local datacenter, lower case. */
  get localDc(): string {
    return this.#table.localDc;
  }

  /** The route table in force now. */
  current(): RouteTable {
    return this.#table;
  }

  /** Calls `listener` with every new table; returns a function that stops the calls. */
  onUpdate(listener: TableListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following; the last table stays readable. */
  async stop(): Promise<void> {
    this.#abort.abort(new Error("Route source stopped"));
    await Promise.all(this.#loops);
  }

  #followServers(): Promise<void> {
    return this.#follow(
      "local servers",
      (index, signal) =>
        this.#client.health.service(CONSUL_SERVICE_NAME, { index, waitMs: this.#waitMs, signal }),
      (entries) => {
        this.#servers = serverEntries(entries, this.#log);
        this.#rebuild();
        this.#markReady();
      },
    );
  }

  #followGateways(): Promise<void> {
    return this.#follow(
      "federation state mesh gateways",
      (index, signal) =>
        this.#client.federation.meshGateways({ index, waitMs: this.#waitMs, signal }),
      (byDc) => {
        this.#gateways = gatewayEntries(byDc, this.#log);
        this.#rebuild();
      },
      () => {
        // The agent does not serve federation states (yet): route only locally until it does.
        if (this.#gateways.size > 0) {
          this.#gateways = new Map();
          this.#rebuild();
        }
      },
    );
  }

  /** One blocking-query loop: apply each answer, back off (bounded) after failures. */
  async #follow<T>(
    what: string,
    query: (index: number, signal: AbortSignal) => Promise<QueryResult<T>>,
    apply: (value: T) => void,
    onNotFound?: () => void,
  ): Promise<void> {
    const signal = this.#abort.signal;
    let index = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { value, meta } = await query(index, signal);
        failures = 0;
        // Consul's rule: an index that went backwards means the data was reset; start over.
        const next = meta.lastIndex < index ? 0 : meta.lastIndex;
        const advanced = next !== index || index === 0;
        apply(value);
        index = next;
        if (!advanced || index === 0) {
          await this.#clock.sleep(MIN_UNCHANGED_POLL_INTERVAL_MS, signal);
        }
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        if (error instanceof ApiError && error.status === 404 && onNotFound !== undefined) {
          onNotFound();
          if (failures === 1) this.#log.info(`agent does not serve ${what} yet; will retry`);
        } else {
          this.#log.warn(`gateway could not read ${what}; will retry`, {
            error: error instanceof Error ? error.message : String(error),
          });
        }
        await this.#clock.sleep(backoffMs(failures, this.#random), signal).catch(() => {});
      }
    }
  }

  #build(): RouteTable {
    return buildRouteTable({
      localDc: this.#localDc,
      domain: this.#domain,
      trustDomain: this.#trustDomain,
      localServers: this.#servers,
      gatewaysByDc: this.#gateways,
    });
  }

  #rebuild(): void {
    const key = JSON.stringify([this.#servers, [...this.#gateways]]);
    if (key === this.#inputKey) return;
    this.#inputKey = key;
    this.#table = this.#build();
    for (const skipped of this.#table.skipped) {
      this.#log.warn("gateway cannot route a catalog entry", { ...skipped });
    }
    for (const listener of this.#listeners) listener(this.#table);
  }
}

/** The delay before retry number `failures` (1-based): exponential, capped, with jitter. */
export function backoffMs(failures: number, random: Random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, INITIAL_BACKOFF_MS * 2 ** Math.min(failures - 1, 20));
  // Half fixed, half random, so gateways restarted together do not retry in lockstep.
  return Math.round(ceiling / 2 + random.float() * (ceiling / 2));
}

async function readAgentIdentity(
  client: ConsulClient,
): Promise<{ datacenter: string; domain: string }> {
  let self;
  try {
    self = await client.agent.self();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RouteSourceError(
      `Could not ask the local agent for its datacenter (${detail}). Check -http-addr and that ` +
        "the agent is running.",
    );
  }
  const datacenter = self?.Config?.Datacenter;
  if (typeof datacenter !== "string" || datacenter === "") {
    throw new RouteSourceError("The local agent did not report its datacenter in /v1/agent/self.");
  }
  const debug = self.DebugConfig as Record<string, unknown> | undefined;
  const dnsDomain = typeof debug?.DNSDomain === "string" ? debug.DNSDomain : "";
  return { datacenter, domain: dnsDomain.replace(/\.$/, "") || DEFAULT_DOMAIN };
}

/**
 * Local servers from `/v1/health/service/consul`: RPC address = service address, else node
 * address (Consul's LAN `BestAddress`), with the service port (the server's RPC port).
 */
export function serverEntries(entries: unknown, log: GatewayLogger): LocalServerEntry[] {
  if (!Array.isArray(entries)) {
    log.warn("agent answered /v1/health/service/consul with something other than a list");
    return [];
  }
  const servers: LocalServerEntry[] = [];
  for (const entry of entries as ServiceEntry[]) {
    const node = entry?.Node?.Node;
    const host = nonEmpty(entry?.Service?.Address) ?? nonEmpty(entry?.Node?.Address);
    const port = entry?.Service?.Port;
    if (typeof node !== "string" || host === null || !isPort(port)) {
      log.warn("skipping a consul service entry without node, address or port");
      continue;
    }
    servers.push({ node, rpcAddr: joinHostPort(host, port), healthy: isHealthy(entry) });
  }
  return servers;
}

/**
 * Gateways by datacenter from `/v1/internal/federation-states/mesh-gateways`. The WAN address
 * follows Consul's `BestAddress(wan)`: the service's `wan` tagged address, the service address,
 * the node's `wan` tagged address, then the node address.
 */
export function gatewayEntries(byDc: unknown, log: GatewayLogger): Map<string, GatewayEntry[]> {
  const result = new Map<string, GatewayEntry[]>();
  if (!isRecord(byDc)) {
    log.warn("agent answered the mesh-gateways query with something other than an object");
    return result;
  }
  // Accept the shape wrapped in `MeshGateways` too; datacenter names are lower case in Consul.
  const map = isRecord(byDc.MeshGateways) ? byDc.MeshGateways : byDc;
  for (const [dc, entries] of Object.entries(map)) {
    if (!Array.isArray(entries)) continue;
    const gateways: GatewayEntry[] = [];
    for (const entry of entries as ServiceEntry[]) {
      const addr = wanAddress(entry);
      if (addr === null) {
        log.warn("skipping a mesh gateway without a usable address", { datacenter: dc });
        continue;
      }
      gateways.push({ addr, healthy: isHealthy(entry) });
    }
    result.set(dc, gateways);
  }
  return result;
}

function wanAddress(entry: ServiceEntry): string | null {
  const service = entry?.Service;
  const port = service?.Port;
  const tagged = service?.TaggedAddresses?.wan;
  if (nonEmpty(tagged?.Address) !== null && isPort(tagged?.Port)) {
    return joinHostPort(tagged!.Address, tagged!.Port);
  }
  if (!isPort(port)) return null;
  const nodeWan = entry?.Node?.TaggedAddresses?.wan;
  const host = nonEmpty(service?.Address) ?? nonEmpty(nodeWan) ?? nonEmpty(entry?.Node?.Address);
  return host === null ? null : joinHostPort(host, port);
}

/** Healthy unless some check is critical, as Envoy's endpoint health is derived in Consul. */
function isHealthy(entry: ServiceEntry): boolean {
  const checks = Array.isArray(entry?.Checks) ? entry.Checks : [];
  return !checks.some((check) => check?.Status === "critical");
}

function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
