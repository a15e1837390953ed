/**
 * The server RPC port (8300): accepts connections, reads the first byte within a handshake
 * deadline and dispatches each connection by protocol.
 *
 * Consulate requires TLS between servers, so of Consul's first bytes only two are served:
 * - a TLS handshake record (0x16) starts native TLS: mutual TLS with Consul's ALPN list, then
 *   `consul/rpc-multi` becomes a yamux session whose streams are served from the registry and
 *   `consul/wan-gossip/packet` / `consul/wan-gossip/stream` go to the caller's hooks;
 * - `RPCTLS` (3) upgrades to mutual TLS and reads a second type byte inside, of which only
 *   `RPCMultiplexV2` (4) is served.
 * Every other byte, a failed or slow handshake, an unknown ALPN, a peer over its connection
 * limit: that one connection is closed and counted by reason ({@linkcode RpcListener.snapshot}).
 *
 * Unlike Consul, a first byte above `RPC_MAX_TYPE_VALUE` that is not 0x16 is refused at once
 * instead of being fed to a TLS handshake that cannot succeed. Like Consul, the server end
 * checks only that the client certificate chains to the CA (not the SNI, not the dc).
 *
 * @module
 */

import type {
  Clock,
  Conn,
  Listener,
  Net,
  NetAddr,
  Timer,
  TlsConn,
  TlsServerOptions,
} from "../runtime/ports.ts";
import { ByteReader } from "../runtime/streams.ts";
import {
  ALPN_RPC_MULTI,
  ALPN_WAN_GOSSIP_PACKET,
  ALPN_WAN_GOSSIP_STREAM,
  RPC_MAX_TYPE_VALUE,
  RpcType,
  TLS_HANDSHAKE_RECORD_BYTE,
} from "./alpn.ts";
import { type RpcRegistry, type ServeOutcome, serveStream } from "./endpoints.ts";
import type { ReadMessageOptions } from "./codec.ts";
import { newYamuxCounters, type YamuxCounters, type YamuxSessionOptions } from "./yamux_config.ts";
import { YamuxSession } from "./yamux_session.ts";
import {
  DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS,
  rpcServerTlsOptions,
  type RpcTlsMaterial,
} from "./rpc_tls.ts";

/** Consul's `limits.rpc_max_conns_per_client` default: open connections per remote IP. */
export const DEFAULT_MAX_CONNS_PER_CLIENT = 100;
/** Open connections on the port from all clients together. */
export const DEFAULT_MAX_RPC_CONNS = 4096;
/** Slack given to the TLS layer's own handshake timer so that ours, which counts, fires first. */
const TLS_TIMER_SLACK_MS = 1_000;
/** First wait after a failed accept; doubled per failure up to the max (like Go's net/http). */
export const ACCEPT_RETRY_MIN_MS = 5;
/** Longest wait between failed accepts. */
export const ACCEPT_RETRY_MAX_MS = 1_000;

/** Every reason a connection is closed without being served, as counted. */
export const RPC_REJECT_REASONS = [
  "perClientLimit",
  "totalLimit",
  "handshakeTimeout",
  "closedBeforeTypeByte",
  "nonTls",
  "unrecognizedByte",
  "unsupportedRpcType",
  "tlsHandshakeFailed",
  "tlsInTls",
  "noAlpn",
  "unhandledAlpn",
  "readError",
] as const;

/** Why a connection was closed without being served. */
export type RpcRejectReason = typeof RPC_REJECT_REASONS[number];

/** A point-in-time copy of the port's counters. */
export interface RpcListenerSnapshot {
  /** Connections accepted from the socket (including those rejected afterwards). */
  readonly accepted: number;
  /** Connections open now (in handshake or served). */
  readonly active: number;
  /** Failed accepts (e.g. out of file descriptors); the loop keeps going. */
  readonly acceptErrors: number;
  /** Yamux RPC sessions started (native TLS `consul/rpc-multi` or RPCTLS + RPCMultiplexV2). */
  readonly rpcSessions: number;
  /** Connections handed to the WAN gossip hooks, by ALPN. */
  readonly gossipPacketConns: number;
  readonly gossipStreamConns: number;
  /** Connections closed unserved, by reason. */
  readonly rejected: Readonly<Record<RpcRejectReason, number>>;
  /** RPC streams by how they were served. */
  readonly streams: Readonly<Record<ServeOutcome, number>>;
  /** Yamux protocol counters summed over all sessions. */
  readonly yamux: Readonly<YamuxCounters>;
}

