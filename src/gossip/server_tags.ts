/**
 * Consul's server tags (what a server announces about itself in its gossip member entry) and
 * their reading back into a {@linkcode ServerInfo} for the datacenter router, plus the split of
 * WAN member names `<node>.<dc>`.
 *
 * Pure functions; no I/O. Not the gossip protocol (see `swim.ts`) and not routing (see
 * `src/rpc/dc_router.ts`, which consumes {@linkcode ServerInfo}).
 *
 * @module
 */

import type { GossipAddr } from "./member.ts";
import { type MemberStatusCode } from "./member.ts";

/** Consul's serf protocol version tags. */
const VSN = "2";
const VSN_MIN = "2";
const VSN_MAX = "3";
/** Consul's Raft protocol version. */
const RAFT_VSN = "3";

/** What a server says about itself. */
export interface ServerTagsOptions {
  readonly datacenter: string;
  /** The node ID (a UUID). */
  readonly nodeId: string;
  /** The build version, e.g. `1.21.0`. */
  readonly build: string;
  /** The server RPC port (8300). */
  readonly rpcPort: number;
  /** Network segment; servers are always in the default segment `""`. */
  readonly segment?: string;
  /** `bootstrap_expect`, when set. */
  readonly bootstrapExpect?: number;
  /** Single-server bootstrap mode. */
  readonly bootstrap?: boolean;
  /** True when an internal-RPC CA is configured. */
  readonly useTls?: boolean;
  /** A non-voting read replica. */
  readonly readReplica?: boolean;
  /** The WAN gossip port; Consul puts it on the LAN pool for flood-join. */
  readonly wanJoinPort?: number;
  /** gRPC ports, when enabled. */
  readonly grpcPort?: number;
  readonly grpcTlsPort?: number;
}

/** Raised for server tags that cannot be read back. */
export class ServerTagsError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "ServerTagsError";
  }
}

/** Raised by {@linkcode splitWanName} for a name without exactly one dot. */
export class WanNameError extends Error {
  /** Builds the error (Consul's text). */
  constructor(name: string) {
    super(`node name does not encode a datacenter: ${name}`);
    this.name = "WanNameError";
  }
}

/** Builds the tags a Consul server gossips. */
export function serverTags(options: ServerTagsOptions): Record<string, string> {
  const tags: Record<string, string> = {
    role: "consul",
    dc: options.datacenter,
    segment: options.segment ?? "",
    id: options.nodeId,
    vsn: VSN,
    vsn_min: VSN_MIN,
    vsn_max: VSN_MAX,
    raft_vsn: RAFT_VSN,
    build: options.build,
    port: String(options.rpcPort),
    ft_fs: "1",
    ft_si: "1",
  };
  if (options.bootstrap) tags.bootstrap = "1";
  if (options.bootstrapExpect !== undefined && options.bootstrapExpect > 0) {
    tags.expect = String(options.bootstrapExpect);
  }
  if (options.useTls) tags.use_tls = "1";
  if (options.readReplica) {
    tags.read_replica = "1";
    tags.nonvoter = "1";
  }
  if (options.wanJoinPort !== undefined) tags.wan_join_port = String(options.wanJoinPort);
  if (options.grpcPort !== undefined) tags.grpc_port = String(options.grpcPort);
  if (options.grpcTlsPort !== undefined) tags.grpc_tls_port = String(options.grpcTlsPort);
  return tags;
}

/** A server as the datacenter router needs it. */
export interface ServerInfo {
  /** The gossip member name (WAN: `<node>.<dc>`). */
  readonly name: string;
  /** The node name without the datacenter suffix. */
  readonly node: string;
  readonly dc: string;
  /** Where its RPC port listens: the member's gossip host with the `port` tag. */
  readonly rpcAddr: GossipAddr;
  readonly id: string;
  readonly build: string;
  /** Consul's member status number (1 alive, 3 left, 4 failed). */
  readonly status: MemberStatusCode;
  readonly segment: string;
  readonly bootstrap: boolean;
  /** `bootstrap_expect`, 0 when unset. */
  readonly expect: number;
  readonly useTls: boolean;
  readonly readReplica: boolean;
  readonly raftVersion: number;
  /** Feature flags announced (`ft_fs` → `fs`, `ft_si` → `si`). */
  readonly features: readonly string[];
}

/** A gossip member as far as {@linkcode serverInfo} needs it. */
export interface ServerMemberView {
  readonly name: string;
  readonly addr: GossipAddr;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: MemberStatusCode;
}

/**
 * Reads a member's tags as a Consul server; `null` when the member is not a server.
 * @throws {ServerTagsError} when it claims to be a server but a tag is missing or malformed.
 */
export function serverInfo(member: ServerMemberView): ServerInfo | null {
  const { tags } = member;
  if (tags.role !== "consul") return null;
  const dc = tags.dc;
  if (dc === undefined || dc === "") {
    throw new ServerTagsError(`Server ${member.name} announces no datacenter (tag dc)`);
  }
  const port = portTag(member, "port");
  const suffix = `.${dc}`;
  const node = member.name.endsWith(suffix) ? member.name.slice(0, -suffix.length) : member.name;
  return {
    name: member.name,
    node,
    dc,
    rpcAddr: { hostname: member.addr.hostname, port },
    id: tags.id ?? "",
    build: tags.build ?? "",
    status: member.status,
    segment: tags.segment ?? "",
    bootstrap: tags.bootstrap === "1",
    expect: tags.expect === undefined ? 0 : intTag(member, "expect"),
    useTls: tags.use_tls === "1",
    readReplica: tags.read_replica === "1" || tags.nonvoter === "1",
    raftVersion: tags.raft_vsn === undefined ? 1 : intTag(member, "raft_vsn"),
    features: Object.keys(tags).filter((k) => k.startsWith("ft_") && tags[k] === "1")
      .map((k) => k.slice(3)).sort(),
  };
}

/**
 * Splits a WAN member name `<node>.<dc>` as Consul does: exactly one dot is required (so node
 * and datacenter names must not contain dots); either side may be empty.
 * @throws {WanNameError} "node name does not encode a datacenter: <name>".
 */
export function splitWanName(name: string): { node: string; dc: string } {
  const parts = name.split(".");
  if (parts.length !== 2) throw new WanNameError(name);
  return { node: parts[0], dc: parts[1] };
}

/**
 * True when WAN member `name` (`<node>.<dc>`) belongs to `dc`. A name that encodes no datacenter
 * counts as local, as the gateway transport, which sends it directly, treats it.
 */
export function isInDatacenter(name: string, dc: string): boolean {
  const parts = name.split(".");
  return parts.length !== 2 || parts[1] === dc;
}

/** The WAN member name of `node` in `dc`. */
export function wanName(node: string, dc: string): string {
  return `${node}.${dc}`;
}

function intTag(member: ServerMemberView, key: string): number {
  const text = member.tags[key];
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new ServerTagsError(
      `Server ${member.name} has tag ${key}=${JSON.stringify(text ?? "")}; expected an integer`,
    );
  }
  return value;
}

function portTag(member: ServerMemberView, key: string): number {
  const value = intTag(member, key);
  if (value < 1 || value > 65535) {
    throw new ServerTagsError(
      `Server ${member.name} has tag ${key}=${value}; expected a port from 1 to 65535`,
    );
  }
  return value;
}
