/**
 * The yamux frame codec: 12-byte headers (version, type, flags, stream id, length) and an
 * incremental decoder that turns arbitrary chunks of a byte stream into whole frames.
 *
 * Pure: no I/O, no timers. Field layout and meanings follow hashicorp/yamux `spec.md`, so
 * frames produced here are understood by the Go implementation used by Consul.
 *
 * @module
 */

/** Size of every yamux frame header in bytes. */
export const HEADER_BYTES = 12;

/** The only yamux protocol version that exists. */
export const YAMUX_VERSION = 0;

/** Receive window every stream starts with, as fixed by the yamux spec (256 KiB). */
export const INITIAL_STREAM_WINDOW_BYTES = 256 * 1024;

/**
 * Default bound on the payload of one received Data frame. A peer may send at most the
 * window it was granted in one frame, so this must be at least the largest receive window.
 */
export const DEFAULT_MAX_DATA_FRAME_BYTES = 16 * 1024 * 1024;

/** Largest value of the u32 header fields. */
export const MAX_U32 = 0xffff_ffff;

/** Frame types (the header's second byte). */
export const FrameType = {
  /** Stream payload; `length` bytes follow the header. */
  Data: 0,
  /** Adds `length` bytes to the receiver's send window of the stream. */
  WindowUpdate: 1,
  /** Liveness and RTT probe; `length` is an opaque value echoed back. */
  Ping: 2,
  /** Session termination; `length` is a {@linkcode GoAwayCode}. */
  GoAway: 3,
} as const;

/** One of the values of {@linkcode FrameType}. */
export type FrameType = typeof FrameType[keyof typeof FrameType];

/** Flag bits (the header's 16-bit flags field). */
export const FrameFlag = {
  /** Opens a stream; on a Ping, marks the request. */
  SYN: 0x1,
  /** Accepts a stream; on a Ping, marks the reply. */
  ACK: 0x2,
  /** Half-closes the stream: the sender sends no more data. */
  FIN: 0x4,
  /** Resets the stream at once. */
  RST: 0x8,
} as const;

/** GoAway error codes (the `length` field of a GoAway frame). */
export const GoAwayCode = {
  Normal: 0,
  ProtocolError: 1,
  InternalError: 2,
} as const;

/** A decoded yamux frame header. */
export interface FrameHeader {
  readonly type: FrameType;
  /** Bitwise OR of {@linkcode FrameFlag} values. */
  readonly flags: number;
  readonly streamId: number;
  /** Payload length for Data; window delta, ping value or GoAway code otherwise. */
  readonly length: number;
}

/** A whole frame: its header and, for Data frames, the payload (empty otherwise). */
export interface Frame extends FrameHeader {
  readonly payload: Uint8Array;
}

/** Raised when the peer sends bytes that are not valid yamux; the session must be closed. */
export class YamuxProtocolError extends Error {
  /** Builds the error with a sentence saying what the peer sent and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "YamuxProtocolError";
  }
}

const FRAME_TYPE_NAMES = ["Data", "WindowUpdate", "Ping", "GoAway"] as const;

/** Human name of a frame type, for errors and logs. */
export function frameTypeName(type: number): string {
  return FRAME_TYPE_NAMES[type] ?? `unknown(${type})`;
}

/** Writes a 12-byte header for `header` into `target` at `offset`. */
export function writeFrameHeader(target: Uint8Array, offset: number, header: FrameHeader): void {
  assertU32(header.streamId, "stream id");
  assertU32(header.length, "length");
  if (!Number.isInteger(header.flags) || header.flags < 0 || header.flags > 0xffff) {
    throw new RangeError(`Yamux flags must fit in 16 bits, got ${header.flags}`);
  }
  const view = new DataView(target.buffer, target.byteOffset + offset, HEADER_BYTES);
  view.setUint8(0, YAMUX_VERSION);
  view.setUint8(1, header.type);
  view.setUint16(2, header.flags);
  view.setUint32(4, header.streamId);
  view.setUint32(8, header.length);
}

/** Encodes a header-only frame (WindowUpdate, Ping, GoAway, or an empty Data frame). */
export function encodeFrameHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  writeFrameHeader(out, 0, header);
  return out;
}