/** Takes over a connection whose ALPN it handles; it owns (and must close) the connection. */
export type AlpnConnHandler = (conn: TlsConn) => void;

/** Where log lines go; structurally a subset of the agent's logger. */
export interface RpcLogger {
  warn(message: string, fields?: Record<string, string | number | boolean | null>): void;
  debug(message: string, fields?: Record<string, string | number | boolean | null>): void;
}

/** Options for {@linkcode RpcListener.listen}. */
export interface RpcListenerOptions {
  readonly net: Net;
  readonly clock: Clock;
  /** Bind address and port (`ports.server`, 8300; 0 picks a free port). */
  readonly hostname: string;
  readonly port: number;
  readonly tls: RpcTlsMaterial;
  /** Serves the streams of every RPC session. */
  readonly registry: RpcRegistry;
  /** Time from accept until the type byte and TLS handshake are done (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  /** Open connections per remote IP; 0 means unlimited (default 100). */
  readonly maxConnsPerClient?: number;
  /** Open connections in total (default {@linkcode DEFAULT_MAX_RPC_CONNS}). */
  readonly maxConns?: number;
  /** Hook for `consul/wan-gossip/packet`; without it such connections are refused. */
  readonly gossipPacket?: AlpnConnHandler;
  /** Hook for `consul/wan-gossip/stream`; without it such connections are refused. */
  readonly gossipStream?: AlpnConnHandler;
  /** Yamux settings of server sessions. */
  readonly yamux?: Omit<YamuxSessionOptions, "role" | "clock" | "counters">;
  /** Limits for reading RPC requests. */
  readonly messages?: ReadMessageOptions;
  readonly logger?: RpcLogger;
}

/** Thrown inside a handshake to close the connection with a counted reason. */
class Rejection extends Error {
  constructor(readonly reason: RpcRejectReason, detail: string) {
    super(detail);
  }
}

