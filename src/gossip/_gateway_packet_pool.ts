/**
 * The pool of outbound packet tunnels of {@linkcode GatewayGossipTransport}: long-lived TLS
 * connections (ALPN `consul/wan-gossip/packet`), keyed by the full member name, reused
 * last-in-first-out and closed when idle. Private to the gossip module.
 *
 * A connection is taken out of the pool for one write and put back after it; a failed write
 * discards it instead. The peer never writes on a packet tunnel, so each pooled connection's
 * readable is watched only for its end: a tunnel the peer (or a gateway) closed leaves the pool
 * at once instead of swallowing the next packet.
 *
 * @module
 */

import type { Clock, Conn, Timer } from "../runtime/ports.ts";

/** How often idle tunnels are looked for (Consul's wanfed pool reaper). */
export const PACKET_POOL_REAP_INTERVAL_MS = 1_000;

/** One tunnel, in the pool or out for a write. */
export interface PooledPacketConn {
  readonly key: string;
  readonly conn: Conn;
  lastUsedMs: number;
  /** Set once the tunnel is closed; it never goes back into the pool. */
  closed: boolean;
}

/** Limits and time source of a {@linkcode PacketConnPool}. */
export interface PacketConnPoolOptions {
  readonly clock: Clock;
  /** A tunnel unused for this long is closed. */
  readonly maxIdleMs: number;
  /** Tunnels open at once, in use, idle or being dialled; more acquisitions are refused. */
  readonly maxConns: number;
  /** Idle tunnels kept per member; a return beyond it closes the oldest. */
  readonly maxIdlePerKey: number;
}

/** Raised by {@linkcode PacketConnPool.acquire} once the pool is closed (Consul's text). */
export class PacketPoolClosedError extends Error {
  /** Builds the error. */
  constructor() {
    super("wanfed: connection pool is closed");
    this.name = "PacketPoolClosedError";
  }
}

/** LIFO idle lists of tunnels per member name, with an idle reaper on the Clock. */
export class PacketConnPool {
  readonly #options: PacketConnPoolOptions;
  readonly #idle = new Map<string, PooledPacketConn[]>();
  readonly #all = new Set<PooledPacketConn>();
  #dialing = 0;
  #reapTimer: Timer | null = null;
  #closed = false;
  #reaped = 0;

  /** Creates an empty pool. */
  constructor(options: PacketConnPoolOptions) {
    if (!(options.maxIdleMs > 0)) {
      throw new RangeError(`Packet tunnel idle time must be positive, got ${options.maxIdleMs}`);
    }
    this.#options = options;
  }

  /** Tunnels open now (idle or in use). */
  get openConns(): number {
    return this.#all.size;
  }

  /** Tunnels closed for being idle since the pool started. */
  get reaped(): number {
    return this.#reaped;
  }

  /**
   * The most recently returned idle tunnel for `key`, or a new one from `dial`; `null` when
   * the pool is at its bound (the caller drops the packet, as UDP would).
   * @throws {PacketPoolClosedError} after `close`; whatever `dial` throws.
   */
  async acquire(key: string, dial: () => Promise<Conn>): Promise<PooledPacketConn | null> {
    if (this.#closed) throw new PacketPoolClosedError();
    const list = this.#idle.get(key);
    while (list !== undefined && list.length > 0) {
      const entry = list.pop() as PooledPacketConn;
      if (list.length === 0) this.#idle.delete(key);
      if (!entry.closed) return entry;
    }
    if (this.#all.size + this.#dialing >= this.#options.maxConns) return null;
    this.#dialing++;
    let conn: Conn;
    try {
      conn = await dial();
    } finally {
      this.#dialing--;
    }
    if (this.#closed) {
      conn.close();
      throw new PacketPoolClosedError();
    }
    const entry: PooledPacketConn = {
      key,
      conn,
      lastUsedMs: this.#options.clock.monotonicMs(),
      closed: false,
    };
    this.#all.add(entry);
    void this.#watchEnd(entry);
    return entry;
  }

  /** Puts a tunnel back after a successful write. */
  release(entry: PooledPacketConn): void {
    if (entry.closed || this.#closed) return this.discard(entry);
    entry.lastUsedMs = this.#options.clock.monotonicMs();
    let list = this.#idle.get(entry.key);
    if (list === undefined) {
      list = [];
      this.#idle.set(entry.key, list);
    }
    list.push(entry);
    if (list.length > this.#options.maxIdlePerKey) this.discard(list.shift() as PooledPacketConn);
    this.#scheduleReap();
  }

  /** Closes a tunnel and forgets it (a failed write, or an end seen by the watcher). */
  discard(entry: PooledPacketConn): void {
    if (!entry.closed) {
      entry.closed = true;
      entry.conn.close();
    }
    this.#all.delete(entry);
    const list = this.#idle.get(entry.key);
    if (list === undefined) return;
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.#idle.delete(entry.key);
  }

  /** Closes idle tunnels unused for the idle time or longer; returns how many. */
  reapIdle(): number {
    const now = this.#options.clock.monotonicMs();
    let reaped = 0;
    for (const list of [...this.#idle.values()]) {
      for (const entry of [...list]) {
        if (now - entry.lastUsedMs >= this.#options.maxIdleMs) {
          this.discard(entry);
          reaped++;
        }
      }
    }
    this.#reaped += reaped;
    return reaped;
  }

  /** Closes every tunnel, idle or in use; later acquisitions fail. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#reapTimer?.cancel();
    this.#reapTimer = null;
    for (const entry of [...this.#all]) this.discard(entry);
    this.#idle.clear();
  }

  /** Drains what the peer sends (it should send nothing) and discards the tunnel at its end. */
  async #watchEnd(entry: PooledPacketConn): Promise<void> {
    const reader = entry.conn.readable.getReader();
    try {
      while (!(await reader.read()).done) {
        // Bytes on a packet tunnel have no meaning; reading them only keeps the socket drained.
      }
    } catch {
      // A reset ends the tunnel just like a close.
    } finally {
      this.discard(entry);
    }
  }

  #scheduleReap(): void {
    if (this.#reapTimer !== null || this.#closed) return;
    this.#reapTimer = this.#options.clock.setTimer(PACKET_POOL_REAP_INTERVAL_MS, () => {
      this.#reapTimer = null;
      this.reapIdle();
      if (this.#idle.size > 0) this.#scheduleReap();
    });
  }
}
