/**
 * The mesh gateway's data path: accept a TCP connection, read its TLS ClientHello without
 * decrypting it, pick a target from the current route table, dial it, replay the hello and
 * splice bytes both ways (`Net.splice`, native between the runtime's own sockets) until both
 * ends finish.
 *
 * What it guards against: peers that never finish a hello (hello timeout), garbage or
 * oversized hellos (the sniffer's bound), floods (a global connection limit), unreachable
 * targets (connect timeout, then another healthy target and, for another datacenter, one of its
 * unhealthy gateways as a last resort) and silent connections (an
 * idle timeout reset by traffic). Every refusal closes that one connection and is counted.
 *
 * It is not the route table (see `route_table.ts`) nor what keeps it current (`route_source.ts`).
 *
 * @module
 */
import type { Clock, Conn, Listener, Net, Random, Timer } from "../runtime/ports.ts";
import { ClientHelloSniffer } from "./hello_sniffer.ts";
import { type AcceptedRoute, type GatewayCounters, routeKey } from "./counters.ts";
import { resolveRoute, type RouteTable } from "./route_table.ts";
import { parseHostPort } from "./host_port.ts";
import { IdleTimer } from "./_splice_watch.ts";

/** Default for {@linkcode ProxyLimits.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** Default for {@linkcode ProxyLimits.helloTimeoutMs}: a slow-loris peer is cut off after this. */
export const DEFAULT_HELLO_TIMEOUT_MS = 10_000;

/** Default for {@linkcode ProxyLimits.connectTimeoutMs}, as Envoy's cluster `connectTimeout`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Default for {@linkcode ProxyLimits.idleTimeoutMs}: Envoy's `tcp_proxy` default of one hour. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

/** Default for {@linkcode ProxyLimits.drainGraceMs}. */
export const DEFAULT_DRAIN_GRACE_MS = 5_000;

/** Reject reasons the proxy adds to those of the ClientHello parser and the route table. */
export type ProxyRejectReason =
  | "connection-limit"
  | "hello-timeout"
  | "hello-incomplete"
  | "read-error"
  | "connect-failed"
  | "gateway-closing";

/** The proxy's bounds and timeouts. */
export interface ProxyLimits {
  /** Open client connections (sniffing, dialing or spliced); more are closed at once. */
  readonly maxConnections: number;
  /** Time from accept until the whole ClientHello has arrived. */
  readonly helloTimeoutMs: number;
  /** Time allowed for one dial of a target. */
  readonly connectTimeoutMs: number;
  /** A spliced connection with no bytes either way for this long is closed. */
  readonly idleTimeoutMs: number;
  /** On close, how long spliced connections may keep running before they are cut. */
  readonly drainGraceMs: number;
}

/** The default {@linkcode ProxyLimits}. */
export const DEFAULT_PROXY_LIMITS: ProxyLimits = {
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  helloTimeoutMs: DEFAULT_HELLO_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  drainGraceMs: DEFAULT_DRAIN_GRACE_MS,
};

/** The slice of a logger the gateway writes to; the agent's `Logger` fits. */
export interface GatewayLogger {
  debug(message: string, fields?: Record<string, string | number | boolean | null>): void;
  info(message: string, fields?: Record<string, string | number | boolean | null>): void;
  warn(message: string, fields?: Record<string, string | number | boolean | null>): void;
  error(message: string, fields?: Record<string, string | number | boolean | null>): void;
}

/** A logger that drops everything. */
export const SILENT_LOGGER: GatewayLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** What {@linkcode GatewayProxy} needs. */
export interface GatewayProxyOptions {
  readonly net: Net;
  readonly clock: Clock;
  readonly random: Random;
  readonly counters: GatewayCounters;
  /** Returns the route table in force now; called once per connection. */
  readonly routes: () => RouteTable;
  readonly limits?: Partial<ProxyLimits>;
  readonly log?: GatewayLogger;
}

/** Connection-level figures that are not per route. */
export interface ProxyStats {
  /** Client connections open now, in any phase. */
  readonly activeConnections: number;
  /** Spliced connections closed because neither end sent anything for the idle timeout. */
  readonly idleTimeouts: number;
  /** Dials that failed (each retry counts). */
  readonly dialFailures: number;
  /** Accept loops that ended with an error. */
  readonly acceptErrors: number;
}

type SniffOutcome =
  | { readonly kind: "hello"; readonly serverName: string | null; readonly bytes: Uint8Array }
  | { readonly kind: "reject"; readonly reason: string };

interface ActiveConn {
  readonly client: Conn;
  upstream: Conn | null;
}

