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

import { AsyncQueue } from "./_async_queue.ts";
import { DEFAULT_DIAL_TIMEOUT_MS } from "./_node_tls.ts";
import type { Conn, DialOptions, Listener, ListenOptions, NetAddr } from "./ports.ts";

/** Bytes a socket's readable queues before the socket is paused. */
export const BUN_READ_QUEUE_BYTES = 256 * 1024;
/** Accepted connections a listener holds for its consumer; beyond this they are refused. */
export const MAX_PENDING_TCP_ACCEPTS = 128;

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
  }

  /** Bun delivered bytes. */
  onData(chunk: Uint8Array): void {
    if (this.#readDone) return;
    // Bun may reuse its receive buffer after the callback returns.
    this.#controller.enqueue(chunk.slice());
    if ((this.#controller.desiredSize ?? 0) <= 0) this.#socket.pause();
  }

  /** The socket can take more writes. */
  onDrain(): void {
    const waiter = this.#drainWaiter;
    this.#drainWaiter = null;
    waiter?.();
  }

  /** The peer half-closed. */
  onEnd(): void {
    this.#finishReading();
    this.#settle();
  }

  /** The socket is fully closed, by either side or by an error. */
  onClose(error?: Error): void {
    this.#gone = true;
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
