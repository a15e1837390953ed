/**
 * Request and reply shapes of the server RPC endpoints, named as Consul's Go structs
 * (`agent/structs`) so that field names match Consul's JSON. Embedded Go structs
 * (QueryOptions, QueryMeta, WriteRequest) are flattened into the outer shape, as Go's JSON
 * and msgpack encoders flatten them.
 *
 * Units: Consul carries durations as Go `time.Duration` nanoseconds on its own RPC; Consulate
 * servers only talk to Consulate servers, so durations in query options and query meta are
 * milliseconds (`MaxQueryTime`, `MaxStaleDuration`, `LastContact`). Session `LockDelay` stays in
 * nanoseconds because it is a stored field that the HTTP API returns as is.
 *
 * @module
 */

import type {
  CheckRow,
  CoordinateRow,
  HealthStatus,
  JsonObject,
  NodeRow,
  ServiceAddress,
  ServiceWeights,
  SessionBehavior,
  SessionRow,
  SessionServiceCheck,
  TxnError,
} from "../state/mod.ts";

/** Every method the endpoints register, as `Service.Method`. */
export const ENDPOINT_METHODS = [
  "Catalog.Register",
  "Catalog.Deregister",
  "Catalog.ListDatacenters",
  "Catalog.ListNodes",
  "Catalog.ListServices",
  "Catalog.ServiceNodes",
  "Catalog.NodeServices",
  "Health.NodeChecks",
  "Health.ServiceChecks",
  "Health.ServiceNodes",
  "Health.ChecksInState",
  "KVS.Apply",
  "KVS.Get",
  "KVS.List",
  "KVS.ListKeys",
  "Txn.Apply",
  "Txn.Read",
  "Session.Apply",
  "Session.Get",
  "Session.List",
  "Session.NodeSessions",
  "Session.Renew",
  "Status.Ping",
  "Status.Leader",
  "Status.Peers",
  "Coordinate.ListNodes",
  "Coordinate.Node",
  "FederationState.Apply",
  "FederationState.Get",
  "FederationState.List",
  "FederationState.ListMeshGateways",
] as const;

/** One endpoint method name. */
export type EndpointMethod = typeof ENDPOINT_METHODS[number];

// ---------------------------------------------------------------------------------------------
// Query options and meta

/** Options of every read (Consul's `structs.QueryOptions`, flattened into requests). */
export interface QueryOptions {
  /** ACL token; accepted and carried, not yet enforced. */
  readonly Token?: string;
  /** Block until the result's index is above this; 0 or absent: answer at once. */
  readonly MinQueryIndex?: number;
  /** Longest wait of a blocking query, in milliseconds (default 5 min, capped at 10 min). */
  readonly MaxQueryTime?: number;
  /** Any server may answer from its own state (`?stale`). */
  readonly AllowStale?: boolean;
  /** The leader must confirm its leadership before answering (`?consistent`). */
  readonly RequireConsistent?: boolean;
  /** Served from the agent cache (`?cached`); servers ignore it. */
  readonly UseCache?: boolean;
  /** With AllowStale: the most staleness tolerated, in milliseconds (`?max_stale`). */
  readonly MaxStaleDuration?: number;
  /** A go-bexpr filter expression applied to the result list (`?filter`). */
  readonly Filter?: string;
}

/** What every read answers besides its data (Consul's `structs.QueryMeta`). */
export interface QueryMeta {
  /** Index to pass as MinQueryIndex to block for the next change; never 0. */
  readonly Index: number;
  /** Milliseconds since the answering server last heard from the leader (0 on the leader). */
  readonly LastContact: number;
  /** True when the answering server knows a leader. */
  readonly KnownLeader: boolean;
  /** "leader", "consistent" or "stale": how the answer was produced. */
  readonly ConsistencyLevel: "leader" | "consistent" | "stale";
}

/** Options of every write (Consul's `structs.WriteRequest`). */
export interface WriteRequest {
  /** ACL token; accepted and carried, not yet enforced. */
  readonly Token?: string;
}

/** Go's `map[string]string`. */
export type StringMap = Readonly<Record<string, string>>;

// ---------------------------------------------------------------------------------------------
// Read requests

