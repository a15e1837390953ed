/**
 * The flags of `consulate agent`, named and behaving as Consul's (`-flag=value` and
 * `-flag value`; list flags repeat). Flags that set config keys become configuration sources:
 * list flags merge before the config files and single values after them, exactly as Consul
 * orders them, so a flag wins over a file while listed addresses add up.
 *
 * @module
 */
import { UsageError } from "../cli/command.ts";
import { type FlagKind, type FlagSpec, formatFlagHelp, parseFlags } from "../cli/flags.ts";
import type { SourceConfig } from "./schema.ts";

/** A flag that sets a config key, e.g. `-node` sets `node_name`. */
interface KeyFlag {
  readonly name: string;
  readonly kind: FlagKind;
  /** Dotted config key, e.g. `ports.http`. */
  readonly key: string;
  readonly help: string;
  readonly valueName?: string;
}

const KEY_FLAGS: readonly KeyFlag[] = [
  {
    name: "advertise",
    kind: "string",
    key: "advertise_addr",
    valueName: "<ip>",
    help: "Sets the advertise address to use.",
  },
  {
    name: "advertise-wan",
    kind: "string",
    key: "advertise_addr_wan",
    valueName: "<ip>",
    help: "Sets address to advertise on WAN instead of -advertise address.",
  },
  {
    name: "bind",
    kind: "string",
    key: "bind_addr",
    valueName: "<ip>",
    help: "Sets the bind address for cluster communication.",
  },
  { name: "bootstrap", kind: "bool", key: "bootstrap", help: "Sets server to bootstrap mode." },
  {
    name: "bootstrap-expect",
    kind: "int",
    key: "bootstrap_expect",
    valueName: "<n>",
    help: "Sets server to expect bootstrap mode.",
  },
  {
    name: "client",
    kind: "string",
    key: "client_addr",
    valueName: "<ip>",
    help: "Sets the address to bind for client access (HTTP, HTTPS, DNS, gRPC).",
  },
  {
    name: "data-dir",
    kind: "string",
    key: "data_dir",
    valueName: "<path>",
    help: "Path to a data directory to store agent state.",
  },
  {
    name: "datacenter",
    kind: "string",
    key: "datacenter",
    valueName: "<dc>",
    help: "Datacenter of the agent.",
  },
  {
    name: "dns-port",
    kind: "int",
    key: "ports.dns",
    valueName: "<port>",
    help: "DNS port to use.",
  },
  {
    name: "domain",
    kind: "string",
    key: "domain",
    valueName: "<domain>",
    help: "Domain to use for DNS interface.",
  },
  {
    name: "enable-script-checks",
    kind: "bool",
    key: "enable_script_checks",
    help: "Enables health check scripts.",
  },
  {
    name: "encrypt",
    kind: "string",
    key: "encrypt",
    valueName: "<key>",
    help: "Provides the gossip encryption key.",
  },
  {
    name: "grpc-port",
    kind: "int",
    key: "ports.grpc",
    valueName: "<port>",
    help: "Sets the gRPC API port to listen on.",
  },
  {
    name: "http-port",
    kind: "int",
    key: "ports.http",
    valueName: "<port>",
    help: "Sets the HTTP API port to listen on.",
  },
  {
    name: "https-port",
    kind: "int",
    key: "ports.https",
    valueName: "<port>",
    help: "Sets the HTTPS API port to listen on.",
  },
  {
    name: "join",
    kind: "list",
    key: "start_join",
    valueName: "<addr>",
    help: "Address of an agent to join at start time. Can be specified multiple times.",
  },
  {
    name: "join-wan",
    kind: "list",
    key: "start_join_wan",
    valueName: "<addr>",
    help: "Address of an agent to join -wan at start time. Can be specified multiple times.",
  },
  {
    name: "log-level",
    kind: "string",
    key: "log_level",
    valueName: "<level>",
    help: "Log level of the agent (trace, debug, info, warn, err).",
  },
  {
    name: "node",
    kind: "string",
    key: "node_name",
    valueName: "<name>",
    help: "Name of this node. Must be unique in the cluster.",
  },
  {
    name: "pid-file",
    kind: "string",
    key: "pid_file",
    valueName: "<path>",
    help: "Path to file to store agent PID.",
  },
  {
    name: "primary-datacenter",
    kind: "string",
    key: "primary_datacenter",
    valueName: "<dc>",
    help: "Name of the primary datacenter (Consulate addition; Consul sets it only in files).",
  },
  {
    name: "primary-gateway",
    kind: "list",
    key: "primary_gateways",
    valueName: "<addr>",
    help:
      "Address of a mesh gateway in the primary datacenter to use to bootstrap WAN federation at start time with retries enabled. Can be specified multiple times.",
  },
  {
    name: "retry-interval",
    kind: "string",
    key: "retry_interval",
    valueName: "<duration>",
    help: "Time to wait between join attempts.",
  },
  {
    name: "retry-interval-wan",
    kind: "string",
    key: "retry_interval_wan",
    valueName: "<duration>",
    help: "Time to wait between join -wan attempts.",
  },
  {
    name: "retry-join",
    kind: "list",
    key: "retry_join",
    valueName: "<addr>",
    help:
      "Address of an agent to join at start time with retries enabled. Can be specified multiple times.",
  },
  {
    name: "retry-join-wan",
    kind: "list",
    key: "retry_join_wan",
    valueName: "<addr>",
    help:
      "Address of an agent to join -wan at start time with retries enabled. Can be specified multiple times.",
  },
  {
    name: "retry-max",
    kind: "int",
    key: "retry_max",
    valueName: "<n>",
    help: "Maximum number of join attempts. Defaults to 0, which will retry indefinitely.",
  },
  {
    name: "retry-max-wan",
    kind: "int",
    key: "retry_max_wan",
    valueName: "<n>",
    help: "Maximum number of join -wan attempts. Defaults to 0, which will retry indefinitely.",
  },
  {
    name: "serf-lan-port",
    kind: "int",
    key: "ports.serf_lan",
    valueName: "<port>",
    help: "Sets the Serf LAN port to listen on.",
  },
  {
    name: "serf-wan-port",
    kind: "int",
    key: "ports.serf_wan",
    valueName: "<port>",
    help: "Sets the Serf WAN port to listen on.",
  },
  { name: "server", kind: "bool", key: "server", help: "Switches agent to server mode." },
  {
    name: "server-port",
    kind: "int",
    key: "ports.server",
    valueName: "<port>",
    help: "Sets the server port to listen on.",
  },
];

