/**
 * Pure web-stream helpers shared by every layer: peek-then-dispatch (`prependBytes`,
 * {@linkcode ByteReader}), splicing two connections (`pipeBoth`) and an in-memory connected
 * pair of connections (`connPair`) for tests and simulations.
 *
 * Nothing here touches sockets, timers or the runtime; every buffer is bounded.
 *
 * @module
 */

import type { Conn, SpliceOptions, SpliceResult } from "./ports.ts";

export { CONN_PAIR_CAPACITY_BYTES, ConnectionClosedError, connPair } from "./_conn_pair.ts";

/** Default bound on the bytes a {@linkcode ByteReader} holds that the caller has not consumed. */
export const DEFAULT_MAX_READER_BUFFER_BYTES = 1024 * 1024;

/** Raised when a stream ends before the bytes a reader asked for arrived. */
export class UnexpectedEofError extends Error {
  /** The number of bytes the reader asked for. */
  readonly expectedBytes: number;
  /** The number of bytes that were available when the stream ended. */
  readonly receivedBytes: number;

  /** Builds the error for a read of `expectedBytes` that saw only `receivedBytes`. */
  constructor(expectedBytes: number, receivedBytes: number) {
    super(
      `Stream ended after ${receivedBytes} of ${expectedBytes} expected bytes; ` +
        "the peer closed the connection early",
    );
    this.name = "UnexpectedEofError";
    this.expectedBytes = expectedBytes;
    this.receivedBytes = receivedBytes;
  }
}

/** Raised when a read would need more buffered bytes than the reader's bound allows. */
export class ReaderBufferLimitError extends Error {
  /** Builds the error for a request of `requestedBytes` against a limit of `maxBufferBytes`. */
  constructor(requestedBytes: number, maxBufferBytes: number) {
    super(
      `A read of ${requestedBytes} bytes exceeds the reader buffer limit of ` +
        `${maxBufferBytes} bytes; read in smaller pieces or raise maxBufferBytes`,
    );
    this.name = "ReaderBufferLimitError";
  }
}

/**
 * Returns a Conn whose `readable` yields `bytes` first and then the rest of `conn.readable`.
 * Everything else is `conn`'s own. Used to hand back bytes consumed while peeking.
 *
 * @example
 * ```ts
 * const first = await new ByteReader(conn.readable).readExactly(1);
 * const whole = prependBytes(conn, first); // dispatch `whole` by `first[0]`
 * ```
 */
export function prependBytes(conn: Conn, bytes: Uint8Array): Conn {
  return replaceReadable(conn, prependToReadable(conn.readable, bytes));
}

/** Returns a stream that yields `bytes` (if non-empty) and then everything `rest` yields. */
export function prependToReadable(
  rest: ReadableStream<Uint8Array>,
  bytes: Uint8Array,
): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = bytes.byteLength > 0 ? bytes : null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending) {
        controller.enqueue(pending);
        pending = null;
        return;
      }
      reader ??= rest.getReader();
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      pending = null;
      if (reader) await reader.cancel(reason);
      else await rest.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Returns a Conn like `conn` but reading from `readable`, e.g. the stream a
 * {@linkcode ByteReader} hands back from `intoReadable()`.
 */
export function replaceReadable(conn: Conn, readable: ReadableStream<Uint8Array>): Conn {
  return {
    readable,
    get writable() {
      return conn.writable;
    },
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    close: () => conn.close(),
    closed: conn.closed,
  };
}

/**
 * Reads exact byte counts from a stream of chunks, with a bounded look-ahead buffer.
 *
 * The reader holds the stream's lock until {@linkcode ByteReader.intoReadable} or
 * {@linkcode ByteReader.releaseLock} gives it back.
 */
export class ByteReader {
  #stream: ReadableStream<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #eof = false;
  #maxBufferBytes: number;

  /** Locks `stream` for reading; `maxBufferBytes` bounds peeks and exact reads. */
  constructor(
    stream: ReadableStream<Uint8Array>,
    options: { maxBufferBytes?: number } = {},
  ) {
    this.#stream = stream;
    this.#reader = stream.getReader();
    this.#maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_READER_BUFFER_BYTES;
  }

  /** Bytes received but not yet consumed. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Returns exactly `n` bytes.
   * @throws {UnexpectedEofError} when the stream ends first.
   * @throws {ReaderBufferLimitError} when `n` exceeds the buffer bound.
   */
  async readExactly(n: number): Promise<Uint8Array> {
    const bytes = await this.peek(n);
    this.#consume(n);
    return bytes;
  }

