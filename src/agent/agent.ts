/**
 * The composition root of a Consulate agent: turns a {@linkcode RuntimeConfig} into running
 * components — durable state, server endpoints, leader duties, the agent's own services and
 * checks with anti-entropy, and the HTTP API — and shuts them down in reverse order.
 *
 * Only server mode exists so far (a single bootstrapped server, or `-dev`); client agents and
 * multi-server Raft come with later work, and the agent refuses those configurations clearly.
 *
 * @module
 */
import type { RuntimeConfig } from "../config/mod.ts";
import { createApi, LocalChangeFeed, selfMember } from "../http/mod.ts";
import type { HttpServer, Runtime } from "../runtime/ports.ts";
import { VERSION } from "../version.ts";
import { RpcCatalogSync } from "./catalog_sync.ts";
import { CheckManager, createNodeHttpProber } from "./checks/mod.ts";
import { nodeTaggedAddresses } from "./leader.ts";
import { startServer } from "./server.ts";
import {
  AntiEntropy,
  LocalAgent,
  LocalState,
  RegistrationJournal,
  ServiceReaper,
} from "./local/mod.ts";
import { type Logger, toLogFn } from "./logger.ts";
import { loadNodeId } from "./node_id.ts";

/** A running agent. */
export interface RunningAgent {
  /** Where the HTTP API listens. */
  readonly httpAddr: { hostname: string; port: number };
  /** Stops everything, flushing state to disk. Idempotent. */
  shutdown(): Promise<void>;
  /** Resolves when the agent has stopped (after `shutdown` or `/v1/agent/leave`). */
  readonly stopped: Promise<void>;
}

/** Refused configurations: what this build cannot run yet. */
export class AgentStartError extends Error {
  override readonly name = "AgentStartError";
}

/**
 * Starts an agent.
 *
 * @throws {AgentStartError} for configurations this build does not support yet.
 */
