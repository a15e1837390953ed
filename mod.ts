/**
 * Consulate as a library: start an agent in your own process, load and validate Consul
 * configuration, create the certificates WAN federation needs, and talk to any Consul-
 * compatible HTTP API.
 *
 * @example Start a development agent and use it
 * ```ts
 * import { ConsulClient, currentRuntime, loadConfig, startAgent, createLogger } from "@consulate/consulate";
 *
 * const runtime = await currentRuntime();
 * const config = await loadConfig({ fs: runtime.fs, args: ["-dev"], hostname: "dev" });
 * const logger = createLogger({ level: "INFO", clock: runtime.clock, sink: console.log });
 * const agent = await startAgent(runtime, { config, logger });
 * const client = new ConsulClient({ address: `127.0.0.1:${agent.httpAddr.port}` });
 * await client.kv.put("hello", "world");
 * await agent.shutdown();
 * ```
 *
 * @module
 */
export { AgentStartError, type RunningAgent, startAgent } from "./src/agent/agent.ts";
export { createLogger, type Logger, type LogLevel } from "./src/agent/logger.ts";
export {
  ConfigError,
  loadConfig,
  parseDuration,
  type RuntimeConfig,
  validateConfigSources,
} from "./src/config/mod.ts";
export {
  createCa,
  createLeafCert,
  inspectCertificate,
  serverSni,
  verifyChain,
} from "./src/tls/mod.ts";
export { ApiError, ConsulClient } from "./src/api/mod.ts";
export { currentRuntime } from "./src/runtime/current.ts";
export type { Runtime } from "./src/runtime/ports.ts";
export { VERSION } from "./src/version.ts";
