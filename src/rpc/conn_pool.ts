/**
 * Pooled RPC connections to other servers: one yamux session per server, reused by every
 * call to it, re-dialed when it breaks and closed when idle.
 *
 * How a connection to a server is made is a {@linkcode ServerDialer}: the
 * {@linkcode DirectServerDialer} dials the server's own address with mutual TLS and one ALPN;
 * a mesh-gateway dialer (issue 5) dials a gateway with the same TLS and SNI instead.
 *
 * Sessions are keyed by datacenter, node and address. Consul keys by `node:addr` only; we add
 * the datacenter because datacenters may reuse the same private subnet (only gateways are
 * shared), so `n1` at 10.0.0.5 can exist in two datacenters at once.
 *
 * @module
 */

import type { Clock, Net, NetAddr, Timer, TlsConn } from "../runtime/ports.ts";
import { ALPN_RPC_MULTI } from "./alpn.ts";
import { type RpcCallOptions, RpcClient, RpcError } from "./client.ts";
import type { ReadMessageOptions } from "./codec.ts";
import { RemoteGoAwayError, SessionClosedError } from "./yamux_errors.ts";
import type { YamuxSessionOptions } from "./yamux_config.ts";
import { YamuxSession } from "./yamux_session.ts";
import { rpcClientTlsOptions, type RpcTlsMaterial } from "./rpc_tls.ts";

/** Idle time after which a pooled session is closed (Consul's server pool `MaxTime`). */
export const DEFAULT_POOL_IDLE_MS = 2 * 60_000;
/** How often idle sessions are looked for. */
export const POOL_REAP_INTERVAL_MS = 30_000;
/** Sessions a pool holds at most (one per server it talks to). */
export const DEFAULT_MAX_POOL_SESSIONS = 256;
/** Time allowed for the TCP connect of a dial (Consul's `DefaultDialTimeout`). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10_000;

/** Makes TLS connections to servers, whatever the path (direct, or through gateways). */
export interface ServerDialer {
  /**
   * Connects to server `node` of `dc` at `addr`, negotiating exactly `alpn`.
   * @throws when no verified connection with that ALPN can be made.
   */
  dial(dc: string, node: string, addr: NetAddr, alpn: string): Promise<TlsConn>;
}

/** Dials servers at their own address (same network, or tests). */
export class DirectServerDialer implements ServerDialer {
  readonly #net: Net;
  readonly #material: RpcTlsMaterial;
  readonly #domain: string;
  readonly #dialTimeoutMs: number;

  /** Dials with `material` for names under `domain` (e.g. `consul`). */
  constructor(
    net: Net,
    material: RpcTlsMaterial,
    options: { domain: string; dialTimeoutMs?: number },
  ) {
    this.#net = net;
    this.#material = material;
    this.#domain = options.domain;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  }

  /**
   * Dials `addr` with SNI `<node>.server.<dc>.<domain>` and verifies that name.
   * @throws {Error} from the runtime when the dial or the handshake fails, or when the server
   * did not agree to `alpn`.
   */
  async dial(dc: string, node: string, addr: NetAddr, alpn: string): Promise<TlsConn> {
    const conn = await this.#net.dialTls({
      hostname: addr.hostname,
      port: addr.port,
      timeoutMs: this.#dialTimeoutMs,
      ...rpcClientTlsOptions(this.#material, { dc, node, alpn }, { domain: this.#domain }),
    });
    if (conn.alpnProtocol !== alpn) {
      conn.close();
      throw new Error(
        `Server ${node} in ${dc} at ${addrText(addr)} did not agree to ALPN ${alpn} ` +
          `(got ${conn.alpnProtocol ?? "none"})`,
      );
    }
    return conn;
  }
}

/** A server to call: its datacenter, node name and RPC address. */
export interface ServerTarget {
  readonly dc: string;
  readonly node: string;
  readonly addr: NetAddr;
}

/** The connection to the target could not be made; the call was never sent. */
export class ServerDialError extends Error {
  /** The server that could not be reached. */
  readonly target: ServerTarget;

