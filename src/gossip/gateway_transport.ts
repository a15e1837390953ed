/**
 * WAN gossip through mesh gateways (Consul's `wanfed` transport): a {@linkcode GossipTransport}
 * that sends to members of this datacenter over the plain UDP+TCP transport it wraps, and to
 * members of other datacenters through mesh gateways, over TLS that ends at the other server.
 *
 * - Packets to `<node>.<dc>` of another datacenter go on a pooled TLS connection dialled with
 *   SNI `<node>.server.<dc>.<domain>` and ALPN `consul/wan-gossip/packet`, each as a 4-byte
 *   big-endian length and the packet. Tunnels are keyed by member name, reused last in first
 *   out, closed after 2 minutes unused, and closed instead of reused after a failed write.
 * - Streams to another datacenter are one TLS connection each, ALPN `consul/wan-gossip/stream`,
 *   over which the driver speaks its usual stream protocol as over TCP.
 * - The join placeholder `*.<dc>/192.0.2.2` names node `*`: the dial asks for
 *   `server.<dc>.<domain>`, any server of that datacenter, and the address is never used.
 * - The receiving server's RPC port hands such connections to {@linkcode
 *   GatewayGossipTransport.handlePacketConn} and {@linkcode GatewayGossipTransport.handleStreamConn};
 *   what arrives is merged with what the wrapped transport receives.
 *
 * What it is not: it picks no gateway and holds no TLS settings (its dialer does, e.g. the
 * federation module's `MeshGatewayDialer`), and it does not encrypt gossip (the pool wraps it
 * in `EncryptedTransport` when keys are set, so tunnelled bytes are encrypted twice, as in
 * Consul).
 *
 * @module
 */

import type { Clock, Conn, NetAddr, TlsConn } from "../runtime/ports.ts";
import { ByteReader } from "../runtime/streams.ts";
import { ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM } from "../rpc/alpn.ts";
import { AsyncQueue } from "../runtime/async_queue.ts";
import { CounterSet } from "./_counters.ts";
import { PacketConnPool, type PooledPacketConn } from "./_gateway_packet_pool.ts";
import { withDeadline } from "./_deadline.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";
import { MAX_QUEUED_PACKETS, MAX_QUEUED_STREAMS } from "./net_transport.ts";
import { splitWanName } from "./server_tags.ts";
import type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";
import type { WanPoolLog } from "./wan_pool_types.ts";

export { PACKET_POOL_REAP_INTERVAL_MS, PacketPoolClosedError } from "./_gateway_packet_pool.ts";

/** Largest tunnelled packet (Consul's `GossipPacketMaxByteSize`, 4 MiB). */
export const GOSSIP_PACKET_MAX_BYTES = 4 * 1024 * 1024;
/** A packet tunnel silent this long is closed, on both ends (`GossipPacketMaxIdleTime`). */
export const GOSSIP_PACKET_MAX_IDLE_MS = 2 * 60_000;
/** Bytes of the big-endian length before each tunnelled packet. */
export const PACKET_LENGTH_BYTES = 4;
/** Outbound packet tunnels open at once; beyond it packets are dropped and counted. */
export const MAX_OUTBOUND_PACKET_CONNS = 256;
/** Idle outbound tunnels kept per member; memberlist rarely needs more than one. */
export const MAX_IDLE_PACKET_CONNS_PER_MEMBER = 4;
/** Inbound packet tunnels served at once; more are closed on arrival and counted. */
export const MAX_INBOUND_PACKET_CONNS = 256;
/** Time one tunnelled write may take before the tunnel is given up. */
export const PACKET_WRITE_TIMEOUT_MS = 10_000;

/** How a tunnel to a server of another datacenter is made (structurally `ServerDialer`). */
export interface GatewayTunnelDialer {
  /**
   * Connects to server `node` of `dc` (`*`: any server) negotiating exactly `alpn`; `addr`
   * is the member's advertised address, which a gateway dialer does not use.
   */
  dial(dc: string, node: string, addr: NetAddr, alpn: string): Promise<TlsConn>;
}

