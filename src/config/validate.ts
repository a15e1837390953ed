/**
 * Cross-field rules over the built configuration, using Consul's error texts where Consul has
 * them (agent/config/builder.go) and adding what was given and where it was set. All rules run;
 * every broken one is reported.
 *
 * @module
 */
import { formatGoDuration } from "../go_duration.ts";
import type { ConfigProblem } from "./errors.ts";
import type { MergedConfig } from "./merge.ts";
import type { RuntimeConfig } from "./runtime_config.ts";

/** Shortest `primary_gateways_interval` accepted (Consul documents a 1s minimum). */
export const MIN_PRIMARY_GATEWAYS_INTERVAL_MS = 1000;

/** Gossip key sizes Consul accepts (AES-128, -192, -256), in bytes. */
const ENCRYPT_KEY_BYTES = [16, 24, 32];

/** What the rules need besides the config. */
export interface ValidateOptions {
  readonly requireDataDir: boolean;
  /** Advice that is not an error is appended here. */
  readonly warnings: string[];
}

/** Checks every cross-field rule; returns the problems found (empty when valid). */
export function validateRuntimeConfig(
  config: RuntimeConfig,
  merged: MergedConfig,
  options: ValidateOptions,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (key: string, detail: string) => {
    const origin = merged.originOf(key);
    const file = origin?.file ?? "(not set in any source)";
    problems.push(origin?.line === undefined ? { file, key, detail } : { ...origin, key, detail });
  };
  const setBy = (key: string, value: unknown) => {
    const origin = merged.originOf(key);
    const where = origin === undefined ? "unset" : `from ${origin.file}`;
    return `${key} = ${JSON.stringify(value)} ${where}`;
  };
  checkNames(config, report, options.requireDataDir);
  checkAddresses(config, report);
  checkServerMode(config, report, setBy, options.warnings);
  checkWanFederation(config, merged, report, setBy);
  checkValues(config, report);
  return problems;
}

type Report = (key: string, detail: string) => void;
type SetBy = (key: string, value: unknown) => string;

/** Consul's `validateBasicName`: lowercase alphanumerics, `-` and `_`, so no dots in SNI. */
function basicName(field: string, value: string, allowEmpty: boolean, report: Report): void {
  if (value === "") {
    if (!allowEmpty) report(field, `${field} cannot be empty`);
    return;
  }
  if (!/^[a-z0-9_-]+$/.test(value)) {
    report(
      field,
      `${field} can only contain lowercase alphanumeric, - or _ characters. received: ${
        JSON.stringify(value)
      }`,
    );
  }
}

function checkNames(config: RuntimeConfig, report: Report, requireDataDir: boolean): void {
  basicName("datacenter", config.datacenter, false, report);
  if (config.primaryDatacenter !== config.datacenter) {
    basicName("primary_datacenter", config.primaryDatacenter, true, report);
  }
  if (requireDataDir && config.dataDir === null) {
    report("data_dir", "data_dir cannot be empty (set data_dir, or pass -data-dir or -dev)");
  }
  if (config.nodeName === "") {
    report("node_name", "node_name cannot be empty");
  } else if (config.nodeName.includes(".")) {
    report(
      "node_name",
      `node_name cannot contain '.' characters: servers are addressed as ` +
        `<node>.server.<dc>.<domain>, so a dot would change the name. received: ${
          JSON.stringify(config.nodeName)
        }`,
    );
  }
  if (!/^[A-Za-z0-9.-]+$/.test(config.domain)) {
    report(
      "domain",
      `domain must be a DNS name, e.g. "consul". received: ${JSON.stringify(config.domain)}`,
    );
  }
}

function checkAddresses(config: RuntimeConfig, report: Report): void {
  if (config.bindAddr === "") report("bind_addr", "bind_addr cannot be empty");
  else if (!isIpAddress(config.bindAddr)) {
    report(
      "bind_addr",
      `bind_addr must be an ip address (go-sockaddr templates are not supported). received: ${
        JSON.stringify(config.bindAddr)
      }`,
    );
  }
  const advertise: Array<[string, string | null, string]> = [
    ["advertise_addr", config.advertiseAddr, "Advertise address"],
    ["advertise_addr_wan", config.advertiseAddrWan, "Advertise WAN address"],
  ];
  for (const [key, value, label] of advertise) {
    if (value === null) continue;
    if (isAnyAddress(value)) report(key, `${label} cannot be 0.0.0.0, :: or [::]`);
    else if (!isIpAddress(value)) {
      report(key, `${key} must be an ip address. received: ${JSON.stringify(value)}`);
    }
  }
  if (config.clientAddrs.length === 0) report("client_addr", "client_addr cannot be empty");
  for (const addr of config.clientAddrs) {
    if (!isIpAddress(addr)) {
      report(
        "client_addr",
        `client_addr must be ip addresses separated by spaces. received: ${JSON.stringify(addr)}`,
      );
    }
  }
}

