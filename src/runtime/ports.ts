/**
 * The runtime ports: every interface through which Consulate touches the outside world.
 *
 * Nothing outside `src/runtime/` imports `Deno.*`, `Bun.*`, `node:net`, `node:tls`,
 * `node:dgram`, `node:fs`, `node:sqlite`, timers, the wall clock or OS randomness. Components
 * receive a {@linkcode Runtime} (or the single port they need) instead, which is what lets the
 * same code run on Deno, on Bun, and on a simulated network in tests.
 *
 * Conventions:
 * - Byte streams are web streams of `Uint8Array`. Closing a connection's `writable` sends FIN
 *   (half-close) and keeps the `readable` open until the peer closes its side.
 * - Every port call that can fail because of the outside world rejects with an `Error` whose
 *   message says what was attempted (address, path) and what went wrong.
 *
 * @module
 */

/** A network address as seen by a socket. */
export interface NetAddr {
  /** IP address or host name, without brackets for IPv6. */
  readonly hostname: string;
  readonly port: number;
}

/**
 * A bidirectional byte connection.
 *
 * `writable.close()` half-closes (sends FIN); `readable` ends when the peer half-closes.
 * `close()` tears down both directions at once and is safe to call more than once.
 */
export interface Conn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  /** Closes both directions immediately. Idempotent. */
  close(): void;
  /** Resolves once the connection is fully closed (both directions or by `close()`). */
  readonly closed: Promise<void>;
}

/** Facts about the peer certificate of a TLS connection, when one was presented. */
export interface PeerCertificate {
  /** Subject common name. */
  readonly commonName: string;
  /** DNS subject alternative names. */
  readonly dnsNames: readonly string[];
  /** IP subject alternative names. */
  readonly ipAddresses: readonly string[];
  /** DER encoding of the certificate. */
  readonly der: Uint8Array;
}

/** A connection protected by TLS. */
export interface TlsConn extends Conn {
  /** The protocol chosen by ALPN, or `null` when none was negotiated. */
  readonly alpnProtocol: string | null;
  /** Server side: the SNI the client sent. Client side: the SNI this end sent. */
  readonly serverName: string | null;
  /** The verified certificate of the other end, or `null` when it presented none. */
  readonly peerCertificate: PeerCertificate | null;
}

/** PEM material and policy for the server end of a TLS connection. */
export interface TlsServerOptions {
  /** PEM CA bundle used to verify client certificates. */
  readonly caPem: string;
  /** PEM certificate chain this server presents. */
  readonly certPem: string;
  /** PEM private key for `certPem`. */
  readonly keyPem: string;
  /** ALPN protocols offered, most preferred first. Empty or absent: no ALPN. */
  readonly alpnProtocols?: readonly string[];
  /** When true a client certificate signed by `caPem` is required (mutual TLS). */
  readonly requireClientCert: boolean;
  /** Milliseconds allowed for the handshake before the connection is closed. Default 5000. */
  readonly handshakeTimeoutMs?: number;
}

/** PEM material and policy for the client end of a TLS connection. */
export interface TlsClientOptions {
  /** PEM CA bundle used to verify the server certificate. */
  readonly caPem: string;
  /** PEM client certificate, for mutual TLS. */
  readonly certPem?: string;
  /** PEM private key for `certPem`. */
  readonly keyPem?: string;
  /** The SNI sent, and (unless `verifyHostname` is false) the name the server cert must hold. */
  readonly serverName: string;
  /** Check that the server certificate holds `serverName`. Default true. */
  readonly verifyHostname?: boolean;
  /** ALPN protocols offered, most preferred first. */
  readonly alpnProtocols?: readonly string[];
  /** Milliseconds allowed for the handshake before the connection is closed. Default 10000. */
  readonly handshakeTimeoutMs?: number;
}

/** Where to listen. Port 0 picks a free port; read it back from `Listener.addr`. */
export interface ListenOptions {
  readonly hostname: string;
  readonly port: number;
}

/** Where to dial. */
export interface DialOptions {
  readonly hostname: string;
  readonly port: number;
  /** Milliseconds before the dial is abandoned. Default 10000 (Consul's dial timeout). */
  readonly timeoutMs?: number;
}

/** A listening socket that yields accepted connections until closed. */
export interface Listener<C extends Conn = Conn> extends AsyncIterable<C> {
  readonly addr: NetAddr;
  /** Stops accepting; connections already accepted stay open. Idempotent. */
  close(): Promise<void>;
}

/** One received UDP datagram. */
export interface Datagram {
  readonly data: Uint8Array;
  readonly from: NetAddr;
}

/** A bound UDP socket. */
export interface UdpSocket extends AsyncIterable<Datagram> {
  readonly addr: NetAddr;
  send(data: Uint8Array, to: NetAddr): Promise<void>;
  close(): Promise<void>;
}

/** Which way bytes moved through a {@linkcode Net.splice}. */
export type SpliceDirection = "aToB" | "bToA";

/** Options for {@linkcode Net.splice}. */
export interface SpliceOptions {
  /** Called as bytes move, once per chunk; keep it cheap (counters, idle timers). */
  onBytes?(direction: SpliceDirection, n: number): void;
}

/** What a splice moved before both directions finished. */
export interface SpliceResult {
  /** Bytes copied from `a` to `b`. */
  readonly aToB: number;
  /** Bytes copied from `b` to `a`. */
  readonly bToA: number;
  /** The first error that tore the splice down, when one did. */
  readonly error?: unknown;
}

