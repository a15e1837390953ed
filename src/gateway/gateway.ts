/**
 * `startMeshGateway`: the built-in mesh gateway as one running thing — listeners on the
 * addresses it advertises, the splice proxy, the live route table from the local agent, the
 * admin listener, and the catalog registration — with one `stop()` that undoes all of it in
 * the right order (deregister first, so nobody is sent here while connections drain).
 *
 * It is not a command-line parser; `src/cli/connect_envoy_command.ts` turns flags into these
 * options.
 *
 * @module
 */
import { type AgentServiceRegistration, ConsulClient, type ServiceAddress } from "../api/mod.ts";
import type { HttpServer, Listener, ListenOptions, NetAddr, Runtime } from "../runtime/ports.ts";
import { startAdminServer } from "./admin.ts";
import { GatewayCounters } from "./counters.ts";
import { type GatewayLogger, GatewayProxy, type ProxyLimits, SILENT_LOGGER } from "./proxy.ts";
import { buildGatewayRegistration, GatewayRegistration } from "./registration.ts";
import { RouteSource } from "./route_source.ts";

/** Where to listen when an advertised address leaves the host empty. */
const ANY_IPV4 = "0.0.0.0";

/** The gateway could not start; the message says what to change. */
export class GatewayStartError extends Error {
  override readonly name = "GatewayStartError";
}

/** Options of {@linkcode startMeshGateway}. */
export interface MeshGatewayOptions {
  readonly runtime: Runtime;
  /** The local agent's HTTP address (`-http-addr`); default `CONSUL_HTTP_ADDR`, else 127.0.0.1:8500. */
  readonly agentAddr?: string;
  /** ACL token (`-token`); default `CONSUL_HTTP_TOKEN`. */
  readonly token?: string;
  /** A ready client to use instead of `agentAddr`/`token`. */
  readonly client?: ConsulClient;
  /** Service name (`-service`); default `mesh-gateway`. */
  readonly serviceName?: string;
  /** Service ID (`-proxy-id`); default: the service name. */
  readonly serviceId?: string;
  /** LAN address (`-address`); an empty `Address` listens on all IPv4 interfaces. Port 0 picks one. */
  readonly lanAddr: ServiceAddress;
  /** WAN address (`-wan-address`); `null` or an empty `Address` when none. */
  readonly wanAddr?: ServiceAddress | null;
  /** Explicit listeners (`-bind-address name=ip:port`); replaces listening on LAN and WAN. */
  readonly bindAddrs?: Readonly<Record<string, ServiceAddress>>;
  /** Adds the `consul-wan-federation` meta (`-expose-servers`). */
  readonly exposeServers: boolean;
  /** Registers in the local catalog and deregisters on stop (`-register`). */
  readonly register: boolean;
  /** `-deregister-after-critical`; default 6h. */
  readonly deregisterCriticalServiceAfter?: string;
  /** Consul domain; default: the agent's. */
  readonly domain?: string;
  /** Local datacenter; default: the agent's. */
  readonly localDc?: string;
  /** Connect trust domain, to also route `*.<dc>.internal.<td>` names. */
  readonly trustDomain?: string;
  readonly limits?: Partial<ProxyLimits>;
  /** Where the admin listener binds (`-admin-bind`); `null` or absent: no admin listener. */
  readonly adminAddr?: ListenOptions | null;
  /** Longest wait of one blocking query to the agent. */
  readonly blockingWaitMs?: number;
  readonly log?: GatewayLogger;
}