/**
 * Accepts connections from listeners and splices each to the target its SNI names.
 *
 * @example
 * ```ts
 * const proxy = new GatewayProxy({ net, clock, random, counters, routes: () => source.current() });
 * proxy.serve(await net.listenTcp({ hostname: "0.0.0.0", port: 8443 }));
 * // ... later
 * await proxy.close();
 * ```
 */
export class GatewayProxy {
  readonly #net: Net;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #counters: GatewayCounters;
  readonly #routes: () => RouteTable;
  readonly #limits: ProxyLimits;
  readonly #log: GatewayLogger;
  readonly #listeners = new Set<Listener>();
  readonly #loops: Promise<void>[] = [];
  readonly #active = new Set<ActiveConn>();
  #drainWaiters: Array<() => void> = [];
  #closing = false;
  #idleTimeouts = 0;
  #dialFailures = 0;
  #acceptErrors = 0;

  /** Builds a proxy; it does nothing until {@linkcode GatewayProxy.serve} gets a listener. */
  constructor(options: GatewayProxyOptions) {
    this.#net = options.net;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#counters = options.counters;
    this.#routes = options.routes;
    this.#limits = { ...DEFAULT_PROXY_LIMITS, ...options.limits };
    this.#log = options.log ?? SILENT_LOGGER;
  }

  /** The limits in force. */
  get limits(): ProxyLimits {
    return this.#limits;
  }

  /** Connection-level figures; per-route figures are in the counters. */
  stats(): ProxyStats {
    return {
      activeConnections: this.#active.size,
      idleTimeouts: this.#idleTimeouts,
      dialFailures: this.#dialFailures,
      acceptErrors: this.#acceptErrors,
    };
  }

  /** Accepts connections from `listener` until {@linkcode GatewayProxy.close}; the proxy owns it. */
  serve(listener: Listener): void {
    if (this.#closing) {
      void listener.close();
      return;
    }
    this.#listeners.add(listener);
    this.#loops.push(this.#acceptLoop(listener));
  }

