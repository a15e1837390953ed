/**
 * Which servers each datacenter has, and which one to send a call to.
 *
 * The lists are set from outside (WAN gossip will keep them current; tests and config set
 * them directly). Picking follows Consul's router in spirit: a server that failed a call is
 * marked and moved to the back of its list, healthy servers are preferred (picked at random,
 * which spreads load the way Consul's periodic shuffle does), and when every server is marked
 * failed the one that failed longest ago is still tried, so a datacenter recovers without
 * waiting for a timer. A datacenter with an empty list stays known (calls to it fail with
 * "Remote DC has no server currently reachable") until {@linkcode DcRouter.removeDatacenter}.
 *
 * Pure bookkeeping: no I/O, randomness from the `Random` port.
 *
 * @module
 */

import type { NetAddr, Random } from "../runtime/ports.ts";

/** Most datacenters a router tracks. */
export const MAX_ROUTER_DATACENTERS = 1024;
/** Most servers tracked per datacenter. */
export const MAX_SERVERS_PER_DATACENTER = 256;

/** A server as the router knows it: its node name and RPC address. */
export interface RouterServer {
  readonly node: string;
  readonly addr: NetAddr;
}

/** The outcome of {@linkcode DcRouter.findRoute}. */
export type Route =
  /** Send the call to `server`. */
  | { readonly kind: "server"; readonly server: RouterServer }
  /** The datacenter is known but has no server to try. */
  | { readonly kind: "no-server" }
  /** The datacenter is not known at all. */
  | { readonly kind: "unknown-dc" };

/** A server list that breaks the router's bounds or names a server twice. */
export class RouterInputError extends Error {
  /** Builds the error with a sentence saying what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "RouterInputError";
  }
}

interface Tracked {
  readonly server: RouterServer;
  failed: boolean;
}

/** Servers per datacenter, with failure marks. */
export class DcRouter {
  readonly #localDc: string;
  readonly #random: Random;
  readonly #dcs = new Map<string, Tracked[]>();

  /** Creates a router for a server in `localDc`; the local datacenter is always known. */
  constructor(options: { localDc: string; random: Random }) {
    this.#localDc = options.localDc;
    this.#random = options.random;
  }

  /** This server's datacenter. */
  get localDc(): string {
    return this.#localDc;
  }

  /**
   * Replaces the server list of `dc`. Servers kept from the old list (same node and address)
   * keep their place and failure mark; new ones join in random order at the front of the
   * failed ones.
   * @throws {RouterInputError} for duplicate node names or lists beyond the bounds.
   */
  setServers(dc: string, servers: readonly RouterServer[]): void {
    if (servers.length > MAX_SERVERS_PER_DATACENTER) {
      throw new RouterInputError(
        `Datacenter ${dc} lists ${servers.length} servers; at most ` +
          `${MAX_SERVERS_PER_DATACENTER} are tracked`,
      );
    }
    if (new Set(servers.map((s) => s.node)).size !== servers.length) {
      throw new RouterInputError(`Datacenter ${dc} lists a server node name twice`);
    }
    const old = this.#dcs.get(dc);
    if (old === undefined && this.#dcs.size >= MAX_ROUTER_DATACENTERS) {
      throw new RouterInputError(
        `Cannot track datacenter ${dc}: ${MAX_ROUTER_DATACENTERS} datacenters are known already`,
      );
    }
    const kept = (old ?? []).filter((t) => servers.some((s) => sameServer(s, t.server)));
    const added = servers
      .filter((s) => !kept.some((t) => sameServer(s, t.server)))
      .map((server) => ({ server: copyServer(server), failed: false }));
    this.#shuffle(added);
    const healthy = kept.filter((t) => !t.failed);
    const failed = kept.filter((t) => t.failed);
    this.#dcs.set(dc, [...healthy, ...added, ...failed]);
  }

  /** Forgets `dc`; true when it was known. The local datacenter stays known regardless. */
  removeDatacenter(dc: string): boolean {
    return this.#dcs.delete(dc);
  }

  /** True when `dc` is the local datacenter or has a server list. */
  hasDatacenter(dc: string): boolean {
    return dc === this.#localDc || this.#dcs.has(dc);
  }

  /** Every known datacenter, the local one included, sorted by name. */
  knownDatacenters(): string[] {
    const names = new Set([this.#localDc, ...this.#dcs.keys()]);
    return [...names].sort();
  }

  /** The servers of `dc` in their current order (failed ones last). */
  servers(dc: string): RouterServer[] {
    return (this.#dcs.get(dc) ?? []).map((t) => t.server);
  }

  /** True when a call to (`dc`, `node`) failed and no call has succeeded since. */
  isFailed(dc: string, node: string): boolean {
    return this.#find(dc, node)?.failed ?? false;
  }

  /** Picks the server to send a call for `dc` to. */
  findRoute(dc: string): Route {
    const list = this.#dcs.get(dc);
    if (list === undefined) return { kind: this.hasDatacenter(dc) ? "no-server" : "unknown-dc" };
    if (list.length === 0) return { kind: "no-server" };
    const healthy = list.filter((t) => !t.failed);
    const pick = healthy.length > 0 ? healthy[this.#random.int(healthy.length)] : list[0];
    return { kind: "server", server: pick.server };
  }

  /** Marks a server whose call failed and moves it to the back of its list. */
  notifyFailedServer(dc: string, node: string): void {
    const list = this.#dcs.get(dc);
    const index = list?.findIndex((t) => t.server.node === node) ?? -1;
    if (list === undefined || index < 0) return;
    const [tracked] = list.splice(index, 1);
    tracked.failed = true;
    list.push(tracked);
  }

  /** Clears the failure mark of a server that answered a call. */
  notifyServerHealthy(dc: string, node: string): void {
    const tracked = this.#find(dc, node);
    if (tracked) tracked.failed = false;
  }

  #find(dc: string, node: string): Tracked | undefined {
    return this.#dcs.get(dc)?.find((t) => t.server.node === node);
  }

  #shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.#random.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
  }
}

function sameServer(a: RouterServer, b: RouterServer): boolean {
  return a.node === b.node && a.addr.hostname === b.addr.hostname && a.addr.port === b.addr.port;
}

function copyServer(server: RouterServer): RouterServer {
  return {
    node: server.node,
    addr: { hostname: server.addr.hostname, port: server.addr.port },
  };
}
