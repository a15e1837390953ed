/**
 * TLS for both adapters over `node:tls`, always on top of the runtime's native TCP Conns
 * wrapped in a node Duplex. Server ends always run inside a `tls.Server` (a standalone
 * server-side `TLSSocket` in Deno accepts untrusted client certificates): each Conn is handed
 * to a non-listening server as a new "connection".
 *
 * Half-close sends a TCP FIN without a TLS close_notify alert: Bun's TLS answers close_notify
 * by closing its own direction too, which would break half-close. Our protocols frame their
 * messages, so a truncated stream is still detected above this layer.
 *
 * @module
 */

import * as tls from "node:tls";
import { isIP, type Socket } from "node:net";
import { AsyncQueue } from "./async_queue.ts";
import { type ConnDuplex, connToDuplex, nodeSocketToConn } from "./_node_stream.ts";
import type {
  Conn,
  DialOptions,
  Listener,
  ListenOptions,
  NetAddr,
  PeerCertificate,
  TlsClientOptions,
  TlsConn,
  TlsServerOptions,
} from "./ports.ts";

/** Handshaken connections a TLS listener holds for its consumer; beyond this they are dropped. */
export const MAX_PENDING_TLS_ACCEPTS = 128;
/** Server handshake limit when the options give none (the port's documented default). */
export const DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS = 5000;
/** Client handshake limit when the options give none (the port's documented default). */
export const DEFAULT_CLIENT_HANDSHAKE_TIMEOUT_MS = 10000;
/** Dial limit when the options give none (Consul's dial timeout). */
export const DEFAULT_DIAL_TIMEOUT_MS = 10000;

/** Raised when a TLS handshake fails or times out; the message names the peer and the cause. */
export class TlsHandshakeError extends Error {
  /** Builds the error for the handshake with `peer`. */
  constructor(peer: string, detail: string, cause?: unknown) {
    super(`TLS handshake with ${peer} failed: ${detail}`, { cause });
    this.name = "TlsHandshakeError";
  }
}

function addrText(addr: NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function serverSettings(options: TlsServerOptions): tls.TlsOptions {
  const alpn = options.alpnProtocols ?? [];
  return {
    ca: options.caPem,
    cert: options.certPem,
    key: options.keyPem,
    minVersion: "TLSv1.2",
    requestCert: options.requireClientCert,
    rejectUnauthorized: options.requireClientCert,
    ALPNProtocols: alpn.length > 0 ? [...alpn] : undefined,
    handshakeTimeout: options.handshakeTimeoutMs ?? DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS,
  };
}

function clientSettings(options: TlsClientOptions): tls.ConnectionOptions {
  const alpn = options.alpnProtocols ?? [];
  const verifyHostname = options.verifyHostname ?? true;
  return {
    ca: options.caPem,
    cert: options.certPem,
    key: options.keyPem,
    // SNI may not carry an IP address (RFC 6066); the name check still uses it.
    servername: isIP(options.serverName) === 0 ? options.serverName : undefined,
    ALPNProtocols: alpn.length > 0 ? [...alpn] : undefined,
    rejectUnauthorized: true,
    minVersion: "TLSv1.2",
    checkServerIdentity: (_host, cert) =>
      verifyHostname ? tls.checkServerIdentity(options.serverName, cert) : undefined,
  };
}

/** Splits node's `subjectaltname` text ("DNS:a, IP Address:1.2.3.4") into DNS and IP names. */
function parseAltNames(text: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of (text ?? "").split(/,\s*/)) {
    if (entry.startsWith("DNS:")) dnsNames.push(entry.slice(4));
    else if (entry.startsWith("IP Address:")) ipAddresses.push(entry.slice(11));
  }
  return { dnsNames, ipAddresses };
}

function peerCertificateOf(socket: tls.TLSSocket): PeerCertificate | null {
  const cert = socket.getPeerCertificate(false) as Partial<tls.PeerCertificate> | null;
  if (!cert || !cert.raw || cert.raw.byteLength === 0) return null;
  const cn = cert.subject?.CN;
  return {
    commonName: Array.isArray(cn) ? cn[0] ?? "" : cn ?? "",
    ...parseAltNames(cert.subjectaltname),
    der: new Uint8Array(cert.raw.buffer, cert.raw.byteOffset, cert.raw.byteLength),
  };
}

function toTlsConn(
  socket: tls.TLSSocket,
  below: Conn,
  transport: ConnDuplex,
  serverName: string | null,
): TlsConn {
  const addrs = { localAddr: below.localAddr, remoteAddr: below.remoteAddr };
  // TLS reads its transport eagerly; feed it only while our readable wants bytes.
  let wanted = true;
  const gate = transport.gateReads(() => wanted);
  const conn = nodeSocketToConn(socket as Socket, addrs, {
    halfClose: transport.finishWriting,
    readDemand(nowWanted) {
      wanted = nowWanted;
      if (wanted) gate.wake();
    },
    writeRoom: transport.writeRoom,
  });
  return {
    ...conn,
    alpnProtocol: socket.alpnProtocol || null,
    serverName,
    peerCertificate: peerCertificateOf(socket),
  };
}