/** A read aimed at a datacenter (Consul's `structs.DCSpecificRequest`). */
export interface DCSpecificRequest extends QueryOptions {
  /** Target datacenter; empty means the server's own. */
  readonly Datacenter?: string;
  /** Keep only nodes whose Meta holds every pair (`?node-meta=k:v`). */
  readonly NodeMetaFilters?: StringMap;
}

/** A read of one service name (Consul's `structs.ServiceSpecificRequest`). */
export interface ServiceSpecificRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly NodeMetaFilters?: StringMap;
  readonly ServiceName: string;
  /** Tags every instance must carry, when `TagFilter` is true (`?tag=` repeated). */
  readonly ServiceTags?: readonly string[];
  /** Apply `ServiceTags`. */
  readonly TagFilter?: boolean;
  /**
   * Keep only instances whose every check passes (`/v1/health/service?passing`). Consulate
   * addition: Consul filters in its HTTP layer; filtering here spares forwarded replies.
   */
  readonly PassingOnly?: boolean;
}

/** A read of one node (Consul's `structs.NodeSpecificRequest`). */
export interface NodeSpecificRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly Node: string;
}

/** Checks in a state (Consul's `structs.ChecksInStateRequest`). */
export interface ChecksInStateRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly NodeMetaFilters?: StringMap;
  /** "passing", "warning", "critical" or "any". */
  readonly State: HealthStatus | "any";
}

/** A read of one KV key, or of a prefix for `KVS.List` (Consul's `structs.KeyRequest`). */
export interface KeyRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly Key: string;
}

/** A key listing (Consul's `structs.KeyListRequest`; `Seperator` is Consul's spelling). */
export interface KeyListRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly Prefix: string;
  /** Cut keys after the first separator past the prefix, like directory listings. */
  readonly Seperator?: string;
}

/** A read of one session (Consul's `structs.SessionSpecificRequest`). */
export interface SessionSpecificRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly SessionID: string;
}

// ---------------------------------------------------------------------------------------------
// Catalog writes