  /** Builds the error naming the target and the dial failure. */
  constructor(target: ServerTarget, cause: unknown) {
    super(
      `Could not connect to server ${target.node} in ${target.dc} at ${addrText(target.addr)}: ` +
        messageOf(cause),
      { cause },
    );
    this.name = "ServerDialError";
    this.target = target;
  }
}

/** Every pooled session is busy and the pool is at its bound. */
export class PoolExhaustedError extends Error {
  /** Builds the error with the bound that was hit. */
  constructor(maxSessions: number) {
    super(
      `The RPC connection pool holds ${maxSessions} sessions, all in use; ` +
        "raise maxSessions or call fewer servers at once",
    );
    this.name = "PoolExhaustedError";
  }
}

/** A point-in-time copy of the pool's counters. */
export interface ConnPoolSnapshot {
  /** Sessions open now. */
  readonly sessions: number;
  /** Dials attempted, and how many failed. */
  readonly dials: number;
  readonly dialFailures: number;
  /** Calls that found their session broken at stream open and re-dialed once. */
  readonly redials: number;
  /** Sessions closed for being idle. */
  readonly reaped: number;
  /** Idle sessions closed to make room under the bound. */
  readonly evicted: number;
}

/** Options for {@linkcode ConnPool}. */
export interface ConnPoolOptions extends ReadMessageOptions {
  readonly dialer: ServerDialer;
  readonly clock: Clock;
  /** Idle time before a session is closed (default 2 min). */
  readonly idleTimeoutMs?: number;
  /** Bound on sessions held (default {@linkcode DEFAULT_MAX_POOL_SESSIONS}). */
  readonly maxSessions?: number;
  /** Default time a call may take (the RPC client's default when absent). */
  readonly callTimeoutMs?: number;
  /** Yamux settings of client sessions. */
  readonly yamux?: Omit<YamuxSessionOptions, "role" | "clock" | "counters">;
}

/** Marks an error thrown while opening a stream: the request was never sent. */
class StreamOpenError extends Error {
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
    this.name = "StreamOpenError";
  }
}

interface Entry {
  readonly key: string;
  readonly session: YamuxSession;
  readonly client: RpcClient;
  inFlight: number;
  lastUsedMs: number;
  /** Out of the pool; the session closes when its last call ends. */
  retired: boolean;
}

/** Pooled yamux sessions to servers, with an RPC client per session. */
export class ConnPool {
  readonly #options: ConnPoolOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #dialing = new Map<string, Promise<Entry>>();
  #reapTimer: Timer | null = null;
  #closed = false;
  #counts = { dials: 0, dialFailures: 0, redials: 0, reaped: 0, evicted: 0 };

  /** Creates an empty pool; nothing is dialed until the first call. */
  constructor(options: ConnPoolOptions) {
    this.#options = options;
  }

  /**
   * Calls `method` on `target` over its pooled session, dialing it when needed. When the
   * session turns out broken at stream open, it is dropped and dialed again once.
   * @throws {ServerDialError} when no connection could be made (the call was not sent).
   * @throws {RpcError} for a call that failed on an open session (see its `kind`).
   * @throws {PoolExhaustedError} when the pool is full of busy sessions.
   */
  async call<R = unknown>(
    target: ServerTarget,
    method: string,
    body: unknown,
    options: RpcCallOptions = {},
  ): Promise<R> {
    for (let attempt = 0;; attempt++) {
      const entry = await this.#acquire(target);
      entry.inFlight++;
      try {
        return await entry.client.call<R>(method, body, options);
      } catch (error) {
        if (!isBrokenSessionError(error)) throw error;
        this.#retire(entry);
        if (attempt > 0) throw error;
        this.#counts.redials++;
      } finally {
        entry.inFlight--;
        entry.lastUsedMs = this.#options.clock.monotonicMs();
        if (entry.retired && entry.inFlight === 0) entry.session.close();
      }
    }
  }

