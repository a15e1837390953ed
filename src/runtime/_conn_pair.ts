/**
 * An in-memory connected pair of Conns with bounded queues, for tests and simulations.
 * Re-exported by `streams.ts`.
 *
 * @module
 */

import type { Conn, NetAddr } from "./ports.ts";

/** Bytes one direction of a {@linkcode connPair} queues before its writer waits. */
export const CONN_PAIR_CAPACITY_BYTES = 256 * 1024;

/** Error seen by a writer whose peer has gone. */
export class ConnectionClosedError extends Error {
  /** Builds the error with a message naming what was attempted. */
  constructor(message = "Write failed because the connection is closed") {
    super(message);
    this.name = "ConnectionClosedError";
  }
}

/** A resettable wake-up signal between the two ends of an in-memory pipe. */
class Signal {
  #wake: (() => void) | null = null;
  #promise: Promise<void> | null = null;

  wait(): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => this.#wake = resolve);
    return this.#promise;
  }

  notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    this.#promise = null;
    wake?.();
  }
}

/** One direction of an in-memory connection: a bounded byte queue. */
class BoundedPipe {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  #finished = false;
  #readerGone = false;
  #readEnded = false;
  #writeEnded = false;
  #data = new Signal();
  #space = new Signal();
  #capacityBytes: number;
  #onEnd: () => void;

  constructor(capacityBytes: number, onEnd: () => void) {
    this.#capacityBytes = capacityBytes;
    this.#onEnd = onEnd;
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.stopReading(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => this.finishWriting(),
      abort: () => this.finishWriting(),
    });
  }

  /** True once the reading end has seen end of stream or gone away. */
  get readEnded(): boolean {
    return this.#readEnded;
  }

  /** True once the writing end has closed, aborted or gone away. */
  get writeEnded(): boolean {
    return this.#writeEnded;
  }

  /** Writer side is done: the reader sees end of stream after what is queued. */
  finishWriting(): void {
    this.#finished = true;
    this.#writeEnded = true;
    this.#data.notify();
    // A write blocked on a full pipe must wake and fail rather than wait forever.
    this.#space.notify();
    this.#onEnd();
  }

  /** Reader side is gone: queued bytes are dropped and further writes fail. */
  stopReading(): void {
    this.#readerGone = true;
    this.#readEnded = true;
    this.#chunks = [];
    this.#bytes = 0;
    this.#space.notify();
    this.#data.notify();
    this.#onEnd();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.#chunks.length === 0 && !this.#finished && !this.#readerGone) {
      await this.#data.wait();
    }
    const chunk = this.#chunks.shift();
    if (chunk) {
      this.#bytes -= chunk.byteLength;
      this.#space.notify();
      controller.enqueue(chunk);
      return;
    }
    try {
      controller.close();
    } catch {
      // Already closed by a cancel that raced this pull.
    }
    this.#readEnded = true;
    this.#onEnd();
  }

  async #write(chunk: Uint8Array): Promise<void> {
    while (
      !this.#readerGone && !this.#finished && this.#bytes > 0 &&
      this.#bytes + chunk.byteLength > this.#capacityBytes
    ) {
      await this.#space.wait();
    }
    if (this.#readerGone || this.#finished) throw new ConnectionClosedError();
    if (chunk.byteLength === 0) return;
    // Copy, as a kernel would: the writer may reuse its buffer once the write resolves.
    this.#chunks.push(chunk.slice());
    this.#bytes += chunk.byteLength;
    this.#data.notify();
  }
}

/**
 * Returns two connected in-memory Conns: what one writes the other reads. Each direction
 * queues at most `capacityBytes` (plus one chunk) before writes wait. `close()` on one end
 * ends the peer's readable after the bytes already queued, and makes the peer's writes fail.
 */
export function connPair(
  options: { capacityBytes?: number; addrs?: [NetAddr, NetAddr] } = {},
): [Conn, Conn] {
  const capacity = options.capacityBytes ?? CONN_PAIR_CAPACITY_BYTES;
  const [addrA, addrB] = options.addrs ??
    [{ hostname: "memory", port: 1 }, { hostname: "memory", port: 2 }];
  const ends: Array<() => void> = [];
  const aToB = new BoundedPipe(capacity, () => ends.forEach((f) => f()));
  const bToA = new BoundedPipe(capacity, () => ends.forEach((f) => f()));
  const a = memoryConn(bToA, aToB, addrA, addrB, ends);
  const b = memoryConn(aToB, bToA, addrB, addrA, ends);
  return [a, b];
}

function memoryConn(
  inbound: BoundedPipe,
  outbound: BoundedPipe,
  localAddr: NetAddr,
  remoteAddr: NetAddr,
  ends: Array<() => void>,
): Conn {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => resolveClosed = resolve);
  let isClosed = false;
  const markClosed = () => {
    if (isClosed) return;
    isClosed = true;
    resolveClosed();
  };
  ends.push(() => {
    // Done when our reading has ended and our writing can have no further effect.
    if (inbound.readEnded && (outbound.writeEnded || outbound.readEnded)) markClosed();
  });
  return {
    readable: inbound.readable,
    writable: outbound.writable,
    localAddr,
    remoteAddr,
    closed,
    close() {
      if (isClosed) return;
      outbound.finishWriting();
      inbound.stopReading();
      markClosed();
    },
  };
}