export async function startAgent(
  runtime: Runtime,
  options: { config: RuntimeConfig; logger: Logger },
): Promise<RunningAgent> {
  const { config, logger } = options;
  refuseUnsupported(config);
  const address = advertiseAddress(config, logger);
  const nodeId = await loadNodeId(runtime, config.dataDir);
  const self = selfMember({
    nodeName: config.nodeName,
    address,
    serfLanPort: config.ports.serfLan,
    datacenter: config.datacenter,
    nodeId,
    server: config.server,
    version: VERSION,
    rpcPort: config.ports.server,
  });
  const server = await startServer(runtime, {
    config,
    logger,
    self,
    addresses: { nodeId, lan: address, wan: config.advertiseAddrWan ?? address },
  });
  const stack: (() => Promise<void> | void)[] = [() => server.stop()];
  const shutdown = once(async () => {
    logger.info("shutting down");
    for (const stop of stack.reverse()) await stop();
    logger.info("shutdown complete");
  });
  try {
    const rpc = server.rpc;
    const agentLog = toLogFn(logger.named("agent"));
    const local = new LocalState(
      {
        nodeName: config.nodeName,
        nodeId,
        address,
        datacenter: config.datacenter,
        taggedAddresses: nodeTaggedAddresses(address, config.advertiseAddrWan ?? address),
        nodeMeta: {},
      },
      {
        clock: runtime.clock,
        random: runtime.random,
        catalog: new RpcCatalogSync(rpc, config.datacenter),
        log: agentLog,
      },
    );
    const checks = new CheckManager({
      clock: runtime.clock,
      random: runtime.random,
      net: runtime.net,
      process: runtime.process,
      prober: createNodeHttpProber({}),
      notifier: local,
      log: agentLog,
    }, {
      enableLocalScriptChecks: config.enableScriptChecks,
      enableRemoteScriptChecks: config.enableScriptChecks,
    });
    stack.push(() => checks.stopAll());
    const journal = config.dataDir
      ? new RegistrationJournal(runtime.fs, `${config.dataDir}/registrations.json`)
      : null;
    const agent = new LocalAgent({
      state: local,
      checks,
      log: agentLog,
      onRegistrationsChanged: (registrations) => journal?.save(registrations),
    }, {
      nodeName: config.nodeName,
    });
    if (journal) agent.restore(await journal.load());
    const antiEntropy = new AntiEntropy(local, {
      clock: runtime.clock,
      random: runtime.random,
      clusterSize: () => 1,
      log: agentLog,
    });
    const localChanges = new LocalChangeFeed();
    local.setSyncTrigger(() => {
      antiEntropy.triggerSyncChanges();
      localChanges.notify();
    });
    antiEntropy.start();
    stack.push(() => antiEntropy.stop());
    const reaper = new ServiceReaper({
      clock: runtime.clock,
      criticalChecks: () => local.criticalChecks(),
      removeService: (id) => agent.removeService(id),
      log: agentLog,
    });
    reaper.start();
    stack.push(() => reaper.stop());

    const stopping = new AbortController();
    let leaveRequested: () => void = () => {};
    const leaveSignal = new Promise<void>((resolve) => (leaveRequested = resolve));
    const app = createApi({
      rpc,
      agent,
      state: local,
      clock: runtime.clock,
      random: runtime.random,
      devMode: config.devMode,
      stopping: stopping.signal,
      localChanges,
      log: agentLog,
      identity: {
        datacenter: config.datacenter,
        primaryDatacenter: config.primaryDatacenter,
        nodeName: config.nodeName,
        nodeId,
        server: config.server,
        version: VERSION,
        revision: "",
        buildDate: "",
      },
      self,
      membership: server.membership,
      leave: () => Promise.resolve(leaveRequested()),
    });
    const servers = await serveHttp(runtime, config, app.fetch, logger);
    stack.push(async () => {
      // End blocking queries first (gateways long-poll for minutes), then wait for the rest.
      stopping.abort(new Error("The agent is shutting down"));
      await Promise.all(servers.map((server) => server.shutdown()));
    });
    const stopped = leaveSignal.then(() => shutdown());
    logger.info("Consulate agent running!", {
      version: VERSION,
      node: config.nodeName,
      datacenter: config.datacenter,
      server: config.server,
      http: servers.map((s) => `${s.addr.hostname}:${s.addr.port}`).join(","),
      data_dir: config.dataDir ?? "(in memory, -dev)",
    });
    return {
      httpAddr: servers[0].addr,
      shutdown: async () => {
        leaveRequested();
        await stopped;
      },
      stopped,
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

function refuseUnsupported(config: RuntimeConfig): void {
  if (!config.server) {
    throw new AgentStartError(
      "Client agents are not supported yet: start a server (-server -bootstrap, or -dev)",
    );
  }
  if (!config.devMode && !config.bootstrap && config.bootstrapExpect !== 1) {
    throw new AgentStartError(
      "Only a single bootstrapped server is supported yet: set bootstrap = true or bootstrap_expect = 1 " +
        `(given bootstrap_expect = ${config.bootstrapExpect})`,
    );
  }
}

function advertiseAddress(config: RuntimeConfig, logger: Logger): string {
  if (config.advertiseAddr) return config.advertiseAddr;
  if (config.bindAddr !== "0.0.0.0" && config.bindAddr !== "::") return config.bindAddr;
  logger.warn("bind_addr is a wildcard and advertise_addr is not set; advertising 127.0.0.1", {
    bind_addr: config.bindAddr,
  });
  return "127.0.0.1";
}

async function serveHttp(
  runtime: Runtime,
  config: RuntimeConfig,
  handler: (request: Request) => Response | Promise<Response>,
  logger: Logger,
): Promise<HttpServer[]> {
  if (config.ports.http < 0) {
    throw new AgentStartError("The HTTP API is disabled (ports.http = -1); nothing to serve");
  }
  const servers: HttpServer[] = [];
  for (const hostname of config.clientAddrs) {
    const server = await runtime.http.serve({
      hostname,
      port: config.ports.http,
      handler: (request) => handler(request),
    });
    logger.named("http").info("listening", {
      address: `${server.addr.hostname}:${server.addr.port}`,
    });
    servers.push(server);
  }
  return servers;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}
