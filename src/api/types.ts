/**
 * The JSON shapes of Consul's `/v1` HTTP API that the client reads and writes, with Consul's
 * field names. Fields Consul may omit are optional; fields this client does not interpret are
 * still present at run time (the index signatures say so).
 *
 * @module
 */

/** Serf member status numbers as `/v1/agent/members` reports them. */
export const MEMBER_STATUS = { none: 0, alive: 1, leaving: 2, left: 3, failed: 4 } as const;

/** One gossip pool member (`/v1/agent/members`). */
export interface AgentMember {
  /** Node name; in the WAN pool `<node>.<dc>`. */
  readonly Name: string;
  /** The member's gossip IP address. */
  readonly Addr: string;
  /** The member's gossip port. */
  readonly Port: number;
  /** Serf tags: `role` (`consul` for servers, `node` for clients), `dc`, `vsn`, `build`, ... */
  readonly Tags: Readonly<Record<string, string>> | null;
  /** See {@linkcode MEMBER_STATUS}. */
  readonly Status: number;
  /** Lowest memberlist protocol the member speaks. */
  readonly ProtocolMin: number;
  /** Highest memberlist protocol the member speaks. */
  readonly ProtocolMax: number;
  /** Memberlist protocol the member uses. */
  readonly ProtocolCur: number;
  /** Lowest serf (delegate) protocol the member speaks. */
  readonly DelegateMin: number;
  /** Highest serf (delegate) protocol the member speaks. */
  readonly DelegateMax: number;
  /** Serf (delegate) protocol the member uses. */
  readonly DelegateCur: number;
}

