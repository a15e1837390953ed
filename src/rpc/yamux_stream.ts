/**
 * One yamux stream: a `Conn`-shaped pair of web streams with per-stream flow control.
 *
 * The receive side buffers at most the window it granted the peer, and grants more only as
 * the application reads (so a slow reader slows the sender). The send side writes no more
 * than the window the peer granted and waits for WindowUpdate frames otherwise (so a slow
 * connection slows the writer). Frames go out through the owning session ({@linkcode
 * StreamHost}); this file never touches the connection itself.
 *
 * @module
 */

import type { Conn, NetAddr } from "../runtime/ports.ts";
import { FrameFlag, FrameType } from "./yamux_frame.ts";
import { StreamClosedError, StreamResetError } from "./yamux_errors.ts";

/** Largest Data payload this side puts in one frame, so streams interleave fairly. */
export const MAX_SEND_FRAME_BYTES = 64 * 1024;

/** What a stream needs from its session. */
export interface StreamHost {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  /** Queues a header-only frame for this stream without waiting for the connection. */
  sendHeader(type: FrameType, flags: number, streamId: number, length: number): void;
  /** Sends one Data frame; resolves once the connection accepted it (backpressure). */
  sendData(flags: number, streamId: number, payload: Uint8Array): Promise<void>;
  /** Called once when the stream needs no more frames (both FINs, or a reset). */
  streamFinished(streamId: number): void;
}

/** Window sizes for a new stream. */
export interface StreamWindows {
  /** The window both ends assume at open (256 KiB per the spec). */
  readonly initialBytes: number;
  /** The receive window this end grants once the stream is open. */
  readonly maxReceiveBytes: number;
}

/**
 * A yamux stream. Use it like any `Conn`: write to `writable`, read from `readable`.
 * Closing `writable` sends FIN (half-close); `readable` ends when the peer sends FIN.
 * `close()` after both ends finished is a no-op; while the peer may still send, it resets.
 */
export class YamuxStream implements Conn {
  /** The yamux stream id: odd when the client side opened it, even for the server side. */
  readonly id: number;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once the stream is finished: both ends sent FIN, or it was reset or torn down. */
  readonly closed: Promise<void>;

  #host: StreamHost;
  #maxReceiveBytes: number;
  #recvWindow: number;
  #sendWindow: number;
  #chunks: Uint8Array[] = [];
  #bufferedBytes = 0;
  #readWaiter: (() => void) | null = null;
  #sendWaiter: (() => void) | null = null;
  #writeController!: WritableStreamDefaultController;
  #readCancelled = false;
  #localFin = false;
  #remoteFin = false;
  #ackPending: boolean;
  #error: Error | null = null;
  #finished = false;
  #resolveClosed!: () => void;

