/**
 * The typed result of loading configuration: camelCase fields, durations in milliseconds,
 * defaults applied, cross-field rules checked, deeply frozen.
 *
 * @module
 */

/** Listener ports; `-1` means the listener is disabled. */
export interface RuntimePorts {
  readonly http: number;
  readonly https: number;
  readonly dns: number;
  /** Server RPC (8300). */
  readonly server: number;
  readonly serfLan: number;
  readonly serfWan: number;
  readonly grpc: number;
}

/** TLS files and verification switches for one kind of listener. */
export interface RuntimeTlsFiles {
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly verifyIncoming: boolean;
  readonly verifyOutgoing: boolean;
}

/** TLS settings: `defaults`, and `internalRpc` with the defaults filled in. */
export interface RuntimeTls {
  readonly defaults: RuntimeTlsFiles;
  readonly internalRpc: RuntimeTlsFiles & { readonly verifyServerHostname: boolean };
}

/** ACL settings. */
export interface RuntimeAcl {
  readonly enabled: boolean;
  readonly defaultPolicy: "allow" | "deny";
  readonly downPolicy: "allow" | "deny" | "extend-cache" | "async-cache";
  readonly tokens: {
    readonly initialManagement: string | null;
    readonly agent: string | null;
    readonly replication: string | null;
  };
}

/** Canonical log levels (`ERROR` in a file is read as `ERR`, as Consul does). */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERR";

/** Gossip timings a configuration may override (Consul's `gossip_lan` / `gossip_wan`). */
export interface RuntimeGossipTuning {
  readonly gossipNodes?: number;
  readonly gossipIntervalMs?: number;
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  readonly suspicionMult?: number;
  readonly retransmitMult?: number;
}

/** Everything an agent needs from its configuration. */
export interface RuntimeConfig {
  /** Started with `-dev`: in-memory, single bootstrapped server. */
  readonly devMode: boolean;
  readonly datacenter: string;
  /** Equals `datacenter` unless set; a secondary datacenter must set it. */
  readonly primaryDatacenter: string;
  readonly nodeName: string;
  /** DNS and TLS-name domain without a trailing dot, e.g. `consul`. */
  readonly domain: string;
  readonly server: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  readonly bindAddr: string;
  /** LAN address to advertise; `null` when it must be detected (bind address is 0.0.0.0/::). */
  readonly advertiseAddr: string | null;
  /** WAN address to advertise; defaults to `advertiseAddr`. */
  readonly advertiseAddrWan: string | null;
  /** Addresses for the client listeners (HTTP, HTTPS, DNS, gRPC). */
  readonly clientAddrs: readonly string[];
  readonly ports: RuntimePorts;
  /** Where state is kept; `null` in dev mode (kept in memory). */
  readonly dataDir: string | null;
  readonly pidFile: string | null;
  /** LAN join addresses (`start_join` is folded in). */
  readonly retryJoin: readonly string[];
  /** WAN join addresses (`start_join_wan` is folded in, as Consul does). */
  readonly retryJoinWan: readonly string[];
  readonly retryIntervalMs: number;
  readonly retryIntervalWanMs: number;
  /** Join attempts before giving up; 0 means forever. */
  readonly retryMax: number;
  readonly retryMaxWan: number;
  /** Primary-datacenter mesh gateway addresses (`host:port` or `provider=...`). */
  readonly primaryGateways: readonly string[];
  readonly primaryGatewaysIntervalMs: number;
  readonly connect: {
    readonly enabled: boolean;
    readonly meshGatewayWanFederationEnabled: boolean;
  };
  readonly tls: RuntimeTls;
  readonly acl: RuntimeAcl;
  /** Base64 gossip encryption key, or `null`. */
  readonly encrypt: string | null;
  readonly logLevel: LogLevel;
  readonly enableScriptChecks: boolean;
  readonly sessionTtlMinMs: number;
  /** Consul's `gossip_wan` tuning; only the fields set in configuration are present. */
  readonly gossipWan: RuntimeGossipTuning;
  /** Config files read, in merge order. */
  readonly configFiles: readonly string[];
  /** Deprecations and advice found while loading; the agent logs them. */
  readonly warnings: readonly string[];
}

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