/** The port-8300 dispatcher. Create with {@linkcode RpcListener.listen}. */
export class RpcListener {
  readonly #options: RpcListenerOptions;
  readonly #listener: Listener;
  readonly #nativeTls: TlsServerOptions;
  readonly #upgradeTls: TlsServerOptions;
  readonly #handshakeTimeoutMs: number;
  readonly #conns = new Set<Conn>();
  readonly #sessions = new Set<YamuxSession>();
  readonly #perClient = new Map<string, number>();
  readonly #stop = new AbortController();
  readonly #yamuxCounters = newYamuxCounters();
  readonly #rejected = Object.fromEntries(RPC_REJECT_REASONS.map((r) => [r, 0])) as Record<
    RpcRejectReason,
    number
  >;
  readonly #streams: Record<ServeOutcome, number> = {
    answered: 0,
    empty: 0,
    malformed: 0,
    abandoned: 0,
  };
  #counts = { accepted: 0, acceptErrors: 0, rpcSessions: 0, gossipPacket: 0, gossipStream: 0 };
  #acceptLoop: Promise<void> = Promise.resolve();

  private constructor(options: RpcListenerOptions, listener: Listener) {
    this.#options = options;
    this.#listener = listener;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS;
    // One options object each: the runtime caches the parsed secure context per object.
    const tlsTimeoutMs = this.#handshakeTimeoutMs + TLS_TIMER_SLACK_MS;
    this.#nativeTls = rpcServerTlsOptions(options.tls, { handshakeTimeoutMs: tlsTimeoutMs });
    this.#upgradeTls = { ...this.#nativeTls, alpnProtocols: [] };
  }

  /**
   * Binds the port and starts accepting.
   * @throws {Error} from the runtime when the address cannot be bound.
   */
  static async listen(options: RpcListenerOptions): Promise<RpcListener> {
    const tcp = await options.net.listenTcp({ hostname: options.hostname, port: options.port });
    const listener = new RpcListener(options, tcp);
    listener.#acceptLoop = listener.#accept();
    return listener;
  }

  /** The bound address. */
  get addr(): NetAddr {
    return this.#listener.addr;
  }

  /** A copy of the counters. */
  snapshot(): RpcListenerSnapshot {
    return {
      accepted: this.#counts.accepted,
      active: this.#conns.size,
      acceptErrors: this.#counts.acceptErrors,
      rpcSessions: this.#counts.rpcSessions,
      gossipPacketConns: this.#counts.gossipPacket,
      gossipStreamConns: this.#counts.gossipStream,
      rejected: { ...this.#rejected },
      streams: { ...this.#streams },
      yamux: { ...this.#yamuxCounters },
    };
  }

  /** Stops accepting, aborts running handlers and closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort(new Error("The RPC listener is closing"));
    await this.#listener.close();
    await this.#acceptLoop;
    for (const session of this.#sessions) session.close();
    for (const conn of this.#conns) conn.close();
    await Promise.all([...this.#conns].map((conn) => conn.closed));
  }

  async #accept(): Promise<void> {
    const iterator = this.#listener[Symbol.asyncIterator]();
    let retryMs = ACCEPT_RETRY_MIN_MS;
    while (!this.#stop.signal.aborted) {
      let next: IteratorResult<Conn>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        this.#counts.acceptErrors++;
        this.#options.logger?.warn("failed to accept RPC conn", { error: messageOf(error) });
        await this.#options.clock.sleep(retryMs, this.#stop.signal).catch(() => {});
        retryMs = Math.min(retryMs * 2, ACCEPT_RETRY_MAX_MS);
        continue;
      }
      if (next.done) return;
      retryMs = ACCEPT_RETRY_MIN_MS;
      this.#counts.accepted++;
      this.#admit(next.value);
    }
  }

  /** Applies the connection limits, then runs the handshake in the background. */
  #admit(conn: Conn): void {
    if (this.#stop.signal.aborted) return conn.close();
    const ip = conn.remoteAddr.hostname;
    const fromClient = this.#perClient.get(ip) ?? 0;
    const perClientMax = this.#options.maxConnsPerClient ?? DEFAULT_MAX_CONNS_PER_CLIENT;
    if (this.#conns.size >= (this.#options.maxConns ?? DEFAULT_MAX_RPC_CONNS)) {
      return this.#reject(conn, new Rejection("totalLimit", "too many open RPC connections"));
    }
    if (perClientMax > 0 && fromClient >= perClientMax) {
      return this.#reject(
        conn,
        new Rejection("perClientLimit", "rpc_max_conns_per_client exceeded"),
      );
    }
    this.#conns.add(conn);
    this.#perClient.set(ip, fromClient + 1);
    conn.closed.finally(() => {
      if (!this.#conns.delete(conn)) return;
      const left = (this.#perClient.get(ip) ?? 1) - 1;
      if (left > 0) this.#perClient.set(ip, left);
      else this.#perClient.delete(ip);
    });
    this.#handshake(conn).catch((error) => {
      this.#reject(
        conn,
        error instanceof Rejection ? error : new Rejection("readError", messageOf(error)),
      );
    });
  }

  #reject(conn: Conn, rejection: Rejection): void {
    this.#rejected[rejection.reason]++;
    this.#options.logger?.debug("closing RPC conn", {
      reason: rejection.reason,
      detail: rejection.message,
      from: addrText(conn.remoteAddr),
    });
    conn.close();
  }

  /** Reads the type byte (and runs TLS) under one deadline, then hands the connection on. */
  async #handshake(raw: Conn): Promise<void> {
    let timer: Timer | undefined;
    let timedOut = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.#options.clock.setTimer(this.#handshakeTimeoutMs, () => {
        timedOut = true;
        reject(
          new Rejection(
            "handshakeTimeout",
            `no type byte and TLS handshake within ${this.#handshakeTimeoutMs} ms`,
          ),
        );
        raw.close();
      });
    });
    const negotiating = this.#negotiate(raw);
    // A read on a closed socket may settle late; a TLS connection finished after the deadline
    // must still be closed.
    negotiating.then((late) => timedOut && late.conn.close(), () => {});
    try {
      const routed = await Promise.race([negotiating, deadline]);
      this.#dispatch(raw, routed);
    } finally {
      timer?.cancel();
    }
  }

  /** Decides the protocol: native TLS with its ALPN, or RPCTLS with an inner byte. */
  async #negotiate(raw: Conn): Promise<{ conn: TlsConn; protocol: string | null }> {
    const reader = new ByteReader(raw.readable, { maxBufferBytes: 1 });
    const first = await peekTypeByte(reader);
    if (first === TLS_HANDSHAKE_RECORD_BYTE) {
      const conn = await this.#upgrade(withReadable(raw, reader.intoReadable()), this.#nativeTls);
      return { conn, protocol: conn.alpnProtocol };
    }
    if (first === RpcType.Tls) {
      await reader.readExactly(1);
      return await this.#innerType(withReadable(raw, reader.intoReadable()));
    }
    if (first === RpcType.TlsInsecure) {
      throw new Rejection("unsupportedRpcType", "RPCTLSInsecure (auto-encrypt) is not served");
    }
    if (first <= RPC_MAX_TYPE_VALUE) {
      throw new Rejection("nonTls", `Non-TLS connection attempted (type byte ${first})`);
    }
    throw new Rejection("unrecognizedByte", `unrecognized RPC byte ${first}`);
  }

  /** RPCTLS: mutual TLS without ALPN, then a second type byte inside it. */
  async #innerType(raw: Conn): Promise<{ conn: TlsConn; protocol: string | null }> {
    const conn = await this.#upgrade(raw, this.#upgradeTls);
    try {
      const reader = new ByteReader(conn.readable, { maxBufferBytes: 1 });
      const inner = await peekTypeByte(reader);
      if (inner === RpcType.Tls || inner === RpcType.TlsInsecure) {
        throw new Rejection(
          "tlsInTls",
          "TLS connection attempting to establish inner TLS connection",
        );
      }
      if (inner !== RpcType.MultiplexV2) {
        throw new Rejection("unsupportedRpcType", `inner RPC type ${inner} is not served`);
      }
      await reader.readExactly(1);
      return { conn: tlsWithReadable(conn, reader.intoReadable()), protocol: ALPN_RPC_MULTI };
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  async #upgrade(conn: Conn, options: TlsServerOptions): Promise<TlsConn> {
    try {
      return await this.#options.net.upgradeServerTls(conn, options);
    } catch (error) {
      throw new Rejection("tlsHandshakeFailed", `TLS handshake failed: ${messageOf(error)}`);
    }
  }

  #dispatch(raw: Conn, routed: { conn: TlsConn; protocol: string | null }): void {
    const { conn, protocol } = routed;
    conn.closed.finally(() => raw.close());
    if (this.#stop.signal.aborted) return conn.close();
    if (protocol === ALPN_RPC_MULTI) return this.#serveSession(conn);
    const hook = protocol === ALPN_WAN_GOSSIP_PACKET
      ? this.#options.gossipPacket
      : protocol === ALPN_WAN_GOSSIP_STREAM
      ? this.#options.gossipStream
      : undefined;
    if (hook === undefined) {
      conn.close();
      const reason = protocol === null ? "noAlpn" : "unhandledAlpn";
      return this.#reject(raw, new Rejection(reason, `discarding RPC for ALPN ${protocol}`));
    }
    if (protocol === ALPN_WAN_GOSSIP_PACKET) this.#counts.gossipPacket++;
    else this.#counts.gossipStream++;
    try {
      hook(conn);
    } catch (error) {
      // A hook that throws has not taken the connection over.
      this.#options.logger?.warn("WAN gossip hook failed", {
        alpn: protocol,
        error: messageOf(error),
      });
      conn.close();
    }
  }

  #serveSession(conn: TlsConn): void {
    const session = new YamuxSession(conn, {
      ...this.#options.yamux,
      role: "server",
      clock: this.#options.clock,
      counters: this.#yamuxCounters,
    });
    this.#counts.rpcSessions++;
    this.#sessions.add(session);
    session.closed.then(() => {
      this.#sessions.delete(session);
      conn.close();
    });
    const serveOptions = { ...this.#options.messages, signal: this.#stop.signal };
    (async () => {
      for await (const stream of session) {
        serveStream(stream, this.#options.registry, serveOptions).then((outcome) =>
          this.#streams[outcome]++
        );
      }
    })();
  }
}

/** Peeks at the next type byte; a connection ending first is `closedBeforeTypeByte`. */
async function peekTypeByte(reader: ByteReader): Promise<number> {
  try {
    return (await reader.peek(1))[0];
  } catch (error) {
    throw new Rejection(
      "closedBeforeTypeByte",
      `connection ended before its type byte: ${messageOf(error)}`,
    );
  }
}

/** `conn` reading from `readable` (the bytes handed back after a peek, then the rest). */
function withReadable(conn: Conn, readable: ReadableStream<Uint8Array>): Conn {
  return {
    readable,
    writable: conn.writable,
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    close: () => conn.close(),
    closed: conn.closed,
  };
}

/** {@linkcode withReadable} keeping the TLS facts. */
function tlsWithReadable(conn: TlsConn, readable: ReadableStream<Uint8Array>): TlsConn {
  return {
    ...withReadable(conn, readable),
    alpnProtocol: conn.alpnProtocol,
    serverName: conn.serverName,
    peerCertificate: conn.peerCertificate,
  };
}

function addrText(addr: NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
