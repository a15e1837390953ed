/**
 * Row shapes of the state store tables. Field names follow Consul's Go structs (and so its
 * JSON), which keeps the HTTP layer a thin mapping. Rows handed out by reads are frozen.
 *
 * @module
 */

/** Any JSON value; used for opaque sub-documents the store keeps exactly as given. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A JSON object kept as given (service Proxy/Connect, check Definition, gateways). */
export type JsonObject = { readonly [key: string]: JsonValue };

/** The Raft indexes every replicated row carries, as Consul reports them. */
export interface RaftIndex {
  /** Index of the command that created the row. */
  readonly CreateIndex: number;
  /** Index of the command that last changed the row. */
  readonly ModifyIndex: number;
}

/** A catalog node. */
export interface NodeRow extends RaftIndex {
  /** Node UUID, or "" when the registration gave none. */
  readonly ID: string;
  /** Node name; unique case-insensitively. */
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
}

/** An address a service is reachable at under a tag such as `lan` or `wan`. */
export interface ServiceAddress {
  readonly Address: string;
  readonly Port: number;
}

/** DNS SRV weights of a service instance by health. */
export interface ServiceWeights {
  readonly Passing: number;
  readonly Warning: number;
}

/** A service instance registered on one node (Consul's NodeService plus its node name). */
export interface ServiceRow extends RaftIndex {
  /** Name of the node the instance runs on, as that node spells it. */
  readonly Node: string;
  /** Instance ID, unique per node case-insensitively. */
  readonly ID: string;
  /** Service name. */
  readonly Service: string;
  readonly Tags: readonly string[];
  readonly Address: string;
  readonly TaggedAddresses: Readonly<Record<string, ServiceAddress>>;
  readonly Meta: Readonly<Record<string, string>>;
  readonly Port: number;
  readonly Weights: ServiceWeights;
  readonly EnableTagOverride: boolean;
  /** "" for a typical service, else e.g. "mesh-gateway", "connect-proxy". */
  readonly Kind: string;
  readonly Proxy: JsonObject | null;
  readonly Connect: JsonObject | null;
}

/** A health check status. */
export type HealthStatus = "passing" | "warning" | "critical";

/** A health check on a node, or on one service instance of it. */
export interface CheckRow extends RaftIndex {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: HealthStatus;
  readonly Notes: string;
  readonly Output: string;
  /** "" for a node-level check. */
  readonly ServiceID: string;
  /** Filled from the service registration; "" for a node-level check. */
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[];
  readonly Type: string;
  readonly Definition: JsonObject;
  /** Go duration text such as "10s", or "". */
  readonly Interval: string;
  /** Go duration text such as "1s", or "". */
  readonly Timeout: string;
}

/** A KV entry. `Value` is `null` when the key was written without a body. */
export interface KvRow extends RaftIndex {
  readonly Key: string;
  readonly Flags: number;
  readonly Value: Uint8Array | null;
  /** ID of the session holding the lock, or "". */
  readonly Session: string;
  /** How many times the key has been acquired. */
  readonly LockIndex: number;
}

/** What happens to a session's locks when it is invalidated. */
export type SessionBehavior = "release" | "delete";

/** A service check a session depends on. */
export interface SessionServiceCheck {
  readonly ID: string;
  readonly Namespace: string;
}

/** A session: a lease tying KV locks to the health of a node and its checks. */
export interface SessionRow extends RaftIndex {
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  /** Lock delay in nanoseconds, as Consul's JSON carries a Go `time.Duration`. */
  readonly LockDelay: number;
  readonly Behavior: SessionBehavior;
  /** Go duration text such as "30s", or "" for no TTL. */
  readonly TTL: string;
  readonly NodeChecks: readonly string[];
  readonly ServiceChecks: readonly SessionServiceCheck[];
}

/** A network coordinate of a node (Vivaldi), as Consul's `coordinate.Coordinate`. */
export interface Coord {
  readonly Vec: readonly number[];
  readonly Error: number;
  readonly Adjustment: number;
  readonly Height: number;
}

/** A node's coordinate in one network segment ("" is the default segment). */
export interface CoordinateRow {
  readonly Node: string;
  readonly Segment: string;
  readonly Coord: Coord;
}

/** The mesh gateways of one datacenter, replicated from the primary. */
export interface FederationStateRow extends RaftIndex {
  readonly Datacenter: string;
  /** CheckServiceNode documents of the DC's mesh gateways, kept exactly as given. */
  readonly MeshGateways: readonly JsonObject[];
  /** RFC 3339 time of the last write by the DC's leader. */
  readonly UpdatedAt: string;
  /** ModifyIndex of the record in the primary datacenter. */
  readonly PrimaryModifyIndex: number;
}

/** A service instance joined with its node. */
export interface ServiceInstance {
  readonly Node: NodeRow;
  readonly Service: ServiceRow;
}

/** A service instance with its node and every check that applies to it. */
export interface CheckServiceNode extends ServiceInstance {
  /** Node-level checks and the instance's own checks, ordered by CheckID. */
  readonly Checks: readonly CheckRow[];
}

/** A read's answer: the data and the index a blocking query waits past. */
export interface Indexed<T> {
  /**
   * Max index of what was read. It can be 0 on an empty store; Consul's HTTP layer turns 0
   * into 1 before sending `X-Consul-Index`, and so should ours.
   */
  readonly index: number;
  readonly value: T;
}
