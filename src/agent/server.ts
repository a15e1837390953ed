/**
 * The server half of an agent: durable state, the RPC endpoints and the port-8300 listener,
 * the WAN gossip pool that tells the datacenter router which servers exist where, cross-DC
 * forwarding, and the leader duties.
 *
 * Servers talk to each other only over mutual TLS. Without `tls.*` files a server still runs
 * (alone: `-dev`, or a single datacenter) but opens no RPC port, and requests for other
 * datacenters fail with Consul's texts.
 *
 * @module
 */
import type { RuntimeConfig } from "../config/mod.ts";
import { type EndpointDeps, Endpoints, registerEndpoints } from "../endpoints/mod.ts";
import {
  GatewayGossipTransport,
  NetTransport,
  presets,
  serverInfo,
  serverTags,
  startWanPool,
  type WanPool,
} from "../gossip/mod.ts";
import type { AgentMember, Membership, ServerRpc } from "../http/mod.ts";
import {
  checkServerCertificate,
  ConnPool,
  DcRouter,
  DirectServerDialer,
  loadRpcTlsMaterial,
  RpcForwarder,
  RpcListener,
  RpcRegistry,
  type RpcTlsMaterial,
} from "../rpc/mod.ts";
import type { Runtime } from "../runtime/ports.ts";
import { SessionExpiry } from "../state/mod.ts";
import { VERSION } from "../version.ts";
import { DurableState } from "./durable_state.ts";
import { WanFederation } from "./wan_federation.ts";
import { MeshGatewayDialer } from "../federation/gateway_dialer.ts";
import { LeaderDuties } from "./leader.ts";
import { type Logger, toLogFn } from "./logger.ts";

/** Consul's serf member status numbers the router cares about. */
const ALIVE = 1;
const FAILED = 4;

/** Who this server is on the network. */
export interface ServerAddresses {
  readonly nodeId: string;
  /** LAN address advertised to the catalog and to servers of this datacenter. */
  readonly lan: string;
  /** WAN address advertised in the WAN gossip pool. */
  readonly wan: string;
}

/** A running server. */
export interface Server {
  readonly state: DurableState;
  /** Calls endpoints here or, for another `Datacenter`, forwards them. */
  readonly rpc: ServerRpc;
  readonly endpoints: Endpoints;
  /** WAN membership for `/v1/agent/members?wan=1`, join and force-leave. */
  readonly membership: Membership;
  /** Where the RPC port listens, when TLS is configured. */
  readonly rpcAddr: { hostname: string; port: number } | null;
  readonly wanPool: WanPool | null;
  readonly router: DcRouter;
  /** Stops everything in reverse start order. */
  stop(): Promise<void>;
}

/**
 * Starts the server components.
 *
 * @throws {RpcTlsConfigError} when TLS files are configured but unreadable or wrong.
 */
