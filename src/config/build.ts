/**
 * Turns the merged snake_case configuration into the typed `RuntimeConfig`: resolves Consul's
 * deprecated spellings, derived values (advertise addresses, `-dev` bootstrap) and durations,
 * then runs the cross-field rules and freezes the result.
 *
 * @module
 */
import { parseDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { MergedConfig } from "./merge.ts";
import {
  deepFreeze,
  type LogLevel,
  type RuntimeAcl,
  type RuntimeConfig,
  type RuntimeGossipTuning,
  type RuntimePorts,
  type RuntimeTls,
} from "./runtime_config.ts";
import type { SourceConfig } from "./schema.ts";
import { isAnyAddress, validateRuntimeConfig } from "./validate.ts";

/** How to build. */
export interface BuildOptions {
  readonly devMode: boolean;
  /** False for `consulate validate`, which checks files without a data directory. */
  readonly requireDataDir: boolean;
  /** Files read, in merge order, recorded in the result. */
  readonly configFiles: readonly string[];
}

/**
 * Builds and validates the runtime configuration.
 *
 * @throws {ConfigError} listing every broken cross-field rule.
 */
export function buildRuntimeConfig(merged: MergedConfig, options: BuildOptions): RuntimeConfig {
  const c = merged.config;
  const warnings: string[] = [];
  const bindAddr = c.bind_addr ?? "";
  const advertiseAddr = c.advertise_addr ?? (isAnyAddress(bindAddr) ? null : bindAddr);
  const server = c.server ?? false;
  let bootstrap = c.bootstrap ?? false;
  let bootstrapExpect = c.bootstrap_expect ?? 0;
  if (bootstrapExpect === 1) {
    bootstrap = true;
    bootstrapExpect = 0;
    warnings.push("BootstrapExpect is set to 1; this is the same as Bootstrap mode.");
  }
  if (options.devMode && c.data_dir !== undefined) {
    warnings.push("data_dir is ignored with -dev: state is kept in memory");
  }
  const config: RuntimeConfig = {
    devMode: options.devMode,
    datacenter: c.datacenter ?? "",
    primaryDatacenter: c.primary_datacenter || (c.datacenter ?? ""),
    nodeName: c.node_name ?? "",
    domain: (c.domain ?? "consul").replace(/\.$/, ""),
    server,
    bootstrap: bootstrap || (options.devMode && server),
    bootstrapExpect,
    bindAddr,
    advertiseAddr,
    advertiseAddrWan: c.advertise_addr_wan ?? advertiseAddr,
    clientAddrs: (c.client_addr ?? "").split(/\s+/).filter((addr) => addr !== ""),
    ports: buildPorts(c.ports ?? {}),
    dataDir: options.devMode ? null : c.data_dir ?? null,
    pidFile: c.pid_file ?? null,
    retryJoin: [
      ...deprecatedJoin(c.start_join, "start_join", "retry_join", warnings),
      ...c.retry_join ?? [],
    ],
    retryJoinWan: [
      ...deprecatedJoin(c.start_join_wan, "start_join_wan", "retry_join_wan", warnings),
      ...c.retry_join_wan ?? [],
    ],
    retryIntervalMs: durationMs(c.retry_interval),
    retryIntervalWanMs: durationMs(c.retry_interval_wan),
    retryMax: c.retry_max ?? 0,
    retryMaxWan: c.retry_max_wan ?? 0,
    primaryGateways: c.primary_gateways ?? [],
    primaryGatewaysIntervalMs: durationMs(c.primary_gateways_interval),
    connect: {
      enabled: c.connect?.enabled ?? false,
      meshGatewayWanFederationEnabled: c.connect?.enable_mesh_gateway_wan_federation ?? false,
    },
    tls: buildTls(c, warnings),
    acl: buildAcl(c.acl ?? {}),
    encrypt: c.encrypt || null,
    logLevel: logLevel(c.log_level),
    enableScriptChecks: c.enable_script_checks ?? false,
    sessionTtlMinMs: durationMs(c.session_ttl_min),
    gossipWan: gossipTuning(c.gossip_wan ?? {}),
    configFiles: [...options.configFiles],
    warnings,
  };
  const problems = validateRuntimeConfig(config, merged, {
    requireDataDir: options.requireDataDir && !options.devMode,
    warnings,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function buildPorts(ports: NonNullable<SourceConfig["ports"]>): RuntimePorts {
  return {
    http: port(ports.http),
    https: port(ports.https),
    dns: port(ports.dns),
    server: port(ports.server),
    serfLan: port(ports.serf_lan),
    serfWan: port(ports.serf_wan),
    grpc: port(ports.grpc),
  };
}

function buildAcl(acl: NonNullable<SourceConfig["acl"]>): RuntimeAcl {
  return {
    enabled: acl.enabled ?? false,
    defaultPolicy: (acl.default_policy ?? "allow") as RuntimeAcl["defaultPolicy"],
    downPolicy: (acl.down_policy ?? "extend-cache") as RuntimeAcl["downPolicy"],
    tokens: {
      initialManagement: acl.tokens?.initial_management ?? null,
      agent: acl.tokens?.agent ?? null,
      replication: acl.tokens?.replication ?? null,
    },
  };
}

/** Consul turns every port <= 0 into -1 (disabled). */
function port(value: number | undefined): number {
  return value === undefined || value <= 0 ? -1 : value;
}

function gossipTuning(g: NonNullable<SourceConfig["gossip_wan"]>): RuntimeGossipTuning {
  const tuning: Record<string, number> = {};
  if (g.gossip_nodes !== undefined) tuning.gossipNodes = g.gossip_nodes;
  if (g.gossip_interval !== undefined) tuning.gossipIntervalMs = parseDuration(g.gossip_interval);
  if (g.probe_interval !== undefined) tuning.probeIntervalMs = parseDuration(g.probe_interval);
  if (g.probe_timeout !== undefined) tuning.probeTimeoutMs = parseDuration(g.probe_timeout);
  if (g.suspicion_mult !== undefined) tuning.suspicionMult = g.suspicion_mult;
  if (g.retransmit_mult !== undefined) tuning.retransmitMult = g.retransmit_mult;
  return tuning;
}

function durationMs(text: string | undefined): number {
  return text === undefined ? 0 : parseDuration(text);
}

function logLevel(text: string | undefined): LogLevel {
  const level = (text ?? "INFO").toUpperCase();
  return (level === "ERROR" ? "ERR" : level) as LogLevel;
}

function deprecatedJoin(
  values: readonly string[] | undefined,
  key: string,
  replacement: string,
  warnings: string[],
): readonly string[] {
  if (!values || values.length === 0) return [];
  warnings.push(`The '${key}' field is deprecated. Use the '${replacement}' field instead.`);
  return values;
}

/** The `tls` block wins over Consul's deprecated top-level TLS keys where both are given. */
function buildTls(c: SourceConfig, warnings: string[]): RuntimeTls {
  const legacy = {
    ca_file: "tls.defaults.ca_file",
    cert_file: "tls.defaults.cert_file",
    key_file: "tls.defaults.key_file",
    verify_incoming: "tls.defaults.verify_incoming",
    verify_outgoing: "tls.defaults.verify_outgoing",
    verify_server_hostname: "tls.internal_rpc.verify_server_hostname",
  } as const;
  for (const [key, replacement] of Object.entries(legacy)) {
    if (c[key as keyof typeof legacy] !== undefined) {
      warnings.push(`The '${key}' field is deprecated. Use the '${replacement}' field instead.`);
    }
  }
  const given = c.tls?.defaults ?? {};
  const defaults = {
    caFile: given.ca_file ?? c.ca_file ?? null,
    certFile: given.cert_file ?? c.cert_file ?? null,
    keyFile: given.key_file ?? c.key_file ?? null,
    verifyIncoming: given.verify_incoming ?? c.verify_incoming ?? false,
    verifyOutgoing: given.verify_outgoing ?? c.verify_outgoing ?? false,
  };
  const rpc = c.tls?.internal_rpc ?? {};
  return {
    defaults,
    internalRpc: {
      caFile: rpc.ca_file ?? defaults.caFile,
      certFile: rpc.cert_file ?? defaults.certFile,
      keyFile: rpc.key_file ?? defaults.keyFile,
      verifyIncoming: rpc.verify_incoming ?? defaults.verifyIncoming,
      verifyOutgoing: rpc.verify_outgoing ?? defaults.verifyOutgoing,
      verifyServerHostname: rpc.verify_server_hostname ?? c.verify_server_hostname ?? false,
    },
  };
}