/** A service instance as registered and returned (Consul's `structs.NodeService`). */
export interface NodeService {
  readonly Kind?: string;
  readonly ID?: string;
  readonly Service: string;
  readonly Tags?: readonly string[] | null;
  readonly Address?: string;
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>> | null;
  readonly Meta?: StringMap | null;
  readonly Port?: number;
  readonly Weights?: ServiceWeights | null;
  readonly EnableTagOverride?: boolean;
  readonly Proxy?: JsonObject | null;
  readonly Connect?: JsonObject | null;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** A health check as registered (Consul's `structs.HealthCheck`). */
export interface HealthCheck {
  readonly Node?: string;
  readonly CheckID?: string;
  readonly Name?: string;
  readonly Status?: HealthStatus | "";
  readonly Notes?: string;
  readonly Output?: string;
  readonly ServiceID?: string;
  readonly ServiceName?: string;
  readonly ServiceTags?: readonly string[] | null;
  readonly Type?: string;
  readonly Definition?: JsonObject | null;
  readonly Interval?: string;
  readonly Timeout?: string;
}

/** A catalog registration (Consul's `structs.RegisterRequest`). */
export interface RegisterRequest extends WriteRequest {
  readonly Datacenter?: string;
  /** Node UUID; optional. */
  readonly ID?: string;
  readonly Node: string;
  readonly Address?: string;
  readonly TaggedAddresses?: StringMap | null;
  readonly NodeMeta?: StringMap | null;
  readonly Service?: NodeService | null;
  /** Single-check form, merged into `Checks`. */
  readonly Check?: HealthCheck | null;
  readonly Checks?: readonly HealthCheck[] | null;
  /** Leave the node row as it is when it already exists. */
  readonly SkipNodeUpdate?: boolean;
}

/** A catalog deregistration (Consul's `structs.DeregisterRequest`). */
export interface DeregisterRequest extends WriteRequest {
  readonly Datacenter?: string;
  readonly Node: string;
  /** When given, only this service instance (and its checks) goes. */
  readonly ServiceID?: string;
  /** When given without ServiceID, only this check goes. */
  readonly CheckID?: string;
}

// ---------------------------------------------------------------------------------------------
// KV, transactions, sessions

/** A KV entry (Consul's `structs.DirEntry`); `Value` is raw bytes, not base64. */
export interface DirEntry {
  readonly Key: string;
  readonly Flags?: number;
  readonly Value?: Uint8Array | null;
  readonly Session?: string;
  readonly LockIndex?: number;
  readonly CreateIndex?: number;
  /** The CAS index for "cas" and "delete-cas". */
  readonly ModifyIndex?: number;
}

/** A KV write operation (Consul's `api.KVOp` for `KVS.Apply`). */
export type KVSOp = "set" | "cas" | "lock" | "unlock" | "delete" | "delete-tree" | "delete-cas";

/** A KV write (Consul's `structs.KVSRequest`); `KVS.Apply` answers a boolean. */
export interface KVSRequest extends WriteRequest {
  readonly Datacenter?: string;
  readonly Op: KVSOp;
  readonly DirEnt: DirEntry;
}

/** KV verbs inside a transaction (Consul's `api.KVOp`). */
export type TxnKVVerb =
  | KVSOp
  | "get"
  | "get-or-empty"
  | "get-tree"
  | "check-session"
  | "check-index"
  | "check-not-exists";

/** Catalog verbs inside a transaction. */
export type TxnCatalogVerbName = "get" | "set" | "cas" | "delete" | "delete-cas";

/**
 * One transaction operation (Consul's `structs.TxnOp`): exactly one member is set. For KV the
 * CAS index is `DirEnt.ModifyIndex`; for catalog rows it is their `ModifyIndex`.
 */
export interface TxnOp {
  readonly KV?: { readonly Verb: TxnKVVerb; readonly DirEnt: DirEntry } | null;
  readonly Node?: {
    readonly Verb: TxnCatalogVerbName;
    readonly Node: {
      readonly ID?: string;
      readonly Node: string;
      readonly Address?: string;
      readonly Datacenter?: string;
      readonly TaggedAddresses?: StringMap | null;
      readonly Meta?: StringMap | null;
      readonly ModifyIndex?: number;
    };
  } | null;
  readonly Service?: {
    readonly Verb: TxnCatalogVerbName;
    readonly Node: string;
    readonly Service: NodeService;
  } | null;
  readonly Check?: {
    readonly Verb: TxnCatalogVerbName;
    readonly Check: HealthCheck & { readonly ModifyIndex?: number };
  } | null;
  readonly Session?: { readonly Verb: "delete"; readonly Session: { readonly ID: string } } | null;
}

/** A transaction (Consul's `structs.TxnRequest`); read-only ones go to `Txn.Read`. */
export interface TxnRequest extends WriteRequest {
  readonly Datacenter?: string;
  readonly Ops: readonly TxnOp[];
}

/** A read-only transaction (Consul's `structs.TxnReadRequest`). */
export interface TxnReadRequest extends QueryOptions {
  readonly Datacenter?: string;
  readonly Ops: readonly TxnOp[];
}

/** One result of a committed transaction (Consul's `structs.TxnResult`). */
export interface TxnResult {
  readonly KV?: KvDirEntry;
  readonly Node?: NodeRow;
  readonly Service?: NodeServiceRow;
  readonly Check?: CheckRow;
}

/** What a transaction answers: Results when it committed, Errors when it rolled back. */
export interface TxnResponse {
  readonly Results: readonly TxnResult[] | null;
  readonly Errors: readonly TxnError[] | null;
}

/** A read-only transaction's answer (Consul's `structs.TxnReadResponse`). */
export interface TxnReadResponse extends TxnResponse, QueryMeta {}

/** A session as created (Consul's `structs.Session`); `LockDelay` is in nanoseconds. */
export interface SessionInputBody {
  /** Ignored on create (the server picks a UUID); required on destroy. */
  readonly ID?: string;
  readonly Name?: string;
  readonly Node?: string;
  readonly LockDelay?: number;
  readonly Behavior?: SessionBehavior | "";
  /** Go duration text such as "30s"; "" or "0s" for none. */
  readonly TTL?: string;
  readonly NodeChecks?: readonly string[] | null;
  readonly ServiceChecks?: readonly SessionServiceCheck[] | null;
  /** Consul's deprecated form of NodeChecks; merged into it. */
  readonly Checks?: readonly string[] | null;
}

/** A session write (Consul's `structs.SessionRequest`); answers the session ID. */
export interface SessionRequest extends WriteRequest {
  readonly Datacenter?: string;
  readonly Op: "create" | "destroy";
  readonly Session: SessionInputBody;
}

/** Arguments of `Catalog.ListDatacenters` (Consul's `structs.DatacentersRequest`). */
export type DatacentersRequest = QueryOptions;

// ---------------------------------------------------------------------------------------------
// Replies

/** A KV entry as read: `Value` bytes or null. */
export interface KvDirEntry {
  readonly Key: string;
  readonly Flags: number;
  readonly Value: Uint8Array | null;
  readonly Session: string;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service instance as read, without its node (Consul's `structs.NodeService`). */
export interface NodeServiceRow {
  readonly Kind: string;
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Address: string;
  readonly TaggedAddresses: Readonly<Record<string, ServiceAddress>>;
  readonly Meta: StringMap;
  readonly Port: number;
  readonly Weights: ServiceWeights;
  readonly EnableTagOverride: boolean;
  readonly Proxy: JsonObject | null;
  readonly Connect: JsonObject | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service instance flattened with its node (Consul's `structs.ServiceNode`). */
export interface ServiceNode {
  /** The node's UUID. */
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: StringMap;
  readonly NodeMeta: StringMap;
  readonly ServiceKind: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly ServiceAddress: string;
  readonly ServiceTaggedAddresses: Readonly<Record<string, ServiceAddress>>;
  readonly ServiceWeights: ServiceWeights;
  readonly ServiceMeta: StringMap;
  readonly ServicePort: number;
  readonly ServiceEnableTagOverride: boolean;
  readonly ServiceProxy: JsonObject | null;
  readonly ServiceConnect: JsonObject | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service instance with its node and checks (Consul's `structs.CheckServiceNode`). */
export interface CheckServiceNode {
  readonly Node: NodeRow;
  readonly Service: NodeServiceRow;
  readonly Checks: readonly CheckRow[];
}

/** A node with its services keyed by instance ID (Consul's `structs.NodeServices`). */
export interface NodeServices {
  readonly Node: NodeRow;
  readonly Services: Readonly<Record<string, NodeServiceRow>>;
}

/** `Catalog.ListServices`: names to merged tags. */
export interface IndexedServices extends QueryMeta {
  readonly Services: Readonly<Record<string, readonly string[]>>;
}

/** `Catalog.ServiceNodes`. */
export interface IndexedServiceNodes extends QueryMeta {
  readonly ServiceNodes: readonly ServiceNode[];
}

/** `Catalog.ListNodes`. */
export interface IndexedNodes extends QueryMeta {
  readonly Nodes: readonly NodeRow[];
}

/** `Catalog.NodeServices`; `NodeServices` is null for an unknown node. */
export interface IndexedNodeServices extends QueryMeta {
  readonly NodeServices: NodeServices | null;
}

/** `Health.NodeChecks`, `Health.ServiceChecks`, `Health.ChecksInState`. */
export interface IndexedHealthChecks extends QueryMeta {
  readonly HealthChecks: readonly CheckRow[];
}

/** `Health.ServiceNodes`. */
export interface IndexedCheckServiceNodes extends QueryMeta {
  readonly Nodes: readonly CheckServiceNode[];
}

/** `KVS.Get` and `KVS.List`; `Entries` is null when nothing matched, as in Consul. */
export interface IndexedDirEntries extends QueryMeta {
  readonly Entries: readonly KvDirEntry[] | null;
}

/** `KVS.ListKeys`. */
export interface IndexedKeyList extends QueryMeta {
  readonly Keys: readonly string[];
}

/** `Session.Get`, `Session.List`, `Session.NodeSessions`, `Session.Renew`. */
export interface IndexedSessions extends QueryMeta {
  readonly Sessions: readonly SessionRow[];
}

/** `Coordinate.ListNodes` and `Coordinate.Node`. */
export interface IndexedCoordinates extends QueryMeta {
  readonly Coordinates: readonly CoordinateRow[];
}