const CONTROL_FLAGS: readonly FlagSpec[] = [
  {
    name: "config-dir",
    kind: "list",
    valueName: "<dir>",
    help:
      "Path to a directory to read configuration files from. Files ending in .hcl or .json are read in lexical order. Can be specified multiple times.",
  },
  {
    name: "config-file",
    kind: "list",
    valueName: "<path>",
    help:
      "Path to a file in JSON or HCL format with a matching file extension. Can be specified multiple times.",
  },
  {
    name: "config-format",
    kind: "string",
    valueName: "<hcl|json>",
    help:
      "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'.",
  },
  {
    name: "dev",
    kind: "bool",
    help: "Starts the agent in development mode: a single in-memory server bound to 127.0.0.1.",
  },
  {
    name: "hcl",
    kind: "list",
    valueName: "<hcl>",
    help: "hcl config fragment. Can be specified multiple times.",
  },
];

/** Every flag `consulate agent` accepts, sorted by name. */
export const AGENT_FLAG_SPECS: readonly FlagSpec[] = [
  ...CONTROL_FLAGS,
  ...KEY_FLAGS.map(({ name, kind, help, valueName }) => ({ name, kind, help, valueName })),
].sort((a, b) => a.name.localeCompare(b.name));

/** Help text of `consulate agent`. */
export const AGENT_HELP = `Usage: consulate agent [options]

  Starts the Consulate agent and runs until an interrupt is received. The agent reads Consul's
  configuration files (HCL or JSON) and flags; flags win over files, files later in lexical
  order win over earlier ones, and lists add up.

Options:

${formatFlagHelp(AGENT_FLAG_SPECS)}
`;

/** What the agent flags say. */
export interface AgentFlags {
  /** `-config-file` and `-config-dir` paths, in the order given. */
  readonly configPaths: readonly string[];
  readonly configFormat: "hcl" | "json" | null;
  readonly dev: boolean;
  /** `-hcl` fragments, merged after everything else. */
  readonly hcl: readonly string[];
  /** List flags, merged before the config files (Consul's `flags.slices`). */
  readonly lists: SourceConfig;
  /** Single-value flags, merged after the config files (Consul's `flags.values`). */
  readonly values: SourceConfig;
}

/**
 * Parses `consulate agent` arguments.
 *
 * @throws {UsageError} for an unknown flag, a missing or malformed value, a bad
 *   `-config-format`, or a positional argument.
 * @example
 * ```ts
 * const flags = parseAgentFlags(["-server", "-node", "n1", "-retry-join=10.0.0.2"]);
 * flags.values; // { server: true, node_name: "n1" }
 * flags.lists;  // { retry_join: ["10.0.0.2"] }
 * ```
 */
export function parseAgentFlags(args: readonly string[]): AgentFlags {
  const parsed = parseFlags(args, AGENT_FLAG_SPECS);
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[0]}": consulate agent takes only flags`,
    );
  }
  const format = parsed.values.get("config-format") as string | undefined;
  if (format !== undefined && format !== "hcl" && format !== "json") {
    throw new UsageError("-config-format must be either 'hcl' or 'json'");
  }
  const lists: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const flag of KEY_FLAGS) {
    const value = parsed.values.get(flag.name);
    if (value !== undefined) setPath(flag.kind === "list" ? lists : values, flag.key, value);
  }
  return {
    configPaths: configPathsInOrder(parsed.order, parsed.values),
    configFormat: format ?? null,
    dev: parsed.values.get("dev") === true,
    hcl: (parsed.values.get("hcl") as string[] | undefined) ?? [],
    lists: lists as SourceConfig,
    values: values as SourceConfig,
  };
}

/** Consul reads -config-file and -config-dir as one list, in the order given. */
function configPathsInOrder(
  order: readonly string[],
  values: ReadonlyMap<string, unknown>,
): string[] {
  const next = new Map<string, number>();
  const paths: string[] = [];
  for (const name of order) {
    if (name !== "config-file" && name !== "config-dir") continue;
    const index = next.get(name) ?? 0;
    next.set(name, index + 1);
    paths.push((values.get(name) as string[])[index]);
  }
  return paths;
}

function setPath(target: Record<string, unknown>, dottedKey: string, value: unknown): void {
  const parts = dottedKey.split(".");
  let current = target;
  for (const part of parts.slice(0, -1)) {
    current[part] ??= {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]] = value;
}
