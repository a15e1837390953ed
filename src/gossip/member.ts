/**
 * Members as the gossip layer sees them, and the mapping to Consul's numeric member status.
 *
 * @module
 */

/** Where a member receives gossip packets and streams. */
export interface GossipAddr {
  /** IP address or host name, without brackets for IPv6. */
  readonly hostname: string;
  readonly port: number;
}

/**
 * A destination handed to the transport: the address plus, when known, the member's name.
 * Tunnelled transports (WAN gossip through mesh gateways) route by the name, not the address.
 */
export interface GossipTarget extends GossipAddr {
  /** The member name (for WAN: `<node>.<dc>`), absent when joining a bare address. */
  readonly name?: string;
}

/** SWIM member states. `left` is a graceful leave; `dead` is a detected failure. */
export type MemberState = "alive" | "suspect" | "dead" | "left";

/** One member of the gossip pool, as this member currently believes it to be. */
export interface Member {
  readonly name: string;
  readonly addr: GossipAddr;
  /** Serf-style tags (Consul: role, dc, port, ...), carried in every alive message. */
  readonly tags: Readonly<Record<string, string>>;
  /** The member's own counter; a higher incarnation overrides anything said about a lower. */
  readonly incarnation: number;
  readonly state: MemberState;
  /** The caller's clock value when `state` last changed. */
  readonly stateChangeMs: number;
}

/** Consul's `Status` numbers for `/v1/agent/members` and `consul members`. */
export const MemberStatus = Object.freeze(
  {
    none: 0,
    alive: 1,
    leaving: 2,
    left: 3,
    failed: 4,
  } as const,
);

/** One of the values of {@linkcode MemberStatus}. */
export type MemberStatusCode = (typeof MemberStatus)[keyof typeof MemberStatus];

/**
 * Consul's status number for a member.
 *
 * A suspect member is still reported alive (1), as Consul does: suspicion is not failure.
 * `leaving` (2) is only ever reported for the local member while its leave is being spread.
 */
export function memberStatusCode(
  state: MemberState,
  options: { leaving?: boolean } = {},
): MemberStatusCode {
  if (options.leaving) return MemberStatus.leaving;
  switch (state) {
    case "alive":
    case "suspect":
      return MemberStatus.alive;
    case "left":
      return MemberStatus.left;
    case "dead":
      return MemberStatus.failed;
  }
}

/** Consul's status name (`alive`, `leaving`, `left`, `failed`) for a status number. */
export function memberStatusName(code: MemberStatusCode): string {
  switch (code) {
    case MemberStatus.alive:
      return "alive";
    case MemberStatus.leaving:
      return "leaving";
    case MemberStatus.left:
      return "left";
    case MemberStatus.failed:
      return "failed";
    default:
      return "none";
  }
}

/** `host:port`, bracketing IPv6 hosts. */
export function formatGossipAddr(addr: GossipAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
