/**
 * The plain network {@linkcode GossipTransport}: UDP datagrams for packets and TCP connections for
 * streams, both on one port (Consul's serf ports: 8301 LAN, 8302 WAN), over the runtime's `Net`.
 *
 * Each accepted TCP connection must deliver its first length-prefixed frame (the framing
 * `driver.ts` speaks) within the read timeout and within the size bound, or it is closed and
 * counted: a port scanner, an HTTP client or a stalled peer never reaches the gossip core.
 * What the bytes mean is checked by the layers that understand them (the encryption wrapper,
 * the SWIM core), which keep their own counters.
 *
 * @module
 */

import type { Clock, Conn, Listener, Net, UdpSocket } from "../runtime/ports.ts";
import { ByteReader, replaceReadable } from "../runtime/streams.ts";
import { AsyncQueue } from "../runtime/async_queue.ts";
import { CounterSet } from "./_counters.ts";
import { formatGossipAddr, type GossipAddr, type GossipTarget } from "./member.ts";
import { MAX_STREAM_MESSAGE_BYTES } from "./messages.ts";
import type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";

/** Largest datagram handled: memberlist's UDP receive buffer. */
export const MAX_UDP_PACKET_BYTES = 65_536;
/** Room above {@linkcode MAX_STREAM_MESSAGE_BYTES} for what wrappers add (encryption header). */
export const STREAM_FRAME_SLACK_BYTES = 1024;
/** Largest stream frame accepted from the network. */
export const MAX_STREAM_FRAME_BYTES = MAX_STREAM_MESSAGE_BYTES + STREAM_FRAME_SLACK_BYTES;
/** Packets received but not yet taken by the driver; more are dropped, as UDP may. */
export const MAX_QUEUED_PACKETS = 1024;
/** Accepted streams whose first frame arrived but that the driver has not taken yet. */
export const MAX_QUEUED_STREAMS = 64;
/** Accepted streams still delivering their first frame; more are closed at once. */
export const MAX_PENDING_STREAMS = 64;
/** Default time an accepted stream has to deliver its first frame (memberlist's TCP timeout). */
export const DEFAULT_STREAM_READ_TIMEOUT_MS = 10_000;
/** Attempts to find a port free for both TCP and UDP when binding port 0. */
export const MAX_BIND_ATTEMPTS = 10;

const FRAME_HEADER_BYTES = 4;

/** Counter names of a {@linkcode NetTransport}. */
export type NetTransportCounter =
  | "packetsReceived"
  | "packetBytesReceived"
  | "packetsDropped"
  | "packetsSent"
  | "packetBytesSent"
  | "packetSendErrors"
  | "streamsAccepted"
  | "streamsRejected"
  | "streamsDialed"
  | "streamDialErrors";

const COUNTER_NAMES: readonly NetTransportCounter[] = [
  "packetsReceived",
  "packetBytesReceived",
  "packetsDropped",
  "packetsSent",
  "packetBytesSent",
  "packetSendErrors",
  "streamsAccepted",
  "streamsRejected",
  "streamsDialed",
  "streamDialErrors",
];

/** Where and how a {@linkcode NetTransport} listens. */
export interface NetTransportOptions {
  readonly net: Net;
  readonly clock: Clock;
  /** Local address to bind; port 0 picks one port free for both TCP and UDP. */
  readonly bind: GossipAddr;
  /**
   * The address other members reach this one at. Default: the bound address. Port 0 means
   * the bound port. Required when binding a wildcard address (0.0.0.0, ::).
   */
  readonly advertise?: GossipAddr;
  /** Time an accepted stream has to deliver its first frame. */
  readonly streamReadTimeoutMs?: number;
}

/** Raised when the transport cannot be set up as asked. */
export class NetTransportError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetTransportError";
  }
}

/** Gossip over UDP (packets) and TCP (streams) on one port. */
export class NetTransport implements GossipTransport {
  readonly #net: Net;
  readonly #udp: UdpSocket;
  readonly #listener: Listener;
  readonly #clock: Clock;
  readonly #readTimeoutMs: number;
  readonly #localAddr: GossipAddr;
  readonly #boundAddr: GossipAddr;
  readonly #packets = new AsyncQueue<GossipPacket>(MAX_QUEUED_PACKETS);
  readonly #streams = new AsyncQueue<GossipStream>(MAX_QUEUED_STREAMS);
  readonly #pending = new Set<Conn>();
  readonly #counters = new CounterSet<NetTransportCounter>(COUNTER_NAMES);
  readonly #loops: Promise<void>[];
  #closed = false;

  private constructor(
    udp: UdpSocket,
    listener: Listener,
    options: NetTransportOptions,
  ) {
    this.#net = options.net;
    this.#udp = udp;
    this.#listener = listener;
    this.#clock = options.clock;
    this.#readTimeoutMs = options.streamReadTimeoutMs ?? DEFAULT_STREAM_READ_TIMEOUT_MS;
    this.#boundAddr = { hostname: options.bind.hostname, port: listener.addr.port };
    this.#localAddr = advertisedAddr(options, listener.addr.port);
    this.#loops = [this.#receiveLoop(), this.#acceptLoop()];
  }

