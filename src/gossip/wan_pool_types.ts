/**
 * The WAN pool's public vocabulary: its options, Consul's member JSON for
 * `/v1/agent/members?wan=1`, pool events and counters, the pool's errors, and the `<node>.<dc>`
 * name check. Pure; no I/O.
 *
 * @module
 */

import type { Clock, Net, Random } from "../runtime/ports.ts";
import type { Keyring } from "./keyring.ts";
import type { MemberEventType } from "./_membership.ts";
import type { GossipAddr } from "./member.ts";
import type { SwimConfig } from "./presets.ts";
import type { GossipTransport } from "./transport.ts";
import type { Member, MemberStatusCode } from "./member.ts";
import { splitWanName, WanNameError } from "./server_tags.ts";

/** Log sink: the pool reports joins, failures and refused input here. */
export type WanPoolLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

/** Everything `startWanPool` needs. */
export interface WanPoolOptions {
  readonly runtime: { readonly net: Net; readonly clock: Clock; readonly random: Random };
  /** Where to bind the default transport (port 0 picks one); ignored with `transport`. */
  readonly bind: GossipAddr;
  /** The address other servers reach this one at; default: the bound one. */
  readonly advertise?: GossipAddr;
  readonly nodeName: string;
  readonly datacenter: string;
  /** Server tags (see `serverTags`); `dc` is added when missing. */
  readonly tags: Readonly<Record<string, string>>;
  /** Base64 `encrypt` keys (primary first) or a keyring; absent: no encryption. */
  readonly encryptKeys?: readonly string[] | Keyring;
  /** Timings; default `presets.wan`. */
  readonly config?: SwimConfig;
  /**
   * No TCP fallback pings to members of other datacenters (default false). Set it when
   * `transport` reaches them through mesh gateways, as Consul does: the tunnel is TCP already,
   * and each fallback ping would cost a TLS handshake through two gateways.
   */
  readonly noTcpPingsToOtherDcs?: boolean;
  readonly log?: WanPoolLog;
  /** The transport to use instead of UDP+TCP on `bind`; the pool closes it on `stop`. */
  readonly transport?: GossipTransport;
  /** Time for one stream exchange (join, push/pull). Default 10 s. */
  readonly streamTimeoutMs?: number;
  /** Time `leave` waits for the notice to go out. */
  readonly leaveTimeoutMs?: number;
}

/** Counters of every layer of the pool, for metrics and tests. */
export interface WanPoolCounters {
  /** The base transport's counters, when it keeps any (the UDP+TCP one does). */
  readonly transport: Readonly<Record<string, number>> | null;
  readonly encryption: Readonly<Record<string, number>> | null;
  readonly swim: Readonly<Record<string, number>>;
  readonly refusedStreams: number;
  readonly malformedIntents: number;
}

/** Consul's serf protocol and delegate versions, as `/v1/agent/members` reports them. */
const PROTOCOL = { min: 1, max: 5, cur: 2 } as const;
const DELEGATE = { min: 2, max: 5, cur: 4 } as const;

/** A member as `/v1/agent/members?wan=1` reports it (Consul's serf member JSON). */
export interface WanMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  readonly Status: MemberStatusCode;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** A change in the pool: the core's member events, plus force-leave. */
export interface WanPoolEvent {
  readonly type: MemberEventType | "force-leave";
  readonly member: WanMember;
}

/** Raised for options the pool cannot start with. */
export class WanPoolError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WanPoolError";
  }
}

/** Raised when a join reached nobody; the message lists each address's failure. */
export class WanJoinError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "WanJoinError";
  }
}

/** Raised by force-leave for a name the pool does not know. */
export class WanMemberNotFoundError extends Error {
  /** Builds the error (Consul's text). */
  constructor(name: string) {
    super(`agent: No node found with name '${name}'`);
    this.name = "WanMemberNotFoundError";
  }
}

/** Consul's member JSON for `member` with `status`. */
export function toWanMember(member: Member, status: MemberStatusCode): WanMember {
  return {
    Name: member.name,
    Addr: member.addr.hostname,
    Port: member.addr.port,
    Tags: { ...member.tags },
    Status: status,
    ProtocolMin: PROTOCOL.min,
    ProtocolMax: PROTOCOL.max,
    ProtocolCur: PROTOCOL.cur,
    DelegateMin: DELEGATE.min,
    DelegateMax: DELEGATE.max,
    DelegateCur: DELEGATE.cur,
  };
}

/**
 * The WAN member name `<node>.<dc>` after checking both parts.
 * @throws {WanPoolError} for empty parts or parts with dots.
 */
export function memberName(nodeName: string, datacenter: string): string {
  if (nodeName === "" || datacenter === "") {
    throw new WanPoolError("WAN gossip needs a non-empty node name and datacenter");
  }
  const name = `${nodeName}.${datacenter}`;
  try {
    splitWanName(name);
  } catch (error) {
    if (!(error instanceof WanNameError)) throw error;
    throw new WanPoolError(
      `Node name ${JSON.stringify(nodeName)} and datacenter ${JSON.stringify(datacenter)} ` +
        "must not contain dots: WAN member names are <node>.<dc>",
      { cause: error },
    );
  }
  return name;
}