/** A running gateway. */
export interface MeshGateway {
  /** Where it listens, in the order bound (LAN first). */
  readonly addrs: readonly NetAddr[];
  readonly counters: GatewayCounters;
  readonly routes: RouteSource;
  readonly proxy: GatewayProxy;
  /** The admin listener's address, when one runs. */
  readonly adminAddr: NetAddr | null;
  /** What was registered, when `register` was set. */
  readonly registration: AgentServiceRegistration | null;
  /** Deregisters, drains connections (up to `graceMs`), stops following the agent. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Starts a mesh gateway.
 *
 * @throws {GatewayStartError} when an address cannot be bound or the agent refuses the registration.
 * @throws {RouteSourceError} when the agent cannot tell its datacenter.
 * @example
 * ```ts
 * const gateway = await startMeshGateway({
 *   runtime, lanAddr: { Address: "10.0.0.5", Port: 8443 },
 *   wanAddr: { Address: "198.18.0.5", Port: 8443 }, exposeServers: true, register: true,
 * });
 * // ... on SIGTERM
 * await gateway.stop();
 * ```
 */
export async function startMeshGateway(options: MeshGatewayOptions): Promise<MeshGateway> {
  const { runtime } = options;
  const log = options.log ?? SILENT_LOGGER;
  const client = options.client ?? new ConsulClient({
    address: options.agentAddr,
    token: options.token,
    env: (name) => runtime.process.env(name),
  });
  const routes = await RouteSource.start({
    client,
    clock: runtime.clock,
    random: runtime.random,
    localDc: options.localDc,
    domain: options.domain,
    trustDomain: options.trustDomain,
    blockingWaitMs: options.blockingWaitMs,
    log,
  });
  const counters = new GatewayCounters();
  const proxy = new GatewayProxy({
    net: runtime.net,
    clock: runtime.clock,
    random: runtime.random,
    counters,
    routes: () => routes.current(),
    limits: options.limits,
    log,
  });
  const cleanup: Array<() => Promise<void>> = [() => routes.stop(), () => proxy.close()];
  try {
    const bound = await listenAll(options, runtime, log);
    for (const listener of bound.listeners) proxy.serve(listener);
    let routesRead = false;
    void routes.ready.then(() => routesRead = true);
    const admin = await startAdmin(options, runtime, {
      counters: () => counters.snapshot(),
      proxy: () => proxy.stats(),
      routes: () => routes.current(),
      ready: () => routesRead,
    });
    if (admin !== null) cleanup.push(() => admin.shutdown());
    const registration = options.register ? await register(options, client, bound) : null;
    log.info("mesh gateway started", {
      listening: bound.listeners.map((l) => `${l.addr.hostname}:${l.addr.port}`).join(","),
      datacenter: routes.localDc,
    });
    return runningGateway({ bound, counters, routes, proxy, admin, registration, cleanup, log });
  } catch (error) {
    for (const undo of cleanup.reverse()) await undo().catch(() => {});
    throw error;
  }
}

interface BoundAddresses {
  readonly listeners: Listener[];
  /** The LAN and WAN addresses with the ports actually bound filled in. */
  readonly lan: ServiceAddress;
  readonly wan: ServiceAddress | null;
  readonly bindAddrs: Record<string, ServiceAddress> | undefined;
  readonly wanBound: boolean;
}

async function listenAll(
  options: MeshGatewayOptions,
  runtime: Runtime,
  log: GatewayLogger,
): Promise<BoundAddresses> {
  const listeners: Listener[] = [];
  const listen = async (where: ServiceAddress) => {
    const listener = await runtime.net.listenTcp({
      hostname: where.Address || ANY_IPV4,
      port: where.Port,
    });
    listeners.push(listener);
    return listener;
  };
  try {
    const bindEntries = Object.entries(options.bindAddrs ?? {});
    if (bindEntries.length > 0) {
      const bindAddrs = await listenOnBindAddresses(bindEntries, listen);
      const wan = options.wanAddr ?? null;
      return { listeners, lan: options.lanAddr, wan, bindAddrs, wanBound: false };
    }
    const lanListener = await listen(options.lanAddr).catch((error) => {
      throw new GatewayStartError(
        `The LAN address ${JSON.stringify(options.lanAddr.Address)} will not be bindable ` +
          `(${describe(error)}). Either set a bindable address or override the bind addresses ` +
          "with -bind-address",
      );
    });
    const lan = { Address: options.lanAddr.Address, Port: lanListener.addr.port };
    const wanGiven = options.wanAddr ?? null;
    if (wanGiven === null || wanGiven.Address === "") {
      return { listeners, lan, wan: wanGiven, bindAddrs: undefined, wanBound: false };
    }
    if (sameAddress(wanGiven, options.lanAddr)) {
      return { listeners, lan, wan: { ...lan }, bindAddrs: undefined, wanBound: true };
    }
    try {
      const wanListener = await listen(wanGiven);
      const wan = { Address: wanGiven.Address, Port: wanListener.addr.port };
      return { listeners, lan, wan, bindAddrs: undefined, wanBound: true };
    } catch (error) {
      // A WAN address is often a NAT or load-balancer address this host does not own; like
      // Consul, fall back to listening on the LAN address only.
      log.warn("WAN address is not bindable here; listening on the LAN address only", {
        wanAddress: `${wanGiven.Address}:${wanGiven.Port}`,
        error: describe(error),
      });
      return { listeners, lan, wan: wanGiven, bindAddrs: undefined, wanBound: false };
    }
  } catch (error) {
    await Promise.all(listeners.map((listener) => listener.close()));
    throw error;
  }
}

async function listenOnBindAddresses(
  entries: [string, ServiceAddress][],
  listen: (where: ServiceAddress) => Promise<Listener>,
): Promise<Record<string, ServiceAddress>> {
  const bindAddrs: Record<string, ServiceAddress> = {};
  for (const [name, where] of entries) {
    const listener = await listen(where).catch((error) => {
      throw new GatewayStartError(
        `Cannot listen on -bind-address ${name}=${where.Address}:${where.Port} ` +
          `(${describe(error)}). Use an address of this host and a free port.`,
      );
    });
    bindAddrs[name] = { Address: where.Address, Port: listener.addr.port };
  }
  return bindAddrs;
}

async function startAdmin(
  options: MeshGatewayOptions,
  runtime: Runtime,
  sources: Parameters<typeof startAdminServer>[2],
): Promise<HttpServer | null> {
  const where = options.adminAddr ?? null;
  if (where === null) return null;
  try {
    return await startAdminServer(runtime.http, where, sources);
  } catch (error) {
    throw new GatewayStartError(
      `Cannot serve the admin endpoints on ${where.hostname}:${where.port} (${describe(error)}). ` +
        "Pick another -admin-bind address.",
    );
  }
}

async function register(
  options: MeshGatewayOptions,
  client: ConsulClient,
  bound: BoundAddresses,
): Promise<GatewayRegistration> {
  const body = buildGatewayRegistration({
    serviceName: options.serviceName,
    serviceId: options.serviceId,
    lan: bound.lan,
    wan: bound.wan,
    exposeServers: options.exposeServers,
    bindAddresses: bound.bindAddrs,
    boundTaggedAddresses: bound.wanBound,
    deregisterCriticalServiceAfter: options.deregisterCriticalServiceAfter,
  });
  try {
    return await GatewayRegistration.register(client, body);
  } catch (error) {
    throw new GatewayStartError(
      `Error registering service ${JSON.stringify(body.Name)}: ${describe(error)}`,
    );
  }
}

function runningGateway(parts: {
  bound: BoundAddresses;
  counters: GatewayCounters;
  routes: RouteSource;
  proxy: GatewayProxy;
  admin: HttpServer | null;
  registration: GatewayRegistration | null;
  cleanup: Array<() => Promise<void>>;
  log: GatewayLogger;
}): MeshGateway {
  let stopping: Promise<void> | null = null;
  const stop = async (graceMs: number | undefined) => {
    // Deregister first so the catalog stops sending traffic here while connections drain.
    await parts.registration?.deregister().catch((error) => {
      parts.log.warn("could not deregister the gateway", { error: describe(error) });
    });
    await parts.proxy.close({ graceMs });
    for (const undo of [...parts.cleanup].reverse()) await undo().catch(() => {});
    parts.log.info("mesh gateway stopped");
  };
  return {
    addrs: parts.bound.listeners.map((listener) => listener.addr),
    counters: parts.counters,
    routes: parts.routes,
    proxy: parts.proxy,
    adminAddr: parts.admin?.addr ?? null,
    registration: parts.registration?.body ?? null,
    stop(options = {}) {
      stopping ??= stop(options.graceMs);
      return stopping;
    },
  };
}

function sameAddress(a: ServiceAddress, b: ServiceAddress): boolean {
  return a.Address === b.Address && a.Port === b.Port;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