  /**
   * Binds TCP and UDP on the same port and starts receiving.
   * @throws {NetTransportError} when the port is taken or the advertise address is unusable.
   */
  static async listen(options: NetTransportOptions): Promise<NetTransport> {
    advertisedAddr(options, options.bind.port);
    const attempts = options.bind.port === 0 ? MAX_BIND_ATTEMPTS : 1;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const listener = await options.net.listenTcp(options.bind).catch((error) => {
        throw new NetTransportError(
          `Could not listen for gossip streams on TCP ${formatGossipAddr(options.bind)}: ` +
            errorText(error),
          { cause: error },
        );
      });
      const port = listener.addr.port;
      try {
        const udp = await options.net.bindUdp({ hostname: options.bind.hostname, port });
        return new NetTransport(udp, listener, options);
      } catch (error) {
        lastError = error;
        await listener.close();
      }
    }
    throw new NetTransportError(
      `Could not bind gossip packets on UDP ${formatGossipAddr(options.bind)}: ` +
        `${errorText(lastError)}; the UDP and TCP ports must be the same and both free`,
      { cause: lastError },
    );
  }

  /** The address this member advertises. */
  get localAddr(): GossipAddr {
    return this.#localAddr;
  }

  /** The address actually bound (the chosen port when binding port 0). */
  get boundAddr(): GossipAddr {
    return this.#boundAddr;
  }

  /** Traffic and refusal counters. */
  get counters(): { snapshot(): Readonly<Record<NetTransportCounter, number>> } {
    return this.#counters;
  }

  /** Sends one datagram. A full or failing socket is counted, not thrown: UDP may drop. */
  async sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength > MAX_UDP_PACKET_BYTES) {
      throw new RangeError(
        `Gossip packet of ${bytes.byteLength} bytes exceeds the ${MAX_UDP_PACKET_BYTES} byte limit`,
      );
    }
    if (this.#closed) return;
    try {
      await this.#udp.send(bytes, { hostname: to.hostname, port: to.port });
      this.#counters.add("packetsSent");
      this.#counters.add("packetBytesSent", bytes.byteLength);
    } catch (error) {
      this.#counters.add("packetSendErrors");
      throw error;
    }
  }

  /** Datagrams received, until `close`. */
  packets(): AsyncIterable<GossipPacket> {
    return this.#packets;
  }

  /** Dials a TCP stream to `to`. */
  async dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn> {
    try {
      const conn = await this.#net.dialTcp({
        hostname: to.hostname,
        port: to.port,
        timeoutMs,
      });
      this.#counters.add("streamsDialed");
      return conn;
    } catch (error) {
      this.#counters.add("streamDialErrors");
      throw error;
    }
  }

  /** Accepted streams whose first frame has arrived, until `close`. */
  streams(): AsyncIterable<GossipStream> {
    return this.#streams;
  }

  /** Closes both sockets, every stream not yet handed over, and ends both iterables. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const conn of this.#pending) conn.close();
    for (const stream of this.#streams.close()) stream.conn.close();
    this.#packets.close();
    await Promise.allSettled([this.#udp.close(), this.#listener.close()]);
    await Promise.allSettled(this.#loops);
  }

  async #receiveLoop(): Promise<void> {
    for await (const datagram of this.#udp) {
      if (this.#closed) break;
      const size = datagram.data.byteLength;
      if (size === 0 || size > MAX_UDP_PACKET_BYTES) {
        this.#counters.add("packetsDropped");
        continue;
      }
      this.#counters.add("packetsReceived");
      this.#counters.add("packetBytesReceived", size);
      // Copy: some runtimes reuse the receive buffer for the next datagram.
      const packet = { from: datagram.from, bytes: datagram.data.slice() };
      if (!this.#packets.push(packet)) this.#counters.add("packetsDropped");
    }
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#closed || this.#pending.size >= MAX_PENDING_STREAMS) {
          this.#counters.add("streamsRejected");
          conn.close();
          continue;
        }
        void this.#admit(conn);
      }
    } catch {
      // The listener fails only when it is closed under us; `close` handles the rest.
    }
  }

  /** Waits for the first whole frame, then hands the stream (bytes intact) to the driver. */
  async #admit(conn: Conn): Promise<void> {
    this.#pending.add(conn);
    const timer = this.#clock.setTimer(this.#readTimeoutMs, () => conn.close());
    const reader = new ByteReader(conn.readable, { maxBufferBytes: MAX_STREAM_FRAME_BYTES + 4 });
    let admitted: Conn | null = null;
    try {
      const header = await reader.peek(FRAME_HEADER_BYTES);
      const size = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
      if (size > 0 && size <= MAX_STREAM_FRAME_BYTES) {
        await reader.peek(FRAME_HEADER_BYTES + size);
        admitted = replaceReadable(conn, reader.intoReadable());
      }
    } catch {
      // End of stream, reset or the read timeout: all mean this peer sent no frame.
    } finally {
      timer.cancel();
      this.#pending.delete(conn);
    }
    if (admitted === null || this.#closed) {
      this.#counters.add("streamsRejected");
      conn.close();
      return;
    }
    const from = { hostname: conn.remoteAddr.hostname, port: conn.remoteAddr.port };
    if (!this.#streams.push({ from, conn: admitted })) {
      this.#counters.add("streamsRejected");
      conn.close();
      return;
    }
    this.#counters.add("streamsAccepted");
  }
}

function advertisedAddr(options: NetTransportOptions, boundPort: number): GossipAddr {
  const advertise = options.advertise;
  if (advertise === undefined) {
    if (isWildcard(options.bind.hostname)) {
      throw new NetTransportError(
        `Gossip bound to ${options.bind.hostname} needs an advertise address other members ` +
          "can reach; set the advertise address",
      );
    }
    return { hostname: options.bind.hostname, port: boundPort };
  }
  if (isWildcard(advertise.hostname) || advertise.hostname === "") {
    throw new NetTransportError(
      `Gossip advertise address ${
        formatGossipAddr(advertise)
      } is not reachable by others; use a specific IP`,
    );
  }
  return { hostname: advertise.hostname, port: advertise.port === 0 ? boundPort : advertise.port };
}

function isWildcard(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
