/**
 * `consulate agent`: loads and checks the configuration, logs a summary, starts the agent and
 * runs until SIGINT/SIGTERM (or `/v1/agent/leave`), then shuts down cleanly.
 *
 * @module
 */
import { AGENT_HELP, ConfigError, loadConfig, type RuntimeConfig } from "../config/mod.ts";
import { AgentStartError, startAgent } from "../agent/agent.ts";
import { createLogger, type Logger, type LogLevel } from "../agent/logger.ts";
import type { Command } from "./command.ts";

/** `consulate agent`. */
export const agentCommand: Command = {
  path: ["agent"],
  synopsis: "Runs a Consulate agent",
  help: AGENT_HELP,
  async run(args, context) {
    const runtime = context.runtime;
    let config: RuntimeConfig;
    try {
      config = await loadConfig({ fs: runtime.fs, args, hostname: runtime.process.hostname() });
    } catch (error) {
      if (error instanceof ConfigError) {
        context.stderr(`==> ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    const logger = createLogger({
      level: loggerLevel(config.logLevel),
      clock: runtime.clock,
      sink: (line) => context.stdout(line),
      name: "agent",
    });
    logSummary(config, logger, context.stdout);
    let agent;
    try {
      agent = await startAgent(runtime, { config, logger });
    } catch (error) {
      if (error instanceof AgentStartError) {
        context.stderr(`==> ${error.message}\n`);
        return 1;
      }
      context.stderr(
        `==> Error starting agent: ${error instanceof Error ? error.message : error}\n`,
      );
      return 1;
    }
    if (config.pidFile) await runtime.fs.writeFileAtomic(config.pidFile, `${runtime.process.pid}`);
    const removers = (["SIGINT", "SIGTERM"] as const).map((signal) =>
      runtime.process.onSignal(signal, () => {
        logger.info("caught signal", { signal });
        void agent.shutdown();
      })
    );
    await agent.stopped;
    removers.forEach((remove) => remove());
    if (config.pidFile) await runtime.fs.remove(config.pidFile).catch(() => {});
    return 0;
  },
};

function loggerLevel(level: RuntimeConfig["logLevel"]): LogLevel {
  return level === "ERR" ? "ERROR" : level;
}

function logSummary(config: RuntimeConfig, logger: Logger, out: (text: string) => void): void {
  out("==> Starting Consulate agent...\n");
  const rows: [string, string][] = [
    ["Version", config.devMode ? "dev mode" : "server"],
    ["Node name", `'${config.nodeName}'`],
    ["Datacenter", `'${config.datacenter}' (Primary: '${config.primaryDatacenter}')`],
    ["Server", `${config.server} (Bootstrap: ${config.bootstrap || config.devMode})`],
    [
      "Client Addr",
      `[${
        config.clientAddrs.join(" ")
      }] (HTTP: ${config.ports.http}, HTTPS: ${config.ports.https}, DNS: ${config.ports.dns})`,
    ],
    [
      "Cluster Addr",
      `${
        config.advertiseAddr ?? config.bindAddr
      } (LAN: ${config.ports.serfLan}, WAN: ${config.ports.serfWan})`,
    ],
    ["Data Dir", config.dataDir ?? "(in memory)"],
    [
      "WAN federation",
      config.connect.meshGatewayWanFederationEnabled ? "via mesh gateways" : "not configured",
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  out(rows.map(([label, value]) => `${label.padStart(width + 11)}: ${value}`).join("\n") + "\n\n");
  out("==> Log data will now stream in as it occurs:\n\n");
  for (const warning of config.warnings) logger.warn(warning);
}