function checkServerMode(config: RuntimeConfig, report: Report, setBy: SetBy, warnings: string[]) {
  const serverNote = ` (${setBy("server", config.server)})`;
  if (config.bootstrap && !config.server) {
    report("bootstrap", `'bootstrap = true' requires 'server = true'${serverNote}`);
  }
  const expect = config.bootstrapExpect;
  if (expect < 0) {
    report(
      "bootstrap_expect",
      `bootstrap_expect cannot be ${expect}. Must be greater than or equal to zero`,
    );
  }
  if (expect > 0 && !config.server) {
    report("bootstrap_expect", `'bootstrap_expect > 0' requires 'server = true'${serverNote}`);
  }
  if (expect > 0 && config.devMode) {
    report("bootstrap_expect", "'bootstrap_expect > 0' not allowed in dev mode");
  }
  if (expect > 0 && config.bootstrap) {
    report(
      "bootstrap_expect",
      "'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive",
    );
  }
  if (expect === 2) {
    warnings.push("A cluster with 2 servers will provide no failure tolerance.");
  } else if (expect > 2 && expect % 2 === 0) {
    warnings.push(
      "A cluster with an even number of servers does not achieve optimum fault tolerance.",
    );
  }
}

function checkWanFederation(
  config: RuntimeConfig,
  merged: MergedConfig,
  report: Report,
  setBy: SetBy,
): void {
  const key = "connect.enable_mesh_gateway_wan_federation";
  if (config.connect.meshGatewayWanFederationEnabled) {
    if (!config.connect.enabled) {
      report(
        key,
        `'connect.enable_mesh_gateway_wan_federation=true' requires 'connect.enabled=true' (${
          setBy("connect.enabled", false)
        })`,
      );
    }
    if (!config.server) {
      report(key, `'${key} = true' requires 'server = true' (${setBy("server", false)})`);
    }
    if (config.nodeName.includes("/")) {
      report("node_name", `'${key} = true' requires that 'node_name' not contain '/' characters`);
    }
    if (config.retryJoinWan.length > 0) {
      const joinKey = merged.originOf("retry_join_wan") ? "retry_join_wan" : "start_join_wan";
      report(
        joinKey,
        `'retry_join_wan' is incompatible with '${key} = true' (${joinKey} gives ${
          JSON.stringify(config.retryJoinWan)
        }; under WAN federation servers join through primary_gateways)`,
      );
    }
  }
  if (config.primaryGateways.length > 0) {
    if (!config.server) {
      report(
        "primary_gateways",
        `'primary_gateways' requires 'server = true' (${setBy("server", false)})`,
      );
    }
    if (config.primaryDatacenter === config.datacenter) {
      report(
        "primary_gateways",
        `'primary_gateways' should only be configured in a secondary datacenter (datacenter and ` +
          `primary_datacenter are both ${JSON.stringify(config.datacenter)}; set ` +
          `primary_datacenter to the primary's name)`,
      );
    }
  }
}

function checkValues(config: RuntimeConfig, report: Report): void {
  for (const [name, value] of Object.entries(config.ports)) {
    if (value > 65535) {
      const key = `ports.${name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}`;
      report(key, `${key} must be a port from 1 to 65535, or -1 to disable it. received: ${value}`);
    }
  }
  if (config.primaryGatewaysIntervalMs < MIN_PRIMARY_GATEWAYS_INTERVAL_MS) {
    report(
      "primary_gateways_interval",
      `primary_gateways_interval must be at least 1s. received: ${
        formatGoDuration(config.primaryGatewaysIntervalMs)
      }`,
    );
  }
  if (config.sessionTtlMinMs < 0) {
    report("session_ttl_min", "session_ttl_min cannot be negative");
  }
  if (config.encrypt !== null) {
    const problem = encryptKeyProblem(config.encrypt);
    if (problem) report("encrypt", `encrypt has invalid key: ${problem}`);
  }
}

function encryptKeyProblem(key: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) {
    return "illegal base64 data; use 32 random bytes in base64, e.g. from `consul keygen`";
  }
  const bytes = (key.length / 4) * 3 - (key.endsWith("==") ? 2 : key.endsWith("=") ? 1 : 0);
  if (!ENCRYPT_KEY_BYTES.includes(bytes)) {
    return `key size must be 16, 24 or 32 bytes, got ${bytes} bytes`;
  }
  return null;
}

/** True for IPv4 and IPv6 "any" addresses. */
export function isAnyAddress(addr: string): boolean {
  return addr === "0.0.0.0" || addr === "::" || addr === "[::]" ||
    /^(0{1,4}:){7}0{1,4}$/.test(addr);
}

/** True for a literal IPv4 or IPv6 address (no host names, no brackets). */
export function isIpAddress(addr: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255);
  if (!addr.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(addr)) return false;
  try {
    return new URL(`http://[${addr}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}
