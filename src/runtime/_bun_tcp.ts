/**
 * Plain TCP for Bun: `Bun.listen`/`Bun.connect` with `allowHalfOpen`, adapted from Bun's
 * callback API to web streams with backpressure both ways (partial writes wait for `drain`;
 * reading pauses while the readable's queue is full).
 *
 * Bun's types are not assumed (this file must type-check under Deno): the small subset used
 * is declared here and read from `globalThis.Bun`.
 *
 * @module
 */

import { AsyncQueue } from "./async_queue.ts";
import { DEFAULT_DIAL_TIMEOUT_MS } from "./_node_tls.ts";
import type { Conn, DialOptions, Listener, ListenOptions, NetAddr } from "./ports.ts";

/** Bytes a socket's readable queues before the socket is paused. */
export const BUN_READ_QUEUE_BYTES = 256 * 1024;
/** Accepted connections a listener holds for its consumer; beyond this they are refused. */
export const MAX_PENDING_TCP_ACCEPTS = 128;

/** Bun TCP Conns made here, so `spliceBun` can recognise them and reach their sockets. */
const NATIVE_TCP = new WeakMap<Conn, BunSocketState>();

/** The state behind `conn` when this adapter made it, else `undefined`. */
export function bunSocketState(conn: Conn): BunSocketState | undefined {
  return NATIVE_TCP.get(conn);
}

/** The part of a Bun TCP socket this adapter uses. */
export interface BunSocket {
  data: BunSocketState | undefined;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort: number;
  write(data: Uint8Array): number;
  shutdown(halfClose?: boolean): void;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay?(enabled: boolean): boolean;
}

/** Callbacks Bun invokes for every socket of a listener or dial. */
interface BunSocketHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError?(socket: BunSocket, error: Error): void;
}

interface BunTcpListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
}

/** The part of the `Bun` global the TCP adapter uses. */
export interface BunTcpApi {
  listen(options: {
    hostname: string;
    port: number;
    allowHalfOpen: boolean;
    socket: BunSocketHandlers;
  }): BunTcpListener;
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen: boolean;
    socket: BunSocketHandlers;
  }): Promise<BunSocket>;
}

/** Per-socket state: the web streams and the waiters between Bun's callbacks and them. */
export class BunSocketState {
  readonly conn: Conn;
  #socket: BunSocket;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #readDone = false;
  #writeDone = false;
  #gone = false;
  #drainWaiter: (() => void) | null = null;
  #resolveClosed!: () => void;
  /** Set while a native splice owns this socket: where its incoming bytes go. */
  #leg: SpliceLeg | null = null;
  /** Spliced bytes the socket did not take yet; at most what arrived before the source paused. */
  #pending: Uint8Array[] = [];
  /** The spliced socket paused because this one is full; resumed on drain. */
  #pausedSource: BunSocketState | null = null;
  /** Half-close once `#pending` is written, because the splice source ended. */
  #shutdownAfterFlush: (() => void) | null = null;