/** Handshakes a TLS listener runs at once; connections beyond this are closed unanswered. */
export const MAX_CONCURRENT_TLS_HANDSHAKES = 256;

/**
 * Listens for TLS on top of the runtime's native TCP listener: each accepted connection is
 * upgraded through a `tls.Server`, and yielded once its handshake succeeded. (Native sockets
 * underneath because Deno's own `node:tls` sockets stop reading after a half-close.)
 */
export async function listenTlsOverTcp(
  listenTcp: (options: ListenOptions) => Promise<Listener>,
  options: ListenOptions & TlsServerOptions,
): Promise<Listener<TlsConn>> {
  const tcp = await listenTcp(options);
  const queue = new AsyncQueue<TlsConn>(MAX_PENDING_TLS_ACCEPTS);
  let handshaking = 0;
  const accept = async () => {
    for await (const conn of tcp) {
      if (queue.closed || handshaking >= MAX_CONCURRENT_TLS_HANDSHAKES) {
        conn.close();
        continue;
      }
      handshaking++;
      upgradeNodeServerTls(conn, options).then((tlsConn) => {
        if (!queue.push(tlsConn)) tlsConn.close();
      }, () => {
        // A failed handshake concerns that one connection only; it is already closed.
      }).finally(() => handshaking--);
    }
  };
  accept().catch(() => queue.close());
  return {
    addr: tcp.addr,
    async close(): Promise<void> {
      for (const conn of queue.close()) conn.close();
      await tcp.close();
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}

/** Runs `start` under a handshake deadline; `abort` tears the attempt down on timeout. */
function withDeadline<T>(
  timeoutMs: number,
  peer: string,
  abort: () => void,
  start: (resolve: (value: T) => void, reject: (error: Error) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      abort();
      reject(new TlsHandshakeError(peer, `no handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error) => {
      clearTimeout(timer);
      abort();
      reject(error);
    });
  });
}

/** Runs the server side of a handshake over `conn` through a non-listening `tls.Server`. */
export function upgradeNodeServerTls(conn: Conn, options: TlsServerOptions): Promise<TlsConn> {
  const settings = serverSettings(options);
  const server = tls.createServer({ ...settings, allowHalfOpen: true });
  const transport = connToDuplex(conn);
  const duplex = transport.duplex;
  const peer = addrText(conn.remoteAddr);
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS;
  const abort = () => {
    duplex.destroy();
    conn.close();
  };
  return withDeadline(timeoutMs, peer, abort, (resolve, reject) => {
    server.once("secureConnection", (socket: tls.TLSSocket) => {
      resolve(toTlsConn(socket, conn, transport, socket.servername || null));
    });
    server.once("tlsClientError", (error: Error) => {
      reject(new TlsHandshakeError(peer, errorText(error), error));
    });
    server.emit("connection", duplex);
  });
}

/** Runs the client side of a handshake over `conn`. */
export function upgradeNodeClientTls(conn: Conn, options: TlsClientOptions): Promise<TlsConn> {
  const transport = connToDuplex(conn);
  const duplex = transport.duplex;
  const socket = tls.connect({
    ...clientSettings(options),
    socket: duplex as unknown as Socket,
    // node honours allowHalfOpen here although its typings omit it.
    ...{ allowHalfOpen: true } as tls.ConnectionOptions,
  });
  return clientHandshake(socket, conn, transport, options).catch((error) => {
    conn.close();
    throw error;
  });
}

/** Dials with the runtime's native TCP, then runs the client side of a handshake over it. */
export async function dialTlsOverTcp(
  dialTcp: (options: DialOptions) => Promise<Conn>,
  options: DialOptions & TlsClientOptions,
): Promise<TlsConn> {
  const conn = await dialTcp(options);
  return upgradeNodeClientTls(conn, options);
}

function clientHandshake(
  socket: tls.TLSSocket,
  below: Conn,
  transport: ConnDuplex,
  options: TlsClientOptions,
): Promise<TlsConn> {
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_CLIENT_HANDSHAKE_TIMEOUT_MS;
  const peer = `${options.serverName} (${addrText(below.remoteAddr)})`;
  return withDeadline(timeoutMs, peer, () => socket.destroy(), (resolve, reject) => {
    const onError = (error: Error) => {
      reject(new TlsHandshakeError(peer, errorText(error), error));
    };
    socket.once("error", onError);
    socket.once("secureConnect", () => {
      socket.off("error", onError);
      resolve(toTlsConn(socket, below, transport, options.serverName));
    });
  });
}