  /**
   * Stops accepting, closes connections that are not spliced yet, lets spliced ones run for
   * `graceMs` (default {@linkcode ProxyLimits.drainGraceMs}) and then cuts the rest. Resolves
   * once every connection is closed.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#closing) return await this.#drained();
    this.#closing = true;
    await Promise.all([...this.#listeners].map((listener) => listener.close()));
    for (const entry of this.#active) if (entry.upstream === null) entry.client.close();
    const graceMs = options.graceMs ?? this.#limits.drainGraceMs;
    let timer: Timer | null = null;
    const graceOver = new Promise<void>((resolve) => {
      timer = this.#clock.setTimer(graceMs, resolve);
    });
    await Promise.race([this.#drained(), graceOver]);
    (timer as Timer | null)?.cancel();
    for (const entry of this.#active) {
      entry.client.close();
      entry.upstream?.close();
    }
    await this.#drained();
    await Promise.all(this.#loops);
  }

  async #acceptLoop(listener: Listener): Promise<void> {
    try {
      for await (const conn of listener) void this.#handle(conn);
    } catch (error) {
      if (this.#closing) return;
      this.#acceptErrors++;
      this.#log.error("gateway listener stopped accepting", {
        address: `${listener.addr.hostname}:${listener.addr.port}`,
        error: describe(error),
      });
    }
  }

  async #handle(client: Conn): Promise<void> {
    if (this.#closing) return this.#refuse(client, "gateway-closing");
    if (this.#active.size >= this.#limits.maxConnections) {
      return this.#refuse(client, "connection-limit");
    }
    const entry: ActiveConn = { client, upstream: null };
    this.#active.add(entry);
    try {
      await this.#route(entry);
    } finally {
      client.close();
      entry.upstream?.close();
      this.#active.delete(entry);
      if (this.#active.size === 0) this.#wakeDrainWaiters();
    }
  }

  async #route(entry: ActiveConn): Promise<void> {
    const sniffed = await this.#sniff(entry.client);
    if (sniffed.kind === "reject") {
      this.#counters.rejected(this.#closing ? "gateway-closing" : sniffed.reason);
      return;
    }
    const table = this.#routes();
    const decision = resolveRoute(table, sniffed.serverName, this.#random);
    if (decision.kind === "reject") {
      this.#counters.rejected(decision.reason);
      this.#log.debug("gateway refused connection", {
        reason: decision.reason,
        serverName: sniffed.serverName,
      });
      return;
    }
    const upstream = await this.#dial(table, decision);
    if (upstream === null || this.#closing) {
      upstream?.close();
      this.#counters.rejected(this.#closing ? "gateway-closing" : "connect-failed");
      return;
    }
    entry.upstream = upstream;
    await this.#splice(entry.client, upstream, routeKey(decision), sniffed.bytes);
  }

  #refuse(client: Conn, reason: ProxyRejectReason): void {
    this.#counters.rejected(reason);
    client.close();
  }

  /** Reads until the ClientHello is complete, wrong, late or cut short. */
  async #sniff(conn: Conn): Promise<SniffOutcome> {
    const sniffer = new ClientHelloSniffer();
    const reader = conn.readable.getReader();
    let timedOut = false;
    const timer = this.#clock.setTimer(this.#limits.helloTimeoutMs, () => {
      timedOut = true;
      conn.close();
      reader.cancel().catch(() => {});
    });
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (timedOut) return { kind: "reject", reason: "hello-timeout" };
        if (done) return { kind: "reject", reason: "hello-incomplete" };
        const result = sniffer.push(value);
        if (result.kind === "error") return { kind: "reject", reason: result.reason };
        if (result.kind === "hello") {
          return { kind: "hello", serverName: result.serverName, bytes: sniffer.bytes().slice() };
        }
      }
    } catch {
      return { kind: "reject", reason: timedOut ? "hello-timeout" : "read-error" };
    } finally {
      timer.cancel();
      try {
        reader.releaseLock();
      } catch {
        // A read still pending after a cancel keeps the lock; the connection is closed anyway.
      }
    }
  }

  /** Dials the chosen target, then the route's fallback targets in order. */
  async #dial(table: RouteTable, decision: AcceptedRoute): Promise<Conn | null> {
    for (const addr of [decision.addr, ...fallbackTargets(table, decision, this.#random)]) {
      const conn = await this.#tryDial(addr);
      if (conn !== null) return conn;
    }
    return null;
  }

  async #tryDial(addr: string): Promise<Conn | null> {
    const target = parseHostPort(addr);
    if (target === null) return null;
    try {
      return await this.#net.dialTcp({ ...target, timeoutMs: this.#limits.connectTimeoutMs });
    } catch (error) {
      this.#dialFailures++;
      this.#log.warn("gateway could not reach target", { target: addr, error: describe(error) });
      return null;
    }
  }

  async #splice(client: Conn, upstream: Conn, route: string, hello: Uint8Array): Promise<void> {
    const counters = this.#counters;
    counters.connectionOpened(route);
    const idle = new IdleTimer(this.#clock, this.#limits.idleTimeoutMs, () => {
      this.#idleTimeouts++;
      client.close();
      upstream.close();
    });
    try {
      if (!(await replayHello(upstream, hello))) return;
      counters.addBytes(route, hello.byteLength, 0);
      // The hello was read through the client's stream and written through upstream's, and
      // both are released again, so the runtime may splice its own sockets natively.
      await this.#net.splice(client, upstream, {
        onBytes(direction, n) {
          idle.touch();
          if (direction === "aToB") counters.addBytes(route, n, 0);
          else counters.addBytes(route, 0, n);
        },
      });
    } finally {
      idle.cancel();
      counters.connectionClosed(route);
    }
  }

  #drained(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Where a connection goes when its chosen target cannot be reached, in order: another healthy
 * target of the same route, then (remote datacenters only) one of the datacenter's unhealthy
 * gateways, since a gateway may be up before its health reaches the federation states. A named
 * server has exactly one address, so only "any server" and remote routes fail over.
 */
export function fallbackTargets(
  table: RouteTable,
  decision: AcceptedRoute,
  random: Random,
): string[] {
  const other = (candidates: readonly string[]) => {
    const others = candidates.filter((addr) => addr !== decision.addr);
    return others.length === 0 ? [] : [others[random.int(others.length)]];
  };
  if (decision.kind === "any-local-server") {
    return other(table.healthyServers.map((server) => server.addr));
  }
  if (decision.kind !== "remote-dc") return [];
  const remote = table.remoteDcs.get(decision.dc.toLowerCase());
  if (remote === undefined) return [];
  return [...other(remote.healthyAddrs), ...other(remote.unhealthyAddrs)];
}

/** Writes the sniffed ClientHello to the target; false when the target is already gone. */
async function replayHello(upstream: Conn, hello: Uint8Array): Promise<boolean> {
  const writer = upstream.writable.getWriter();
  try {
    await writer.write(hello);
    return true;
  } catch {
    return false;
  } finally {
    writer.releaseLock();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