  /** Returns between 1 and `n` bytes, or `null` once the stream has ended. */
  async readAtMost(n: number): Promise<Uint8Array | null> {
    assertCount(n);
    if (this.#buffered === 0 && !(await this.#fill())) return null;
    const take = Math.min(n, this.#chunks[0].byteLength);
    const bytes = this.#chunks[0].subarray(0, take);
    this.#consume(take);
    return bytes;
  }

  /**
   * Returns the next `n` bytes without consuming them.
   * @throws {UnexpectedEofError} when the stream ends first.
   * @throws {ReaderBufferLimitError} when `n` exceeds the buffer bound.
   */
  async peek(n: number): Promise<Uint8Array> {
    assertCount(n);
    if (n > this.#maxBufferBytes) throw new ReaderBufferLimitError(n, this.#maxBufferBytes);
    while (this.#buffered < n) {
      if (!(await this.#fill())) throw new UnexpectedEofError(n, this.#buffered);
    }
    return this.#copyFront(n);
  }

  /** Resolves true when the stream has ended and every byte has been consumed. */
  async atEof(): Promise<boolean> {
    return this.#buffered === 0 && !(await this.#fill());
  }

  /**
   * Releases the stream and returns one that yields the unconsumed buffered bytes and then
   * the rest of the original stream. The reader must not be used afterwards.
   */
  intoReadable(): ReadableStream<Uint8Array> {
    const buffered = this.#copyFront(this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    this.#reader.releaseLock();
    return prependToReadable(this.#stream, buffered);
  }

  /** Releases the stream lock, dropping any unconsumed buffered bytes. */
  releaseLock(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#reader.releaseLock();
  }

  /** Cancels the underlying stream. */
  async cancel(reason?: unknown): Promise<void> {
    this.#chunks = [];
    this.#buffered = 0;
    await this.#reader.cancel(reason);
  }

  /** Reads one more chunk into the buffer; false at end of stream. */
  async #fill(): Promise<boolean> {
    while (!this.#eof) {
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#eof = true;
        break;
      }
      if (value.byteLength === 0) continue;
      this.#chunks.push(value);
      this.#buffered += value.byteLength;
      return true;
    }
    return false;
  }

  #copyFront(n: number): Uint8Array {
    if (this.#chunks.length > 0 && this.#chunks[0].byteLength >= n) {
      return this.#chunks[0].subarray(0, n);
    }
    const out = new Uint8Array(n);
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset >= n) break;
      const part = chunk.subarray(0, Math.min(chunk.byteLength, n - offset));
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }

  #consume(n: number): void {
    let left = n;
    while (left > 0) {
      const head = this.#chunks[0];
      if (head.byteLength <= left) {
        this.#chunks.shift();
        left -= head.byteLength;
      } else {
        this.#chunks[0] = head.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
  }
}

function assertCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Byte count must be a non-negative integer, got ${n}`);
  }
}

/** What {@linkcode pipeBoth} moved before both directions finished. */
export type PipeResult = SpliceResult;

/**
 * Splices two connections: bytes from each readable go to the other's writable, waiting on
 * the destination (backpressure). When one side half-closes, the other side's writable is
 * closed and the opposite direction keeps flowing. Resolves once both directions ended;
 * both connections are then closed. An error in either direction closes both at once.
 * `options.onBytes` hears of every chunk as it is handed to its destination.
 */
export function pipeBoth(a: Conn, b: Conn, options: SpliceOptions = {}): Promise<PipeResult> {
  return spliceDirections({
    aToB: (count) => pump(a.readable, b.writable, count),
    bToA: (count) => pump(b.readable, a.writable, count),
    closeBoth: () => {
      a.close();
      b.close();
    },
  }, options);
}

/** The two copies of a splice, and how to end it; see {@linkcode spliceDirections}. */
export interface SpliceDirections {
  /** Copies a's bytes to b until a ends (then half-closes b), reporting each chunk to `count`. */
  aToB(count: (n: number) => void): Promise<void>;
  /** The same from b to a. */
  bToA(count: (n: number) => void): Promise<void>;
  /** Closes both connections; called on the first failure and when both copies are done. */
  closeBoth(): void;
  /** True when a failure is only the echo of a local close (idle timeout, shutdown). */
  closedLocally?(): boolean;
}

/**
 * Runs both copies of a splice at once and counts what each moved. The first failure closes
 * both ends and is reported in the result, unless it followed a local close.
 */
export async function spliceDirections(
  directions: SpliceDirections,
  options: SpliceOptions = {},
): Promise<SpliceResult> {
  const counts = { aToB: 0, bToA: 0 };
  let failed = false;
  let firstError: unknown = undefined;
  const fail = (error: unknown) => {
    if (!failed && !directions.closedLocally?.()) {
      failed = true;
      firstError = error;
    }
    directions.closeBoth();
  };
  const onBytes = options.onBytes;
  await Promise.all([
    directions.aToB((n) => {
      counts.aToB += n;
      onBytes?.("aToB", n);
    }).catch(fail),
    directions.bToA((n) => {
      counts.bToA += n;
      onBytes?.("bToA", n);
    }).catch(fail),
  ]);
  directions.closeBoth();
  return failed ? { ...counts, error: firstError } : counts;
}

async function pump(
  from: ReadableStream<Uint8Array>,
  to: WritableStream<Uint8Array>,
  count: (n: number) => void,
): Promise<void> {
  const reader = from.getReader();
  const writer = to.getWriter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writer.ready;
      // Pipelined: the next read overlaps this write; `ready` bounds what is in flight. A
      // failed write cancels the pending read so the failure surfaces at `close()` below.
      writer.write(value).catch((error) => reader.cancel(error).catch(() => {}));
      count(value.byteLength);
    }
    await writer.close();
  } catch (error) {
    reader.cancel(error).catch(() => {});
    writer.abort(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
    writer.releaseLock();
  }
}
