/**
 * What the HTTP API needs from the rest of the agent: a way to call server RPC endpoints, the
 * agent's own services and checks, its identity, and optional hooks for membership.
 */

import type { LocalAgent, LocalState } from "../agent/local/mod.ts";
import type { AgentLog } from "../agent/checks/mod.ts";
import type { Clock, Random } from "../runtime/ports.ts";
import type { EndpointMethod } from "../endpoints/mod.ts";
import type { EventBuffer } from "./event_buffer.ts";
import type { LocalChangeFeed } from "./local_changes.ts";

/**
 * Calls a server RPC endpoint. `args` carry `Datacenter` (the HTTP `?dc=`, or the agent's own).
 *
 * Contract: the reply is the endpoint's reply object; a refusal rejects with an
 * `EndpointError` (from `src/endpoints/errors.ts`) or, for calls answered by another server, an
 * `Error` whose message is the remote error text. Unknown datacenters reject with a message
 * containing "No path to datacenter". `signal` aborts when the HTTP client goes away.
 */
export interface ServerRpc {
  call(
    method: EndpointMethod,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<unknown>;
}

/** A gossip member as `/v1/agent/members` reports it (Consul's `serf.Member` JSON). */
export interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  readonly Status: number;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** Cluster membership operations; absent until gossip exists, then the API answers 501. */
export interface Membership {
  /** LAN (or, with `wan`, WAN) members. */
  members(wan: boolean): readonly AgentMember[];
  join?(address: string, wan: boolean): Promise<void>;
  forceLeave?(node: string, options: { prune: boolean; wan: boolean }): Promise<void>;
}

/** Who this agent is, as `/v1/agent/self` reports it. */
export interface AgentIdentity {
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly server: boolean;
  readonly version: string;
  readonly revision: string;
  /** RFC 3339 build time. */
  readonly buildDate: string;
}

/** Everything `createApi` needs. */
export interface ApiDeps {
  readonly rpc: ServerRpc;
  /** Registrations with check runners (`/v1/agent/service|check/*`). */
  readonly agent: LocalAgent;
  /** The agent's records and their catalog sync. */
  readonly state: LocalState;
  readonly identity: AgentIdentity;
  readonly clock: Clock;
  readonly random: Random;
  /** `/v1/agent/members`; without it the agent reports itself only (see `selfMember`). */
  readonly membership?: Membership;
  /** This agent as a gossip member, used when `membership` is absent. */
  readonly self: AgentMember;
  /**
   * `/v1/agent/leave`: leave the cluster and shut down, as Consul does. Called after the
   * response is sent. Absent: the endpoint answers 501.
   */
  readonly leave?: () => Promise<void>;
  /** Tokens used when a request carries none (Consul's `acl.tokens.default`). */
  readonly tokens?: { userToken(): string };
  /** Fires on every change of the agent's services or checks; enables `?hash=` blocking. */
  readonly localChanges?: LocalChangeFeed;
  /** User events; created with Consul's 256-event buffer when absent. */
  readonly events?: EventBuffer;
  /** The sanitized configuration shown as `DebugConfig` by `/v1/agent/self`. */
  readonly debugConfig?: () => Readonly<Record<string, unknown>>;
  /** Extra `Stats` sections for `/v1/agent/self` (e.g. raft, runtime). */
  readonly stats?: () => Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Aborted when the agent shuts down: waiting requests (blocking queries, long polls) end at
   * once instead of holding the shutdown for up to their full wait.
   */
  readonly stopping?: AbortSignal;
  /** Consul's `-dev` mode: every JSON answer is pretty-printed. */
  readonly devMode?: boolean;
  /** Largest KV value accepted (Consul's `kv_max_value_size`); default 512 KiB. */
  readonly kvMaxValueBytes?: number;
  readonly log?: AgentLog;
}
