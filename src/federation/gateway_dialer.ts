/**
 * The server dialer of WAN federation via mesh gateways: a connection to a server of another
 * datacenter is a TCP connection to a mesh gateway, then TLS end to end with the server, whose
 * SNI names it (`<node>.server.<dc>.<domain>`, or `server.<dc>.<domain>` for any server of the
 * datacenter) and whose single ALPN names the protocol. The gateway only reads the SNI from the
 * ClientHello and splices bytes; it never holds a key.
 *
 * Servers of the local datacenter are dialled at their own address, as
 * {@linkcode DirectServerDialer} does. Which gateway to use is the caller's `pickGateway(dc)`
 * (the {@linkcode GatewayLocator}'s), so this file decides nothing about routing.
 *
 * TLS on this path is always mutual and always verifies the chain and the SNI, whatever
 * `verify_outgoing` / `verify_server_hostname` say (Consul's "outgoing ALPN RPC config").
 *
 * @module
 */

import type { Conn, Net, NetAddr, TlsConn } from "../runtime/ports.ts";
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  DirectServerDialer,
  type ServerDialer,
} from "../rpc/conn_pool.ts";
import { DC_NOT_AVAILABLE_TEXT } from "../rpc/forwarding.ts";
import { rpcClientTlsOptions, type RpcTlsMaterial } from "../rpc/rpc_tls.ts";
import { parseHostPort } from "../gateway/host_port.ts";

/** Why a dial through a mesh gateway could not start; `message` is Consul's text. */
export type GatewayDialErrorKind =
  | "no-gateway"
  | "bad-gateway-address"
  | "tls-disabled"
  | "no-datacenter"
  | "no-alpn"
  | "alpn-refused";

/** A dial through a mesh gateway that failed before or after the TLS handshake. */
export class GatewayDialError extends Error {
  /** What went wrong; `no-gateway` carries Consul's "Remote DC has no server ..." text. */
  readonly kind: GatewayDialErrorKind;
  /** The datacenter dialled. */
  readonly datacenter: string;

  /** Builds the error with its kind and message. */
  constructor(
    kind: GatewayDialErrorKind,
    datacenter: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "GatewayDialError";
    this.kind = kind;
    this.datacenter = datacenter;
  }
}

/** Different gateways tried for one dial, per kind (usable, then last resort). */
export const GATEWAY_CONNECT_ATTEMPTS = 3;
/** Random picks made to find them (the locator picks uniformly, so repeats happen). */
const GATEWAY_PICKS = 8;

/** What {@linkcode MeshGatewayDialer} needs. */
export interface MeshGatewayDialerOptions {
  readonly net: Net;
  /** This server's CA, certificate and key: presented to and verifying every peer. */
  readonly material: RpcTlsMaterial;
  /** The Consul domain (`consul`); a trailing dot is ignored. */
  readonly domain: string;
  /** This server's datacenter: its servers are dialled directly. */
  readonly localDc: string;
  /** `host:port` of a gateway to reach `dc` through, or `""` when none is known. */
  readonly pickGateway: (dc: string) => string;
  /**
   * Gateways for `dc` to try, in order, after every pick of `pickGateway` failed: those the
   * federation states list as critical (the locator's `lastResortGateways`). Default none.
   */
  readonly lastResortGateways?: (dc: string) => readonly string[];
  /** Time allowed for the TCP connect (default 10 s, Consul's `DefaultDialTimeout`). */
  readonly dialTimeoutMs?: number;
  /** Time allowed for the TLS handshake after the connect (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

/** Dials servers of other datacenters through mesh gateways, local ones directly. */
export class MeshGatewayDialer implements ServerDialer {
  readonly #options: MeshGatewayDialerOptions;
  readonly #direct: DirectServerDialer;
  readonly #dialTimeoutMs: number;