export async function startServer(
  runtime: Runtime,
  options: {
    config: RuntimeConfig;
    logger: Logger;
    addresses: ServerAddresses;
    /** This agent as a LAN member, until LAN gossip exists. */
    self: AgentMember;
  },
): Promise<Server> {
  const { config, logger, addresses } = options;
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn();
  };
  try {
    const state = await DurableState.open({
      fs: runtime.fs,
      dataDir: config.dataDir,
      logger: logger.named("state"),
    });
    stops.push(() => state.close());
    const tls = await loadTls(runtime, config, logger);
    const wanfed = config.connect.meshGatewayWanFederationEnabled
      ? new WanFederation(runtime, { config, state, logger: logger.named("wanfed") })
      : null;
    if (wanfed) stops.push(() => wanfed.stop());
    const router = new DcRouter({ localDc: config.datacenter, random: runtime.random });
    const registry = new RpcRegistry();
    const pool = tls ? createPool(runtime, config, tls, wanfed) : null;
    if (pool) stops.push(() => pool.close());
    const forwarder = pool
      ? new RpcForwarder({
        localDc: config.datacenter,
        registry,
        router,
        pool,
        logger: logger.named("rpc"),
      })
      : null;
    const sessionExpiry = new SessionExpiry();
    const deps: EndpointDeps = {
      store: state.store,
      apply: (command) => state.apply(command) as never,
      clock: runtime.clock,
      random: runtime.random,
      datacenter: config.datacenter,
      primaryDatacenter: config.primaryDatacenter,
      nodeName: config.nodeName,
      serverAddr: `${addresses.lan}:${config.ports.server}`,
      knownLeader: () => true,
      sessionTtlMinMs: config.sessionTtlMinMs,
      datacenters: () => router.knownDatacenters(),
      sessionTimers: {
        reset: (id, ttlMs) => sessionExpiry.arm(id, ttlMs, runtime.clock.now()),
        clear: (id) => sessionExpiry.remove(id),
      },
      ...(forwarder
        ? { forward: (dc, method, body, signal) => forwarder.forwardDc(dc, method, body, signal) }
        : {}),
    };
    const endpoints = new Endpoints(deps);
    registerEndpoints(registry, deps);

    const wanTunnel = tls && wanfed && config.ports.serfWan >= 0
      ? new GatewayGossipTransport({
        inner: await NetTransport.listen({
          net: runtime.net,
          clock: runtime.clock,
          bind: { hostname: config.bindAddr, port: config.ports.serfWan },
          advertise: { hostname: addresses.wan, port: config.ports.serfWan },
        }),
        dialer: meshDialer(runtime, config, tls, wanfed),
        clock: runtime.clock,
        datacenter: config.datacenter,
        log: toLogFn(logger.named("wan")),
      })
      : null;
    if (wanTunnel) stops.push(() => wanTunnel.close());
    const rpcListener = tls
      ? await listenRpc(runtime, config, tls, registry, logger, wanTunnel)
      : null;
    if (rpcListener) stops.push(() => rpcListener.close());

    const wanPool = await startWan(runtime, config, addresses, Boolean(tls), logger, wanTunnel);
    if (wanPool) {
      stops.push(() => wanPool.stop());
      stops.push(async () => void (await wanPool.leave().catch(() => false)));
      wanPool.onChange(() => syncRouter(router, wanPool, config.datacenter));
      syncRouter(router, wanPool, config.datacenter);
      if (wanfed && config.datacenter !== config.primaryDatacenter) {
        // Star join through the gateways: node "*" asks for any primary server.
        void wanPool.retryJoin([`*.${config.primaryDatacenter}/192.0.2.2`], {
          intervalMs: config.retryIntervalWanMs,
          maxAttempts: config.retryMaxWan,
        }).catch((error) => logger.named("wan").error(String(error)));
      } else if (config.retryJoinWan.length > 0) {
        void wanPool.retryJoin([...config.retryJoinWan], {
          intervalMs: config.retryIntervalWanMs,
          maxAttempts: config.retryMaxWan,
        }).catch((error) => logger.named("wan").error(String(error)));
      }
    }

    const leader = new LeaderDuties({
      store: state.store,
      apply: (command) => state.apply(command),
      clock: runtime.clock,
      logger: logger.named("leader"),
      sessionExpiry,
      self: {
        nodeId: addresses.nodeId,
        nodeName: config.nodeName,
        datacenter: config.datacenter,
        address: addresses.lan,
        wanAddress: addresses.wan,
        serverPort: config.ports.server,
        nodeMeta: {},
      },
    });
    await leader.start();
    stops.push(() => leader.stop());
    wanfed?.startLeaderLoops({
      state,
      hasDatacenter: (dc) => router.hasDatacenter(dc),
      callPrimary: (method, body, signal) => {
        const request = { ...body, Datacenter: config.primaryDatacenter };
        return forwarder
          ? forwarder.forwardRpc({ method, body: request, signal })
          : endpoints.call(method as never, request as never, { signal });
      },
    });
    logger.info("cluster leadership acquired", { node: config.nodeName, mode: "single server" });

    return {
      state,
      endpoints,
      rpc: { call: (method, args, signal) => endpoints.call(method, args as never, { signal }) },
      membership: wanMembership(wanPool, options.self, wanfed !== null),
      rpcAddr: rpcListener?.addr ?? null,
      wanPool,
      router,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function loadTls(
  runtime: Runtime,
  config: RuntimeConfig,
  logger: Logger,
): Promise<RpcTlsMaterial | null> {
  const files = config.tls.internalRpc;
  if (!files.caFile && !files.certFile && !files.keyFile) {
    logger.warn(
      "no TLS configured (tls.defaults.ca_file/cert_file/key_file): the server RPC port stays " +
        "closed, so this server cannot join other servers or answer other datacenters",
    );
    return null;
  }
  const material = await loadRpcTlsMaterial(runtime.fs, files);
  await checkServerCertificate(material, {
    dc: config.datacenter,
    domain: config.domain,
    node: config.connect.meshGatewayWanFederationEnabled ? config.nodeName : undefined,
    nowMs: runtime.clock.now(),
  });
  return material;
}

/** One pooled session per server; through the mesh gateways when WAN federation uses them. */
function createPool(
  runtime: Runtime,
  config: RuntimeConfig,
  tls: RpcTlsMaterial,
  wanfed: WanFederation | null,
): ConnPool {
  const dialer = wanfed
    ? meshDialer(runtime, config, tls, wanfed)
    : new DirectServerDialer(runtime.net, tls, { domain: config.domain });
  return new ConnPool({ dialer, clock: runtime.clock });
}

/** Dials other datacenters' servers through the gateway the locator picks. */
function meshDialer(
  runtime: Runtime,
  config: RuntimeConfig,
  tls: RpcTlsMaterial,
  wanfed: WanFederation,
): MeshGatewayDialer {
  return new MeshGatewayDialer({
    net: runtime.net,
    material: tls,
    domain: config.domain,
    localDc: config.datacenter,
    pickGateway: (dc) => wanfed.locator.pickGateway(dc),
    lastResortGateways: (dc) => wanfed.locator.lastResortGateways(dc),
  });
}

async function listenRpc(
  runtime: Runtime,
  config: RuntimeConfig,
  tls: RpcTlsMaterial,
  registry: RpcRegistry,
  logger: Logger,
  wanTunnel: GatewayGossipTransport | null,
): Promise<RpcListener> {
  const listener = await RpcListener.listen({
    net: runtime.net,
    clock: runtime.clock,
    hostname: config.bindAddr,
    port: config.ports.server,
    tls,
    registry,
    ...(wanTunnel
      ? {
        gossipPacket: (conn) => wanTunnel.handlePacketConn(conn),
        gossipStream: (conn) => wanTunnel.handleStreamConn(conn),
      }
      : {}),
    logger: logger.named("rpc"),
  });
  logger.named("rpc").info("listening", {
    address: `${listener.addr.hostname}:${listener.addr.port}`,
  });
  return listener;
}

async function startWan(
  runtime: Runtime,
  config: RuntimeConfig,
  addresses: ServerAddresses,
  useTls: boolean,
  logger: Logger,
  wanTunnel: GatewayGossipTransport | null,
): Promise<WanPool | null> {
  if (config.ports.serfWan < 0) return null;
  const log = logger.named("wan");
  const pool = await startWanPool({
    runtime,
    ...(wanTunnel ? { transport: wanTunnel, noTcpPingsToOtherDcs: true } : {}),
    bind: { hostname: config.bindAddr, port: config.ports.serfWan },
    advertise: { hostname: addresses.wan, port: config.ports.serfWan },
    nodeName: config.nodeName,
    datacenter: config.datacenter,
    tags: serverTags({
      datacenter: config.datacenter,
      nodeId: addresses.nodeId,
      build: VERSION,
      rpcPort: config.ports.server,
      bootstrap: config.bootstrap || config.devMode,
      bootstrapExpect: config.bootstrapExpect,
      useTls,
    }),
    config: { ...presets.wan, ...config.gossipWan },
    ...(config.encrypt ? { encryptKeys: [config.encrypt] } : {}),
    log: toLogFn(log),
  });
  log.info("WAN gossip listening", { address: `${addresses.wan}:${config.ports.serfWan}` });
  return pool;
}

/**
 * Makes the router match the WAN pool, as Consul's router does: a server stays listed while it
 * is alive or failed — failed ones last, still tried when nothing else is left, so a falsely
 * suspected server (a gateway tunnel cut, say) is reached again at once — and is dropped when
 * it leaves. A datacenter whose last server left is forgotten ("No path to datacenter").
 */
function syncRouter(router: DcRouter, pool: WanPool, localDc: string): void {
  const byDc = new Map<
    string,
    { node: string; addr: { hostname: string; port: number }; failed: boolean }[]
  >();
  for (const member of pool.members()) {
    if (member.Status !== ALIVE && member.Status !== FAILED) continue;
    let info;
    try {
      info = serverInfo({
        name: member.Name,
        addr: { hostname: member.Addr, port: member.Port },
        tags: member.Tags,
        status: member.Status,
      });
    } catch {
      continue; // A member with malformed server tags is not routable; the pool logged it.
    }
    if (info === null || info.dc === localDc) continue;
    const list = byDc.get(info.dc) ?? [];
    list.push({ node: info.node, addr: info.rpcAddr, failed: member.Status === FAILED });
    byDc.set(info.dc, list);
  }
  for (const dc of router.knownDatacenters()) {
    if (dc !== localDc && !byDc.has(dc)) router.removeDatacenter(dc);
  }
  for (const [dc, servers] of byDc) {
    router.setServers(dc, servers.map(({ node, addr }) => ({ node, addr })));
    for (const server of servers) {
      if (server.failed) router.notifyFailedServer(dc, server.node);
      else router.notifyServerHealthy(dc, server.node);
    }
  }
}

function wanMembership(pool: WanPool | null, self: AgentMember, viaGateways: boolean): Membership {
  return {
    members: (wan) => (wan ? pool?.members() ?? [] : [self]),
    join: async (address, wan) => {
      if (wan && viaGateways) {
        throw new Error("WAN join is disabled when wan federation via mesh gateways is enabled");
      }
      if (!wan || !pool) {
        throw new Error("Joining LAN members is not supported yet: run one server per datacenter");
      }
      await pool.join([address]);
    },
    forceLeave: async (node, { prune, wan }) => {
      if (!wan || !pool) throw new Error(`agent: No node found with name '${node}'`);
      await pool.forceLeave(node, { prune });
    },
  };
}