  /** Wraps `socket`; `remote` names the peer in error messages. */
  constructor(socket: BunSocket) {
    this.#socket = socket;
    const closed = new Promise<void>((resolve) => this.#resolveClosed = resolve);
    const readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => socket.resume(),
      cancel: () => {
        this.#readDone = true;
        this.#settle();
      },
    }, { highWaterMark: BUN_READ_QUEUE_BYTES, size: (chunk) => chunk.byteLength });
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => {
        this.#writeDone = true;
        if (!this.#gone) socket.shutdown();
        this.#settle();
      },
      abort: () => {
        this.#writeDone = true;
        this.close();
      },
    });
    this.conn = {
      readable,
      writable,
      localAddr: { hostname: socket.localAddress ?? "", port: socket.localPort },
      remoteAddr: { hostname: socket.remoteAddress, port: socket.remotePort ?? 0 },
      close: () => this.close(),
      closed,
    };
    NATIVE_TCP.set(this.conn, this);
  }

  /** True while the streams are untouched, so a native splice would miss no byte. */
  canSplice(): boolean {
    return !this.#readDone && !this.#writeDone && !this.#gone && this.#leg === null &&
      !this.conn.readable.locked && !this.conn.writable.locked &&
      this.#controller.desiredSize === BUN_READ_QUEUE_BYTES;
  }

  /**
   * Hands this socket's incoming bytes to `leg` instead of the readable. The streams stay
   * locked from here on; the splice closes the socket when it is done.
   */
  startSplice(leg: SpliceLeg): void {
    this.conn.readable.getReader();
    this.conn.writable.getWriter();
    this.#leg = leg;
    this.#socket.resume();
  }

  /** Writes spliced bytes from `source`, pausing it while this socket cannot take them. */
  writeSpliced(chunk: Uint8Array, source: BunSocketState): void {
    if (this.#gone) throw new Error(`Write to ${this.#describe()} failed: connection is closed`);
    if (this.#pending.length > 0) {
      this.#pending.push(chunk.slice());
      return;
    }
    const written = this.#socket.write(chunk);
    if (written < 0) throw new Error(`Write to ${this.#describe()} failed: socket refused data`);
    if (written < chunk.byteLength) {
      // Bun may reuse its receive buffer after the data callback returns.
      this.#pending.push(chunk.slice(written));
      this.#pausedSource = source;
      source.#socket.pause();
    }
  }

  /** Half-closes this socket once spliced bytes already accepted are written; then `done`. */
  shutdownSpliced(done: () => void): void {
    if (this.#pending.length > 0) {
      this.#shutdownAfterFlush = done;
      return;
    }
    if (!this.#gone) this.#socket.shutdown();
    done();
  }

  /** Bun delivered bytes. */
  onData(chunk: Uint8Array): void {
    if (this.#leg) {
      this.#leg.onData(chunk);
      return;
    }
    if (this.#readDone) return;
    // Bun may reuse its receive buffer after the callback returns.
    this.#controller.enqueue(chunk.slice());
    if ((this.#controller.desiredSize ?? 0) <= 0) this.#socket.pause();
  }

  /** The socket can take more writes. */
  onDrain(): void {
    if (this.#pending.length > 0 && !this.#flushPending()) return;
    const waiter = this.#drainWaiter;
    this.#drainWaiter = null;
    waiter?.();
  }

  /** The peer half-closed. */
  onEnd(): void {
    if (this.#leg) return this.#leg.onEnd();
    this.#finishReading();
    this.#settle();
  }

  /** The socket is fully closed, by either side or by an error. */
  onClose(error?: Error): void {
    this.#gone = true;
    this.#leg?.onClose(error);
    if (!this.#readDone) {
      this.#readDone = true;
      if (error) this.#controller.error(error);
      else this.#controller.close();
    }
    this.onDrain();
    this.#resolveClosed();
  }

  /** Closes both directions now. Idempotent. */
  close(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#finishReading();
    this.onDrain();
    // end(), not terminate(): terminate resets the connection and loses bytes still in flight.
    this.#socket.end();
    this.#resolveClosed();
  }

  /** Writes what is pending; true once all of it is written (and the source resumed). */
  #flushPending(): boolean {
    while (this.#pending.length > 0) {
      if (this.#gone) return false;
      const head = this.#pending[0];
      const written = this.#socket.write(head);
      if (written < 0) {
        this.#leg?.onClose(new Error(`Write to ${this.#describe()} failed: socket refused data`));
        return false;
      }
      if (written < head.byteLength) {
        this.#pending[0] = head.subarray(written);
        return false;
      }
      this.#pending.shift();
    }
    const source = this.#pausedSource;
    this.#pausedSource = null;
    if (source) source.#socket.resume();
    const shutdown = this.#shutdownAfterFlush;
    this.#shutdownAfterFlush = null;
    if (shutdown) this.shutdownSpliced(shutdown);
    return true;
  }

  #describe(): string {
    return `${this.conn.remoteAddr.hostname}:${this.conn.remoteAddr.port}`;
  }

  #finishReading(): void {
    if (this.#readDone) return;
    this.#readDone = true;
    this.#controller.close();
  }

  #settle(): void {
    if (this.#readDone && this.#writeDone) this.close();
  }

  async #write(chunk: Uint8Array): Promise<void> {
    let rest = chunk;
    while (rest.byteLength > 0) {
      if (this.#gone) {
        const { hostname, port } = this.conn.remoteAddr;
        throw new Error(`Write to ${hostname}:${port} failed: connection is closed`);
      }
      const written = this.#socket.write(rest);
      if (written < 0) throw new Error("Write failed: the socket refused the data");
      rest = rest.subarray(written);
      if (rest.byteLength > 0) {
        await new Promise<void>((resolve) => this.#drainWaiter = resolve);
      }
    }
  }
}

/** Where a spliced socket's events go: the splice that owns it. */
export interface SpliceLeg {
  onData(chunk: Uint8Array): void;
  onEnd(): void;
  onClose(error?: Error): void;
}

function handlers(onOpen: (state: BunSocketState) => void): BunSocketHandlers {
  return {
    open(socket) {
      // Both ends of every connection without Nagle: small RPC replies must not wait for ACKs.
      socket.setNoDelay?.(true);
      socket.data = new BunSocketState(socket);
      onOpen(socket.data);
    },
    data: (socket, chunk) => socket.data?.onData(chunk),
    drain: (socket) => socket.data?.onDrain(),
    end: (socket) => socket.data?.onEnd(),
    close: (socket, error) => socket.data?.onClose(error),
    error: (socket, error) => socket.data?.onClose(error),
  };
}

/** Listens for plain TCP connections with `Bun.listen`. */
export function listenBunTcp(bun: BunTcpApi, options: ListenOptions): Promise<Listener> {
  const queue = new AsyncQueue<Conn>(MAX_PENDING_TCP_ACCEPTS);
  let listener: BunTcpListener;
  try {
    listener = bun.listen({
      hostname: options.hostname,
      port: options.port,
      allowHalfOpen: true,
      socket: handlers((state) => {
        if (!queue.push(state.conn)) state.close();
      }),
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return Promise.reject(
      new Error(`Could not listen on ${options.hostname}:${options.port}: ${detail}`, {
        cause: error,
      }),
    );
  }
  const addr: NetAddr = { hostname: listener.hostname, port: listener.port };
  let closed = false;
  return Promise.resolve({
    addr,
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        for (const conn of queue.close()) conn.close();
        // false: connections already accepted stay open.
        listener.stop(false);
      }
      return Promise.resolve();
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  });
}

/** Dials plain TCP with `Bun.connect`, abandoning the attempt after the dial timeout. */
export async function dialBunTcp(bun: BunTcpApi, options: DialOptions): Promise<Conn> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  const target = `${options.hostname}:${options.port}`;
  const attempt = bun.connect({
    hostname: options.hostname,
    port: options.port,
    allowHalfOpen: true,
    socket: { ...handlers(() => {}), connectError: () => {} },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      attempt.then((late) => late.terminate(), () => {});
      reject(new Error(`Could not connect to ${target}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const socket = await Promise.race([attempt, deadline]);
    if (!socket.data) throw new Error("the socket opened without state");
    return socket.data.conn;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("Could not connect")) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not connect to ${target}: ${detail}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