/** `/v1/agent/self`: the agent's configuration, member record and statistics. */
export interface AgentSelf {
  /** The agent's main settings. */
  readonly Config: {
    /** The agent's datacenter. */
    readonly Datacenter: string;
    /** The primary datacenter of the federation. */
    readonly PrimaryDatacenter?: string;
    /** The agent's node name. */
    readonly NodeName: string;
    /** The agent's node UUID. */
    readonly NodeID?: string;
    /** Whether the agent is a server. */
    readonly Server: boolean;
    /** The Consul version the agent reports. */
    readonly Version: string;
    /** Fields this client does not interpret, passed through as received. */
    readonly [field: string]: unknown;
  };
  /** The agent's own LAN member record. */
  readonly Member: AgentMember;
  /** The node metadata. */
  readonly Meta?: Readonly<Record<string, string>>;
  /** Statistics by subsystem (`agent`, `raft`, `serf_lan`, ...). */
  readonly Stats?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** An address with a port, as in a service's `TaggedAddresses`. */
export interface ServiceAddress {
  /** IP address or host name. */
  readonly Address: string;
  /** TCP port. */
  readonly Port: number;
}

/** DNS weights of a service instance. */
export interface ServiceWeights {
  /** Weight while every check passes. */
  readonly Passing: number;
  /** Weight while a check warns. */
  readonly Warning: number;
}

/** A service as the local agent holds it (`/v1/agent/services`). */
export interface AgentService {
  /** Service instance ID, unique on its node. */
  readonly ID: string;
  /** Service name. */
  readonly Service: string;
  /** `""` for a typical service, else e.g. `"mesh-gateway"`. */
  readonly Kind?: string;
  /** Tags of the instance. */
  readonly Tags?: readonly string[] | null;
  /** Metadata of the instance. */
  readonly Meta?: Readonly<Record<string, string>> | null;
  /** Port of the instance. */
  readonly Port: number;
  /** Address of the instance; `""` means the node's address. */
  readonly Address: string;
  /** Other addresses by tag (`lan`, `wan`, ...). */
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  /** DNS SRV weights. */
  readonly Weights?: ServiceWeights;
  /** Whether the catalog's tags may override the agent's. */
  readonly EnableTagOverride?: boolean;
  /** Datacenter of the instance. */
  readonly Datacenter?: string;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** A check given with a service registration (`Check` / `Checks`). */
export interface AgentServiceCheck {
  /** Check ID; defaults to `service:<service id>`. */
  readonly CheckID?: string;
  /** Human-readable name. */
  readonly Name?: string;
  /** Free text for operators. */
  readonly Notes?: string;
  /** Initial status: `passing`, `warning` or `critical`. */
  readonly Status?: string;
  /** Go duration text, e.g. `"10s"`. */
  readonly TTL?: string;
  /** Go duration between runs of an HTTP, TCP or script check. */
  readonly Interval?: string;
  /** Go duration a run may take. */
  readonly Timeout?: string;
  /** URL an HTTP check requests. */
  readonly HTTP?: string;
  /** HTTP method of an HTTP check. */
  readonly Method?: string;
  /** Request headers of an HTTP check. */
  readonly Header?: Readonly<Record<string, readonly string[]>>;
  /** `host:port` a TCP check connects to. */
  readonly TCP?: string;
  /** Command and arguments of a script check. */
  readonly ScriptArgs?: readonly string[];
  /** Go duration after which a critical service is removed. */
  readonly DeregisterCriticalServiceAfter?: string;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** The body of `PUT /v1/agent/service/register`. */
export interface AgentServiceRegistration {
  /** Service name. */
  readonly Name: string;
  /** Defaults to `Name` on the agent. */
  readonly ID?: string;
  /** `""` for a typical service, else e.g. `"mesh-gateway"`. */
  readonly Kind?: string;
  /** Tags of the instance. */
  readonly Tags?: readonly string[];
  /** Port of the instance. */
  readonly Port?: number;
  /** Address of the instance; default: the node's address. */
  readonly Address?: string;
  /** Unix socket path instead of an address and port. */
  readonly SocketPath?: string;
  /** Other addresses by tag (`lan`, `wan`, ...). */
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  /** Whether the catalog's tags may override the agent's. */
  readonly EnableTagOverride?: boolean;
  /** Metadata of the instance. */
  readonly Meta?: Readonly<Record<string, string>>;
  /** DNS SRV weights. */
  readonly Weights?: ServiceWeights;
  /** One check of the instance. */
  readonly Check?: AgentServiceCheck;
  /** Several checks of the instance. */
  readonly Checks?: readonly AgentServiceCheck[];
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** A catalog node (`/v1/catalog/nodes`). */
export interface CatalogNodeEntry {
  /** Node UUID. */
  readonly ID: string;
  /** Node name. */
  readonly Node: string;
  /** Node address. */
  readonly Address: string;
  /** Datacenter of the node. */
  readonly Datacenter: string;
  /** Other addresses by tag (`lan`, `wan`, ...). */
  readonly TaggedAddresses?: Readonly<Record<string, string>> | null;
  /** Node metadata. */
  readonly Meta?: Readonly<Record<string, string>> | null;
  /** Raft index that created the entry. */
  readonly CreateIndex: number;
  /** Raft index that last changed the entry. */
  readonly ModifyIndex: number;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** One instance of a service with its node (`/v1/catalog/service/<name>`). */
export interface CatalogService {
  /** Node UUID. */
  readonly ID: string;
  /** Node name. */
  readonly Node: string;
  /** Node address. */
  readonly Address: string;
  /** Datacenter of the node. */
  readonly Datacenter: string;
  /** The node's other addresses by tag. */
  readonly TaggedAddresses?: Readonly<Record<string, string>> | null;
  /** Node metadata. */
  readonly NodeMeta?: Readonly<Record<string, string>> | null;
  /** Kind of the service instance. */
  readonly ServiceKind?: string;
  /** Service instance ID. */
  readonly ServiceID: string;
  /** Service name. */
  readonly ServiceName: string;
  /** Instance address; `""` means the node's. */
  readonly ServiceAddress: string;
  /** Instance port. */
  readonly ServicePort: number;
  /** Instance tags. */
  readonly ServiceTags?: readonly string[] | null;
  /** Instance metadata. */
  readonly ServiceMeta?: Readonly<Record<string, string>> | null;
  /** Raft index that created the entry. */
  readonly CreateIndex: number;
  /** Raft index that last changed the entry. */
  readonly ModifyIndex: number;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** A node with its services (`/v1/catalog/node/<node>`). */
export interface CatalogNode {
  /** The node. */
  readonly Node: CatalogNodeEntry;
  /** Its services by instance ID. */
  readonly Services: Readonly<Record<string, AgentService>> | null;
}

/** A health check (`/v1/health/...`). */
export interface HealthCheck {
  /** Node the check runs on. */
  readonly Node: string;
  /** Check ID, unique on its node. */
  readonly CheckID: string;
  /** Human-readable name. */
  readonly Name: string;
  /** `passing`, `warning` or `critical`. */
  readonly Status: string;
  /** Free text for operators. */
  readonly Notes: string;
  /** Output of the last run. */
  readonly Output: string;
  /** Service instance checked; `""` for a node check. */
  readonly ServiceID: string;
  /** Service name checked. */
  readonly ServiceName: string;
  /** Tags of the instance checked. */
  readonly ServiceTags?: readonly string[] | null;
  /** Check type (`ttl`, `http`, `tcp`, `script`, ...). */
  readonly Type?: string;
  /** Raft index that created the entry. */
  readonly CreateIndex: number;
  /** Raft index that last changed the entry. */
  readonly ModifyIndex: number;
  /** Fields this client does not interpret, passed through as received. */
  readonly [field: string]: unknown;
}

/** A service instance with its node and checks (`/v1/health/service/<name>`). */
export interface ServiceEntry {
  /** The node the instance runs on. */
  readonly Node: CatalogNodeEntry;
  /** The instance. */
  readonly Service: AgentService;
  /** Node and instance checks. */
  readonly Checks: readonly HealthCheck[];
}

/** A KV entry with its value decoded from Consul's base64. */
export interface KVPair {
  /** Full key name. */
  readonly Key: string;
  /** Raft index that created the key. */
  readonly CreateIndex: number;
  /** Raft index that last wrote it; the value check-and-set compares. */
  readonly ModifyIndex: number;
  /** How many times a lock on the key was acquired. */
  readonly LockIndex: number;
  /** Opaque number clients store with the key. */
  readonly Flags: number;
  /** `null` when the key holds no value. */
  readonly Value: Uint8Array | null;
  /** The session holding the lock, when one does. */
  readonly Session?: string;
}

/** A datacenter's mesh gateways as its leader last reported them (`/v1/internal/federation-states`). */
export interface FederationState {
  /** Datacenter the record describes. */
  readonly Datacenter: string;
  /** That datacenter's mesh gateways with their checks. */
  readonly MeshGateways?: readonly ServiceEntry[] | null;
  /** RFC 3339 time of the last update. */
  readonly UpdatedAt: string;
  /** ModifyIndex of the record in the primary datacenter. */
  readonly PrimaryModifyIndex: number;
  /** Raft index that created the record. */
  readonly CreateIndex: number;
  /** Raft index that last changed the record. */
  readonly ModifyIndex: number;
}