/** TCP, TLS and UDP. */
export interface Net {
  listenTcp(options: ListenOptions): Promise<Listener>;
  dialTcp(options: DialOptions): Promise<Conn>;
  listenTls(options: ListenOptions & TlsServerOptions): Promise<Listener<TlsConn>>;
  dialTls(options: DialOptions & TlsClientOptions): Promise<TlsConn>;
  /**
   * Runs the server side of a TLS handshake over an already-accepted connection, e.g. after
   * the first byte was peeked on the RPC port. Bytes already read from `conn.readable` must be
   * handed back through `conn` (see `prependBytes` in `streams.ts`).
   */
  upgradeServerTls(conn: Conn, options: TlsServerOptions): Promise<TlsConn>;
  /** Runs the client side of a TLS handshake over an established connection. */
  upgradeClientTls(conn: Conn, options: TlsClientOptions): Promise<TlsConn>;
  bindUdp(options: ListenOptions): Promise<UdpSocket>;
  /**
   * Copies bytes both ways between two connections until both directions end, then closes
   * both. When one side's readable ends, the other side's write half is closed (FIN) and the
   * opposite direction keeps flowing; an error in either direction closes both at once. Each
   * direction waits on its destination (backpressure), so memory stays bounded. Runtimes copy
   * natively between their own untouched TCP connections and use `pipeBoth` (streams.ts) for
   * any other Conn (TLS, in-memory pairs, connections whose streams are in use).
   */
  splice(a: Conn, b: Conn, options?: SpliceOptions): Promise<SpliceResult>;
}

/** A file opened for appending, for write-ahead logs. */
export interface AppendFile {
  /** Bytes in the file, including everything appended so far. */
  readonly size: number;
  append(data: Uint8Array): Promise<void>;
  /** Flushes appended bytes to stable storage (fsync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** What `FileSystem.stat` reports. */
export interface FileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly size: number;
}

/** Durable files. */
export interface FileSystem {
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  /** Writes a new file; fails when it exists and `exclusive` is set. */
  writeFile(
    path: string,
    data: Uint8Array | string,
    options?: { exclusive?: boolean; mode?: number },
  ): Promise<void>;
  /**
   * Replaces `path` atomically and durably: write a temporary sibling, fsync it, rename it over
   * `path`, fsync the directory. A crash leaves either the old or the new content, never a mix.
   */
  writeFileAtomic(path: string, data: Uint8Array | string): Promise<void>;
  openAppend(path: string): Promise<AppendFile>;
  /** Truncates a file to `size` bytes and fsyncs it (for repairing a torn log tail). */
  truncate(path: string, size: number): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** Names (not paths) of the entries of a directory, sorted. */
  readDir(path: string): Promise<string[]>;
  /** `null` when nothing exists at `path`. */
  stat(path: string): Promise<FileInfo | null>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/** A prepared SQLite statement. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Record<string, unknown>[];
}

/** An open SQLite database (`node:sqlite`). */
export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** SQLite databases. */
export interface Sqlite {
  /** Opens (creating if needed) the database at `path`; `":memory:"` for a memory database. */
  open(path: string): SqliteDatabase;
}

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

/** Time. The only source of "now" and of delays. */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock; may jump). */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes backwards. Use it for durations. */
  monotonicMs(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Randomness. Seeded in tests and simulations, from the OS in production. */
export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
}

/** A running HTTP server. */
export interface HttpServer {
  readonly addr: NetAddr;
  /** Stops accepting and waits for in-flight requests to finish. */
  shutdown(): Promise<void>;
}

/** Serving a fetch handler over HTTP (HTTPS when TLS material is given). */
export interface Http {
  serve(
    options: ListenOptions & {
      handler: (request: Request, info: { remoteAddr: NetAddr }) => Response | Promise<Response>;
      tls?: { certPem: string; keyPem: string };
    },
  ): Promise<HttpServer>;
}

/** The result of running a child process. */
export interface CommandOutput {
  readonly code: number;
  /** Combined stdout and stderr, truncated to the limit given. */
  readonly output: string;
  readonly timedOut: boolean;
}

/** The process Consulate runs in. */
export interface Process {
  readonly pid: number;
  readonly args: readonly string[];
  env(name: string): string | undefined;
  hostname(): string;
  cwd(): string;
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /**
   * Reads standard input to its end (`consulate kv put KEY -`).
   * @throws {Error} when it holds more than `maxBytes` bytes.
   */
  readStdin(maxBytes: number): Promise<Uint8Array>;
  /** Calls `handler` on SIGINT/SIGTERM/SIGHUP; returns a function that removes it. */
  onSignal(signal: "SIGINT" | "SIGTERM" | "SIGHUP", handler: () => void): () => void;
  exit(code: number): never;
  /** Runs a command (argv form, or `["sh", "-c", script]`) with a time limit. */
  runCommand(
    argv: readonly string[],
    options: { timeoutMs: number; maxOutputBytes: number },
  ): Promise<CommandOutput>;
}

/** Everything a component may need from the outside world. */
export interface Runtime {
  readonly name: "deno" | "bun" | "sim";
  readonly net: Net;
  readonly fs: FileSystem;
  readonly sqlite: Sqlite;
  readonly clock: Clock;
  readonly random: Random;
  readonly http: Http;
  readonly process: Process;
}