/** Encodes a Data frame carrying `payload` as one contiguous buffer. */
export function encodeDataFrame(flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  writeFrameHeader(out, 0, {
    type: FrameType.Data,
    flags,
    streamId,
    length: payload.byteLength,
  });
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Options for {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest Data payload accepted; larger frames are a protocol error. */
  readonly maxDataFrameBytes?: number;
}

/**
 * Incremental decoder: feed it chunks as they arrive, get back the frames they complete.
 *
 * Holds at most one partial header and one partial payload (bounded by `maxDataFrameBytes`).
 * After a {@linkcode YamuxProtocolError} the decoder stays failed and rethrows it.
 *
 * @example
 * ```ts
 * const decoder = new FrameDecoder();
 * for (const frame of decoder.push(chunk)) handle(frame);
 * ```
 */
export class FrameDecoder {
  #maxDataFrameBytes: number;
  #header = new Uint8Array(HEADER_BYTES);
  #headerFilled = 0;
  #pending: FrameHeader | null = null;
  #payload: Uint8Array | null = null;
  #payloadFilled = 0;
  #failure: YamuxProtocolError | null = null;

  /** Creates a decoder; see {@linkcode FrameDecoderOptions}. */
  constructor(options: FrameDecoderOptions = {}) {
    this.#maxDataFrameBytes = options.maxDataFrameBytes ?? DEFAULT_MAX_DATA_FRAME_BYTES;
  }

  /** True when no partial frame is buffered (a clean point to end the stream). */
  get idle(): boolean {
    return this.#headerFilled === 0 && this.#pending === null;
  }

  /**
   * Consumes `chunk` and returns every frame it completes, in order. Payloads may be views
   * into `chunk`, so the caller must not reuse the chunk's memory.
   * @throws {YamuxProtocolError} on an unknown version or type, a misaddressed frame, or a
   * Data frame larger than the bound.
   */
  push(chunk: Uint8Array): Frame[] {
    if (this.#failure) throw this.#failure;
    const frames: Frame[] = [];
    let offset = 0;
    try {
      while (offset < chunk.byteLength || this.#readyEmptyPayload()) {
        if (this.#pending === null) {
          const take = Math.min(HEADER_BYTES - this.#headerFilled, chunk.byteLength - offset);
          this.#header.set(chunk.subarray(offset, offset + take), this.#headerFilled);
          this.#headerFilled += take;
          offset += take;
          if (this.#headerFilled < HEADER_BYTES) break;
          this.#headerFilled = 0;
          this.#pending = this.#parseHeader(this.#header);
        }
        offset = this.#takePayload(chunk, offset, frames);
      }
    } catch (error) {
      if (error instanceof YamuxProtocolError) this.#failure = error;
      throw error;
    }
    return frames;
  }

  #readyEmptyPayload(): boolean {
    return this.#pending !== null && this.#payloadLength(this.#pending) === 0;
  }

  #payloadLength(header: FrameHeader): number {
    return header.type === FrameType.Data ? header.length : 0;
  }

  /** Moves payload bytes from `chunk`; emits the frame when complete. Returns the new offset. */
  #takePayload(chunk: Uint8Array, offset: number, frames: Frame[]): number {
    const header = this.#pending!;
    const length = this.#payloadLength(header);
    if (this.#payload === null) {
      const available = chunk.byteLength - offset;
      if (available >= length) {
        // Whole payload in this chunk: hand out a view instead of copying.
        frames.push({ ...header, payload: chunk.subarray(offset, offset + length) });
        this.#pending = null;
        return offset + length;
      }
      this.#payload = new Uint8Array(length);
      this.#payloadFilled = 0;
    }
    const take = Math.min(length - this.#payloadFilled, chunk.byteLength - offset);
    this.#payload.set(chunk.subarray(offset, offset + take), this.#payloadFilled);
    this.#payloadFilled += take;
    if (this.#payloadFilled === length) {
      frames.push({ ...header, payload: this.#payload });
      this.#payload = null;
      this.#pending = null;
    }
    return offset + take;
  }

  #parseHeader(bytes: Uint8Array): FrameHeader {
    const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    const version = view.getUint8(0);
    const type = view.getUint8(1);
    const flags = view.getUint16(2);
    const streamId = view.getUint32(4);
    const length = view.getUint32(8);
    if (version !== YAMUX_VERSION) {
      throw new YamuxProtocolError(
        `Received yamux version ${version}; only version ${YAMUX_VERSION} exists, ` +
          "so the peer is not speaking yamux",
      );
    }
    if (type > FrameType.GoAway) {
      throw new YamuxProtocolError(
        `Received unknown yamux frame type ${type}; valid types are 0 (Data) to 3 (GoAway)`,
      );
    }
    const isSessionType = type === FrameType.Ping || type === FrameType.GoAway;
    if (isSessionType && streamId !== 0) {
      throw new YamuxProtocolError(
        `Received a ${frameTypeName(type)} frame for stream ${streamId}; ` +
          "Ping and GoAway must use stream 0",
      );
    }
    if (!isSessionType && streamId === 0) {
      throw new YamuxProtocolError(
        `Received a ${frameTypeName(type)} frame for stream 0; stream 0 is the session itself`,
      );
    }
    if (type === FrameType.Data && length > this.#maxDataFrameBytes) {
      throw new YamuxProtocolError(
        `Received a yamux Data frame of ${length} bytes; the limit is ` +
          `${this.#maxDataFrameBytes} bytes`,
      );
    }
    return { type: type as FrameType, flags, streamId, length };
  }
}

function assertU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw new RangeError(`Yamux ${what} must be an unsigned 32-bit integer, got ${value}`);
  }
}