  /**
   * Creates the stream object; the session sends the opening frame.
   * @param inbound true when the peer opened it (we owe an ACK when it is accepted).
   */
  constructor(host: StreamHost, id: number, windows: StreamWindows, inbound: boolean) {
    this.#host = host;
    this.id = id;
    this.#maxReceiveBytes = windows.maxReceiveBytes;
    this.#recvWindow = windows.initialBytes;
    this.#sendWindow = windows.initialBytes;
    this.#ackPending = inbound;
    this.closed = new Promise<void>((resolve) => this.#resolveClosed = resolve);
    this.readable = new ReadableStream<Uint8Array>({
      pull: (controller) => this.#pull(controller),
      cancel: () => this.#cancelReading(),
    }, { highWaterMark: 0 });
    this.writable = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#writeController = controller;
      },
      write: (chunk) => this.#write(chunk),
      close: () => this.#closeWriting(),
      abort: () => this.reset(),
    });
  }

  /** The session connection's local address. */
  get localAddr(): NetAddr {
    return this.#host.localAddr;
  }

  /** The session connection's remote address. */
  get remoteAddr(): NetAddr {
    return this.#host.remoteAddr;
  }

  /** Bytes received and not yet read by the application. */
  get receiveBufferedBytes(): number {
    return this.#bufferedBytes;
  }

  /** Bytes this end may still send before the peer grants more. */
  get sendWindowBytes(): number {
    return this.#sendWindow;
  }

  /** True once the stream needs no more frames. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Opening frame for an outbound stream: SYN plus any window beyond the initial one. */
  sendSyn(): void {
    this.#sendWindowUpdate(FrameFlag.SYN, true);
  }

  /** Accepts an inbound stream: ACK plus any window beyond the initial one. */
  sendAck(): void {
    if (!this.#ackPending || this.#finished) return;
    this.#ackPending = false;
    this.#sendWindowUpdate(FrameFlag.ACK, true);
  }

  /** Resets the stream: RST to the peer, both directions fail. Idempotent. */
  reset(): void {
    if (this.#finished) return;
    this.#host.sendHeader(FrameType.WindowUpdate, FrameFlag.RST, this.id, 0);
    this.#fail(new StreamResetError(this.id, "local"));
  }

  /** Closes both directions now: no-op once finished, a reset while the peer may send. */
  close(): void {
    if (this.#finished) return;
    if (this.#remoteFin && !this.#localFin) {
      this.#sendFin();
      this.#failWritable(new StreamClosedError(this.id));
      return;
    }
    this.reset();
  }

  /** Session side: the peer's Data payload arrived (already checked against the window). */
  receiveData(payload: Uint8Array): void {
    if (this.#remoteFin || this.#finished || payload.byteLength === 0) return;
    this.#recvWindow -= payload.byteLength;
    if (this.#readCancelled) {
      this.#maybeGrantWindow();
      return;
    }
    this.#chunks.push(payload);
    this.#bufferedBytes += payload.byteLength;
    this.#wakeReader();
  }

  /** Session side: how many more bytes the peer may send right now. */
  get receiveWindowBytes(): number {
    return this.#recvWindow;
  }

  /** Session side: the peer granted `delta` more bytes of send window. */
  growSendWindow(delta: number): void {
    if (delta === 0) return;
    this.#sendWindow += delta;
    this.#wakeSender();
  }

  /** Session side: the peer sent FIN; the readable ends after buffered data. */
  receiveFin(): void {
    if (this.#remoteFin || this.#finished) return;
    this.#remoteFin = true;
    this.#wakeReader();
    this.#finishIfDone();
  }

  /** Session side: the peer sent RST. */
  receiveReset(): void {
    if (this.#finished) return;
    this.#fail(new StreamResetError(this.id, "remote"));
  }

  /** Session side: the session is gone; every pending and later operation fails. */
  teardown(error: Error): void {
    if (this.#finished) return;
    this.#fail(error);
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk) {
        this.#bufferedBytes -= chunk.byteLength;
        controller.enqueue(chunk);
        this.#maybeGrantWindow();
        return;
      }
      if (this.#error) {
        controller.error(this.#error);
        return;
      }
      if (this.#remoteFin) {
        controller.close();
        return;
      }
      await new Promise<void>((resolve) => this.#readWaiter = resolve);
    }
  }

  #cancelReading(): void {
    // The application wants no more data: drop what is buffered and keep crediting the peer
    // so its writes (and our own writes on this stream) are not stalled.
    this.#readCancelled = true;
    this.#chunks = [];
    this.#bufferedBytes = 0;
    this.#maybeGrantWindow();
  }

  async #write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      this.#throwIfCannotWrite();
      if (this.#sendWindow === 0) {
        await new Promise<void>((resolve) => this.#sendWaiter = resolve);
        continue;
      }
      const size = Math.min(chunk.byteLength - offset, this.#sendWindow, MAX_SEND_FRAME_BYTES);
      this.#sendWindow -= size;
      await this.#host.sendData(this.#takeFlags(), this.id, chunk.subarray(offset, offset + size));
      offset += size;
    }
  }

  #closeWriting(): void {
    this.#throwIfCannotWrite();
    this.#sendFin();
  }

  #throwIfCannotWrite(): void {
    if (this.#error) throw this.#error;
    if (this.#localFin) throw new StreamClosedError(this.id);
  }

  #sendFin(): void {
    this.#localFin = true;
    this.#host.sendHeader(FrameType.WindowUpdate, this.#takeFlags() | FrameFlag.FIN, this.id, 0);
    this.#finishIfDone();
  }

  /** An accepted stream whose ACK has not gone out yet carries it on its next frame. */
  #takeFlags(): number {
    if (!this.#ackPending) return 0;
    this.#ackPending = false;
    return FrameFlag.ACK;
  }

  /**
   * Grants the peer the room freed by reads, once it is at least half the window: smaller
   * updates would cost a frame per read for no throughput gain.
   */
  #maybeGrantWindow(): void {
    if (this.#remoteFin || this.#finished) return;
    this.#sendWindowUpdate(0, false);
  }

  #sendWindowUpdate(flags: number, force: boolean): void {
    const delta = (this.#maxReceiveBytes - this.#bufferedBytes) - this.#recvWindow;
    if (!force && delta < this.#maxReceiveBytes / 2) return;
    const grant = Math.max(0, delta);
    this.#recvWindow += grant;
    this.#host.sendHeader(FrameType.WindowUpdate, flags | this.#takeFlags(), this.id, grant);
  }

  #fail(error: Error): void {
    this.#error = error;
    this.#chunks = [];
    this.#bufferedBytes = 0;
    this.#wakeReader();
    this.#failWritable(error);
    this.#finish();
  }

  #failWritable(error: Error): void {
    this.#wakeSender();
    try {
      this.#writeController.error(error);
    } catch {
      // The writable already closed or errored; nothing left to fail.
    }
  }

  #finishIfDone(): void {
    if (this.#localFin && this.#remoteFin) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#host.streamFinished(this.id);
    this.#resolveClosed();
  }

  #wakeReader(): void {
    const wake = this.#readWaiter;
    this.#readWaiter = null;
    wake?.();
  }

  #wakeSender(): void {
    const wake = this.#sendWaiter;
    this.#sendWaiter = null;
    wake?.();
  }
}