/** What {@linkcode GatewayGossipTransport} needs. */
export interface GatewayGossipTransportOptions {
  /** The plain transport for this datacenter (UDP+TCP on the serf WAN port); closed with us. */
  readonly inner: GossipTransport;
  readonly dialer: GatewayTunnelDialer;
  readonly clock: Clock;
  /** This server's datacenter: members named `<node>.<this dc>` use `inner`. */
  readonly datacenter: string;
  /** Idle time of packet tunnels, both directions (default 2 minutes). */
  readonly maxIdleMs?: number;
  /** Largest packet sent or accepted (default 4 MiB). */
  readonly maxPacketBytes?: number;
  readonly log?: WanPoolLog;
}

const COUNTER_NAMES = [
  "tunnelPacketsSent",
  "tunnelPacketBytesSent",
  "tunnelPacketSendErrors",
  "tunnelPacketsDroppedAtBound",
  "tunnelPacketConnsDialed",
  "tunnelPacketConnsReaped",
  "tunnelPacketsReceived",
  "tunnelPacketBytesReceived",
  "tunnelPacketsDropped",
  "tunnelPacketConnsAccepted",
  "tunnelPacketConnsRejected",
  "tunnelPacketConnsIdleClosed",
  "tunnelPacketsOversize",
  "tunnelStreamsDialed",
  "tunnelStreamDialErrors",
  "tunnelStreamsAccepted",
  "tunnelStreamsRejected",
] as const;

/** Counter names of the tunnel side (the wrapped transport's counters are reported too). */
export type GatewayTransportCounter = typeof COUNTER_NAMES[number];

/** A tunnelled packet announced a length above the limit (Consul's text). */
export class GossipPacketTooLargeError extends Error {
  /** The length the peer announced. */
  readonly size: number;

  /** Builds the error for `size` against `limit`. */
  constructor(size: number, limit: number) {
    super(`gossip packet size ${size} exceeds threshold of ${limit}`);
    this.name = "GossipPacketTooLargeError";
    this.size = size;
  }
}

/** Gossip within the datacenter over `inner`, across datacenters through mesh gateways. */
export class GatewayGossipTransport implements GossipTransport {
  readonly #inner: GossipTransport;
  readonly #dialer: GatewayTunnelDialer;
  readonly #clock: Clock;
  readonly #datacenter: string;
  readonly #maxIdleMs: number;
  readonly #maxPacketBytes: number;
  readonly #log: WanPoolLog;
  readonly #pool: PacketConnPool;
  readonly #packets = new AsyncQueue<GossipPacket>(MAX_QUEUED_PACKETS);
  readonly #streams = new AsyncQueue<GossipStream>(MAX_QUEUED_STREAMS);
  readonly #inbound = new Set<Conn>();
  readonly #counters = new CounterSet<GatewayTransportCounter>(COUNTER_NAMES);
  readonly #pumps: Promise<void>[];
  #closed = false;

