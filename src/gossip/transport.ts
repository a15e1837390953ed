/**
 * The contract a gossip transport implements for {@linkcode GossipDriver}: unreliable packets
 * and reliable streams to a {@linkcode GossipTarget}. UDP + TCP, and WAN gossip tunnelled
 * through mesh gateways (packets framed on a pooled TLS stream, ALPN `consul/wan-gossip/packet`;
 * streams as TLS conns, ALPN `consul/wan-gossip/stream`) are separate implementations of it.
 * Cross-cutting concerns (encryption, labels, metrics) wrap a transport rather than the core.
 *
 * @module
 */

import type { Conn } from "../runtime/ports.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";

/** One packet received. */
export interface GossipPacket {
  /** The sender's address as the transport saw it (a gateway's, when tunnelled). */
  readonly from: GossipAddr;
  readonly bytes: Uint8Array;
}

/** One stream accepted from a peer. */
export interface GossipStream {
  readonly from: GossipAddr;
  readonly conn: Conn;
}

/** Packets and streams between gossip members. */
export interface GossipTransport {
  /** The address this transport receives at (what the local member advertises). */
  readonly localAddr: GossipAddr;
  /**
   * Sends one packet, best effort. Rejects only for local faults; a lost packet is not an error.
   * `to.name` lets tunnelling transports route by member name (`<node>.<dc>`).
   */
  sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void>;
  /** Packets received, until `close`. */
  packets(): AsyncIterable<GossipPacket>;
  /** Opens a reliable stream to `to`; rejects when it cannot within `timeoutMs`. */
  dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn>;
  /** Streams accepted, until `close`. */
  streams(): AsyncIterable<GossipStream>;
  /** Stops receiving and releases sockets; both iterables end. Idempotent. */
  close(): Promise<void>;
}