  /** Builds the dialer; nothing is dialled until {@linkcode MeshGatewayDialer.dial}. */
  constructor(options: MeshGatewayDialerOptions) {
    this.#options = options;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.#direct = new DirectServerDialer(options.net, options.material, {
      domain: options.domain,
      dialTimeoutMs: this.#dialTimeoutMs,
    });
  }

  /**
   * Connects to server `node` of `dc` negotiating exactly `alpn`. In the local datacenter that
   * is `addr` itself; elsewhere `addr` is not dialled (it may be an address on another
   * datacenter's private network): a gateway for `dc` is, with SNI naming `node`
   * (`""` or `"*"`: any server of `dc`).
   * @throws {GatewayDialError} `no-gateway` ("Remote DC has no server currently reachable")
   * when no gateway is known for `dc`, or for missing TLS material, dc or ALPN, or when the
   * server did not agree to `alpn`.
   * @throws {Error} from the runtime when the connect or the handshake fails (wrong
   * certificate or name included).
   */
  async dial(dc: string, node: string, addr: NetAddr, alpn: string): Promise<TlsConn> {
    this.#checkTarget(dc, alpn);
    if (dc === this.#options.localDc) return await this.#direct.dial(dc, node, addr, alpn);
    return await this.#dialViaGateway(dc, node, alpn);
  }

  async #dialViaGateway(dc: string, node: string, alpn: string): Promise<TlsConn> {
    const tlsOptions = rpcClientTlsOptions(this.#options.material, { dc, node, alpn }, {
      domain: this.#options.domain,
      ...(this.#options.handshakeTimeoutMs === undefined
        ? {}
        : { handshakeTimeoutMs: this.#options.handshakeTimeoutMs }),
    });
    let lastError: unknown = null;
    // A gateway that is down, or up but unable to route the name yet (it closes the
    // connection before the handshake ends), is skipped for another one of `dc`.
    for (const gateway of this.#candidates(dc)) {
      const target = parseHostPort(gateway);
      if (target === null) {
        throw new GatewayDialError(
          "bad-gateway-address",
          dc,
          `Mesh gateway address ${JSON.stringify(gateway)} for datacenter ${dc} is not host:port`,
        );
      }
      let tcp: Conn;
      try {
        tcp = await this.#options.net.dialTcp({
          hostname: target.hostname,
          port: target.port,
          timeoutMs: this.#dialTimeoutMs,
        });
      } catch (error) {
        lastError = new Error(
          `Could not connect to mesh gateway ${gateway} for datacenter ${dc}: ${messageOf(error)}`,
          { cause: error },
        );
        continue;
      }
      let conn: TlsConn;
      try {
        conn = await this.#options.net.upgradeClientTls(tcp, tlsOptions);
      } catch (error) {
        tcp.close();
        lastError = new Error(
          `TLS through mesh gateway ${gateway} to ${tlsOptions.serverName} failed: ` +
            messageOf(error),
          { cause: error },
        );
        continue;
      }
      if (conn.alpnProtocol !== alpn) {
        conn.close();
        throw new GatewayDialError(
          "alpn-refused",
          dc,
          `Server ${tlsOptions.serverName} reached through mesh gateway ${gateway} did not ` +
            `agree to ALPN ${alpn} (got ${conn.alpnProtocol ?? "none"})`,
        );
      }
      return conn;
    }
    throw lastError ?? new GatewayDialError("no-gateway", dc, DC_NOT_AVAILABLE_TEXT);
  }

  /**
   * The gateways one dial to `dc` tries, each at most once: up to {@linkcode
   * GATEWAY_CONNECT_ATTEMPTS} different random picks among the usable ones (until its health
   * check turns critical a dead gateway is still listed, and one bad pick should not fail the
   * call), then as many of the last-resort ones.
   */
  *#candidates(dc: string): Generator<string> {
    const tried = new Set<string>();
    let fresh = 0;
    for (let pick = 0; pick < GATEWAY_PICKS && fresh < GATEWAY_CONNECT_ATTEMPTS; pick++) {
      const gateway = this.#options.pickGateway(dc);
      if (gateway === "") break;
      if (tried.has(gateway)) continue;
      tried.add(gateway);
      fresh++;
      yield gateway;
    }
    let lastResort = 0;
    for (const gateway of this.#options.lastResortGateways?.(dc) ?? []) {
      if (lastResort >= GATEWAY_CONNECT_ATTEMPTS) break;
      if (tried.has(gateway)) continue;
      tried.add(gateway);
      lastResort++;
      yield gateway;
    }
  }

  #checkTarget(dc: string, alpn: string): void {
    const { caPem, certPem, keyPem } = this.#options.material;
    if (caPem === "" || certPem === "" || keyPem === "") {
      throw new GatewayDialError(
        "tls-disabled",
        dc,
        "cannot dial via a mesh gateway when outgoing TLS is disabled",
      );
    }
    if (dc === "") {
      throw new GatewayDialError(
        "no-datacenter",
        dc,
        "cannot dial using ALPN-RPC without a target datacenter",
      );
    }
    if (alpn === "") {
      throw new GatewayDialError(
        "no-alpn",
        dc,
        "cannot dial using ALPN-RPC without a target alpn protocol",
      );
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