  /** Wraps `options.inner` and starts merging what it receives. */
  constructor(options: GatewayGossipTransportOptions) {
    this.#inner = options.inner;
    this.#dialer = options.dialer;
    this.#clock = options.clock;
    this.#datacenter = options.datacenter;
    this.#maxIdleMs = options.maxIdleMs ?? GOSSIP_PACKET_MAX_IDLE_MS;
    this.#maxPacketBytes = options.maxPacketBytes ?? GOSSIP_PACKET_MAX_BYTES;
    this.#log = options.log ?? (() => {});
    this.#pool = new PacketConnPool({
      clock: options.clock,
      maxIdleMs: this.#maxIdleMs,
      maxConns: MAX_OUTBOUND_PACKET_CONNS,
      maxIdlePerKey: MAX_IDLE_PACKET_CONNS_PER_MEMBER,
    });
    this.#pumps = [this.#pumpPackets(), this.#pumpStreams()];
  }

  /** The wrapped transport's address (what this member advertises). */
  get localAddr(): GossipAddr {
    return this.#inner.localAddr;
  }

  /** The tunnel counters, plus the wrapped transport's when it keeps any. */
  get counters(): { snapshot(): Readonly<Record<string, number>> } {
    return {
      snapshot: () => {
        const inner = this.#inner as { counters?: { snapshot(): Record<string, number> } };
        return {
          ...inner.counters?.snapshot(),
          ...this.#counters.snapshot(),
          tunnelPacketConnsReaped: this.#pool.reaped,
          tunnelPacketConnsOpen: this.#pool.openConns,
        };
      },
    };
  }

  /**
   * Sends one packet: same datacenter (or no name) over `inner`, otherwise framed on a tunnel.
   * Failures to reach the other side are counted, not thrown: a lost packet is not an error.
   * @throws {WanNameError} for a name that is not `<node>.<dc>`.
   * @throws {RangeError} for a packet above the size limit.
   */
  async sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    const remote = this.#remoteOf(to);
    if (remote === null) return await this.#inner.sendPacket(to, bytes);
    if (bytes.byteLength > this.#maxPacketBytes) {
      throw new RangeError(
        `Gossip packet of ${bytes.byteLength} bytes exceeds the ${this.#maxPacketBytes} byte ` +
          "limit of mesh-gateway tunnels",
      );
    }
    if (this.#closed) return;
    let entry: PooledPacketConn | null;
    try {
      entry = await this.#pool.acquire(to.name as string, () => {
        this.#counters.add("tunnelPacketConnsDialed");
        return this.#dialer.dial(remote.dc, remote.node, addrOf(to), ALPN_WAN_GOSSIP_PACKET);
      });
    } catch (error) {
      this.#counters.add("tunnelPacketSendErrors");
      this.#log("debug", "WAN gossip: no packet tunnel", { to: to.name, error: errorText(error) });
      return;
    }
    if (entry === null) return this.#counters.add("tunnelPacketsDroppedAtBound");
    try {
      await this.#writeFramed(entry.conn, bytes);
    } catch (error) {
      this.#pool.discard(entry);
      this.#counters.add("tunnelPacketSendErrors");
      this.#log("debug", "WAN gossip: packet tunnel write failed", {
        to: to.name,
        error: errorText(error),
      });
      return;
    }
    this.#pool.release(entry);
    this.#counters.add("tunnelPacketsSent");
    this.#counters.add("tunnelPacketBytesSent", bytes.byteLength);
  }

  /** Packets from `inner` and from tunnels, until `close`. */
  packets(): AsyncIterable<GossipPacket> {
    return this.#packets;
  }

  /**
   * Opens a stream: same datacenter (or no name) over `inner`, otherwise a TLS connection
   * through a gateway with ALPN `consul/wan-gossip/stream`.
   * @throws when no connection is made within `timeoutMs`.
   */
  async dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn> {
    const remote = this.#remoteOf(to);
    if (remote === null) return await this.#inner.dialStream(to, timeoutMs);
    try {
      const conn = await withDeadline(
        this.#clock,
        timeoutMs,
        `stream to ${to.name} through a mesh gateway`,
        this.#dialer.dial(remote.dc, remote.node, addrOf(to), ALPN_WAN_GOSSIP_STREAM),
      );
      this.#counters.add("tunnelStreamsDialed");
      return conn;
    } catch (error) {
      this.#counters.add("tunnelStreamDialErrors");
      throw error;
    }
  }

  /** Streams from `inner` and from tunnels, until `close`. */
  streams(): AsyncIterable<GossipStream> {
    return this.#streams;
  }

  /**
   * Takes over a `consul/wan-gossip/packet` connection from the RPC port (its `gossipPacket`
   * hook): reads length-prefixed packets until the peer ends it, it idles past the limit or a
   * length is above the limit, then closes it.
   */
  handlePacketConn(conn: TlsConn): void {
    if (this.#closed || this.#inbound.size >= MAX_INBOUND_PACKET_CONNS) {
      this.#counters.add("tunnelPacketConnsRejected");
      conn.close();
      return;
    }
    this.#inbound.add(conn);
    this.#counters.add("tunnelPacketConnsAccepted");
    void this.#readPackets(conn).finally(() => {
      this.#inbound.delete(conn);
      conn.close();
    });
  }

  /**
   * Takes over a `consul/wan-gossip/stream` connection from the RPC port (its `gossipStream`
   * hook) and hands it to the driver as an accepted stream.
   */
  handleStreamConn(conn: TlsConn): void {
    const from = { hostname: conn.remoteAddr.hostname, port: conn.remoteAddr.port };
    if (this.#closed || !this.#streams.push({ from, conn })) {
      this.#counters.add("tunnelStreamsRejected");
      conn.close();
      return;
    }
    this.#counters.add("tunnelStreamsAccepted");
  }

  /** Closes every tunnel, then the wrapped transport; both iterables end. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pool.close();
    for (const conn of this.#inbound) conn.close();
    for (const stream of this.#streams.close()) stream.conn.close();
    this.#packets.close();
    await this.#inner.close();
    await Promise.allSettled(this.#pumps);
  }

  /** The member's node and datacenter when it is in another datacenter, else null. */
  #remoteOf(to: GossipTarget): { node: string; dc: string } | null {
    if (to.name === undefined || to.name === "") return null;
    const { node, dc } = splitWanName(to.name);
    return dc === this.#datacenter ? null : { node, dc };
  }

  async #writeFramed(conn: Conn, bytes: Uint8Array): Promise<void> {
    const framed = new Uint8Array(PACKET_LENGTH_BYTES + bytes.byteLength);
    new DataView(framed.buffer).setUint32(0, bytes.byteLength);
    framed.set(bytes, PACKET_LENGTH_BYTES);
    const writer = conn.writable.getWriter();
    try {
      await withDeadline(
        this.#clock,
        PACKET_WRITE_TIMEOUT_MS,
        "packet tunnel write",
        writer.write(framed),
      );
    } finally {
      writer.releaseLock();
    }
  }

  async #readPackets(conn: TlsConn): Promise<void> {
    const from = { hostname: conn.remoteAddr.hostname, port: conn.remoteAddr.port };
    const reader = new ByteReader(conn.readable, {
      maxBufferBytes: PACKET_LENGTH_BYTES + this.#maxPacketBytes,
    });
    let idleClosed = false;
    try {
      for (;;) {
        // The idle limit covers the wait for a packet and its arrival, so a stalled peer
        // cannot hold a connection (and its buffer) forever.
        const timer = this.#clock.setTimer(this.#maxIdleMs, () => {
          idleClosed = true;
          conn.close();
        });
        let packet: Uint8Array | null;
        try {
          packet = await this.#readOnePacket(reader, conn);
        } finally {
          timer.cancel();
        }
        if (packet === null) return;
        if (packet.byteLength === 0) {
          // An empty packet carries no message; memberlist would fail to decode it.
          this.#counters.add("tunnelPacketsDropped");
          continue;
        }
        this.#counters.add("tunnelPacketsReceived");
        this.#counters.add("tunnelPacketBytesReceived", packet.byteLength);
        if (!this.#packets.push({ from, bytes: packet })) {
          this.#counters.add("tunnelPacketsDropped");
        }
      }
    } catch (error) {
      if (!idleClosed && !(error instanceof GossipPacketTooLargeError)) {
        this.#log("debug", "WAN gossip: packet tunnel read failed", {
          from,
          error: errorText(error),
        });
      }
    } finally {
      if (idleClosed) this.#counters.add("tunnelPacketConnsIdleClosed");
    }
  }

  /** One packet, or null at a clean end between packets. */
  async #readOnePacket(reader: ByteReader, conn: TlsConn): Promise<Uint8Array | null> {
    if (await reader.atEof()) return null;
    const header = await reader.readExactly(PACKET_LENGTH_BYTES);
    const size = new DataView(header.buffer, header.byteOffset, PACKET_LENGTH_BYTES).getUint32(0);
    if (size > this.#maxPacketBytes) {
      const error = new GossipPacketTooLargeError(size, this.#maxPacketBytes);
      this.#counters.add("tunnelPacketsOversize");
      this.#log("warn", "WAN gossip: closing packet tunnel", {
        from: conn.remoteAddr,
        error: error.message,
      });
      throw error;
    }
    // Copy: the reader may hand out a view into a buffer it reuses.
    return (await reader.readExactly(size)).slice();
  }

  async #pumpPackets(): Promise<void> {
    for await (const packet of this.#inner.packets()) {
      if (!this.#packets.push(packet)) this.#counters.add("tunnelPacketsDropped");
    }
  }

  async #pumpStreams(): Promise<void> {
    for await (const stream of this.#inner.streams()) {
      if (!this.#streams.push(stream)) stream.conn.close();
    }
  }
}

function addrOf(to: GossipTarget): NetAddr {
  return { hostname: to.hostname, port: to.port };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
