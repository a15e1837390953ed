/**
 * Agent configuration, read as Consul reads it: HCL (version 1) and JSON files from
 * `-config-file` / `-config-dir`, Consul's command-line flags, Consul's defaults and `-dev`
 * mode, checked by a strict zod schema (unknown keys are errors with "did you mean") and by
 * Consul's cross-field rules, producing a frozen, typed {@linkcode RuntimeConfig}.
 *
 * This module only reads and checks configuration (through the FileSystem port). It does not
 * start anything, watch files for reload, or expand go-sockaddr templates or go-discover
 * `provider=` strings; those belong to the agent.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./mod.ts";
 * const config = await loadConfig({
 *   fs: runtime.fs,
 *   args: ["-config-dir=/etc/consul.d", "-server"],
 *   hostname: runtime.process.hostname(),
 * });
 * ```
 *
 * @module
 */
export {
  CONFIG_VALID_MESSAGE,
  FLAGS_SOURCE_NAME,
  loadConfig,
  type LoadConfigOptions,
  validateConfigSources,
  type ValidateSourcesOptions,
} from "./load.ts";
export { AGENT_FLAG_SPECS, AGENT_HELP, type AgentFlags, parseAgentFlags } from "./flags.ts";
export { ConfigError, type ConfigProblem, formatProblem } from "./errors.ts";
export { DurationError, parseDuration } from "./duration.ts";
export type {
  LogLevel,
  RuntimeAcl,
  RuntimeConfig,
  RuntimeGossipTuning,
  RuntimePorts,
  RuntimeTls,
  RuntimeTlsFiles,
} from "./runtime_config.ts";
export { parseHcl } from "./hcl_parser.ts";
export { parseJson } from "./json_parser.ts";
export type { ParsedDocument } from "./positions.ts";
export { CONVENTIONAL_HTTPS_PORT, DEV_GRPC_PORT } from "./defaults.ts";