  /** A copy of the counters. */
  snapshot(): ConnPoolSnapshot {
    return { sessions: this.#entries.size, ...this.#counts };
  }

  /** Closes sessions idle for longer than the idle timeout; returns how many. */
  reapIdle(): number {
    const idleMs = this.#options.idleTimeoutMs ?? DEFAULT_POOL_IDLE_MS;
    const now = this.#options.clock.monotonicMs();
    let reaped = 0;
    for (const entry of [...this.#entries.values()]) {
      if (entry.inFlight === 0 && now - entry.lastUsedMs >= idleMs) {
        this.#retire(entry);
        reaped++;
      }
    }
    this.#counts.reaped += reaped;
    return reaped;
  }

  /** Closes every session; later calls fail. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#reapTimer?.cancel();
    this.#reapTimer = null;
    for (const entry of [...this.#entries.values()]) {
      this.#retire(entry);
      entry.session.close();
    }
  }

  async #acquire(target: ServerTarget): Promise<Entry> {
    if (this.#closed) {
      throw new ServerDialError(target, new Error("the connection pool is closed"));
    }
    const key = `${target.dc}/${target.node}:${addrText(target.addr)}`;
    const entry = this.#entries.get(key);
    if (entry && !entry.session.isClosed && !entry.session.remoteGoAway) return entry;
    if (entry) this.#retire(entry);
    let dialing = this.#dialing.get(key);
    if (!dialing) {
      dialing = this.#dial(key, target).finally(() => this.#dialing.delete(key));
      this.#dialing.set(key, dialing);
    }
    return await dialing;
  }

  async #dial(key: string, target: ServerTarget): Promise<Entry> {
    this.#makeRoom();
    this.#counts.dials++;
    let conn: TlsConn;
    try {
      conn = await this.#options.dialer.dial(target.dc, target.node, target.addr, ALPN_RPC_MULTI);
    } catch (error) {
      this.#counts.dialFailures++;
      throw new ServerDialError(target, error);
    }
    if (this.#closed) {
      conn.close();
      throw new ServerDialError(target, new Error("the connection pool closed during the dial"));
    }
    const session = new YamuxSession(conn, {
      ...this.#options.yamux,
      role: "client",
      clock: this.#options.clock,
    });
    const opener = {
      open: () => {
        try {
          return session.open();
        } catch (error) {
          throw new StreamOpenError(error);
        }
      },
    };
    const entry: Entry = {
      key,
      session,
      client: new RpcClient(opener, {
        clock: this.#options.clock,
        ...(this.#options.callTimeoutMs === undefined
          ? {}
          : { defaultTimeoutMs: this.#options.callTimeoutMs }),
        ...(this.#options.maxMessageBytes === undefined
          ? {}
          : { maxMessageBytes: this.#options.maxMessageBytes }),
      }),
      inFlight: 0,
      lastUsedMs: this.#options.clock.monotonicMs(),
      retired: false,
    };
    this.#entries.set(key, entry);
    session.closed.then(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    this.#scheduleReap();
    return entry;
  }

  /** Under the bound, closes the least recently used idle session to fit a new one. */
  #makeRoom(): void {
    const max = this.#options.maxSessions ?? DEFAULT_MAX_POOL_SESSIONS;
    if (this.#entries.size + this.#dialing.size < max) return;
    let oldest: Entry | null = null;
    for (const entry of this.#entries.values()) {
      if (entry.inFlight > 0) continue;
      if (oldest === null || entry.lastUsedMs < oldest.lastUsedMs) oldest = entry;
    }
    if (oldest === null) throw new PoolExhaustedError(max);
    this.#retire(oldest);
    this.#counts.evicted++;
  }

  /** Takes `entry` out of the pool; its session closes now or when its last call ends. */
  #retire(entry: Entry): void {
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
    entry.retired = true;
    if (entry.inFlight === 0) entry.session.close();
  }

  #scheduleReap(): void {
    if (this.#reapTimer !== null || this.#closed) return;
    this.#reapTimer = this.#options.clock.setTimer(POOL_REAP_INTERVAL_MS, () => {
      this.#reapTimer = null;
      this.reapIdle();
      if (this.#entries.size > 0) this.#scheduleReap();
    });
  }
}

/** True for a call that failed opening its stream because the session was unusable. */
function isBrokenSessionError(error: unknown): boolean {
  if (!(error instanceof RpcError) || !(error.cause instanceof StreamOpenError)) return false;
  const cause = error.cause.cause;
  return cause instanceof SessionClosedError || cause instanceof RemoteGoAwayError;
}

function addrText(addr: NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
