/**
 * A yamux session: many {@linkcode YamuxStream}s multiplexed over one `Conn`.
 *
 * Wire-compatible with hashicorp/yamux (what Consul uses for `consul/rpc-multi` and the
 * RPCMultiplexV2 type byte): client ends open odd stream ids, server ends even ones; a stream
 * opens with SYN and is accepted with ACK (sent when the application accepts it); each stream
 * has its own receive window (256 KiB to start); Ping measures RTT and keeps the connection
 * alive; GoAway refuses new streams. Bad bytes from the peer close this session only, send
 * GoAway(protocol error) and are counted in {@linkcode YamuxCounters}.
 *
 * Timers come from the `Clock` port so tests drive keepalives with a fake clock.
 *
 * @module
 */

import type { Clock, Conn, NetAddr, Timer } from "../runtime/ports.ts";
import {
  encodeDataFrame,
  encodeFrameHeader,
  type Frame,
  FrameDecoder,
  FrameFlag,
  FrameType,
  GoAwayCode,
  MAX_U32,
  YamuxProtocolError,
} from "./yamux_frame.ts";
import { type StreamHost, YamuxStream } from "./yamux_stream.ts";
import {
  CLOSE_FLUSH_TIMEOUT_MS,
  MAX_PENDING_CONTROL_FRAMES,
  newYamuxCounters,
  type ResolvedSessionOptions,
  resolveSessionOptions,
  type YamuxCounters,
  type YamuxSessionOptions,
} from "./yamux_config.ts";
import { PingTracker } from "./yamux_pings.ts";
import {
  PingTimeoutError,
  RemoteGoAwayError,
  SessionClosedError,
  StreamLimitError,
} from "./yamux_errors.ts";

/** A yamux session over one connection. */
export class YamuxSession {
  /** Resolves once the session has closed, with what closed it (undefined: a local close). */
  readonly closed: Promise<Error | undefined>;

  #conn: Conn;
  #clock: Clock;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #streams = new Map<number, YamuxStream>();
  #backlog: YamuxStream[] = [];
  #acceptWaiters: Array<(stream: YamuxStream | null) => void> = [];
  #pings: PingTracker;
  #nextStreamId: number;
  #pendingControl = 0;
  #localGoAway = false;
  #remoteGoAway = false;
  #closeError: Error | null = null;
  #resolveClosed!: (error: Error | undefined) => void;
  #closedRejection: Promise<never>;
  #rejectClosed!: (error: Error) => void;
  #keepaliveTimer: Timer | null = null;
  #counters: YamuxCounters;
  #host: StreamHost;
  #options: ResolvedSessionOptions;

  /** Starts the session: reading frames from `conn` and, if enabled, keepalive pings. */
  constructor(conn: Conn, options: YamuxSessionOptions) {
    this.#conn = conn;
    this.#clock = options.clock;
    this.#counters = options.counters ?? newYamuxCounters();
    this.#options = resolveSessionOptions(options);
    this.#pings = new PingTracker(options.clock, this.#options.pingTimeoutMs);
    this.#nextStreamId = options.role === "client" ? 1 : 2;
    this.#writer = conn.writable.getWriter();
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#closedRejection = new Promise<never>((_, reject) => this.#rejectClosed = reject);
    this.#closedRejection.catch(() => {});
    this.#host = {
      localAddr: conn.localAddr,
      remoteAddr: conn.remoteAddr,
      sendHeader: (type, flags, id, length) =>
        this.#sendControl(encodeFrameHeader({ type, flags, streamId: id, length })),
      sendData: (flags, id, payload) => this.#sendData(encodeDataFrame(flags, id, payload)),
      streamFinished: (id) => this.#streams.delete(id),
    };
    this.#readLoop();
    this.#scheduleKeepalive();
  }

  /** The underlying connection's local address. */
  get localAddr(): NetAddr {
    return this.#conn.localAddr;
  }

  /** The underlying connection's remote address. */
  get remoteAddr(): NetAddr {
    return this.#conn.remoteAddr;
  }

  /** True once the session has closed. */
  get isClosed(): boolean {
    return this.#closeError !== null;
  }

  /** Streams currently open (not yet finished) in either direction. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** The RTT measured by the latest answered ping, or null before the first one. */
  get lastRttMs(): number | null {
    return this.#pings.lastRttMs;
  }

  /** True once the peer sent GoAway: `open()` will fail. */
  get remoteGoAway(): boolean {
    return this.#remoteGoAway;
  }

  /**
   * Opens a stream. Data may be written at once; the peer's ACK is not awaited.
   * @throws {SessionClosedError} when the session is closed.
   * @throws {RemoteGoAwayError} after the peer sent GoAway.
   * @throws {StreamLimitError} when `maxStreams` streams are open.
   */
  open(): YamuxStream {
    this.#throwIfClosed();
    if (this.#remoteGoAway) throw new RemoteGoAwayError();
    if (this.#streams.size >= this.#options.maxStreams) {
      throw new StreamLimitError(this.#options.maxStreams);
    }
    const id = this.#nextStreamId;
    if (id > MAX_U32 - 1) {
      throw new SessionClosedError("Yamux stream ids are exhausted on this session; dial again");
    }
    this.#nextStreamId += 2;
    const stream = this.#newStream(id, false);
    stream.sendSyn();
    return stream;
  }

  /** Waits for the next stream the peer opens and accepts it; null once the session closed. */
  accept(): Promise<YamuxStream | null> {
    const stream = this.#backlog.shift();
    if (stream) {
      stream.sendAck();
      return Promise.resolve(stream);
    }
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve) => this.#acceptWaiters.push(resolve));
  }

  /** Accepts streams until the session closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<YamuxStream> {
    for (;;) {
      const stream = await this.accept();
      if (!stream) return;
      yield stream;
    }
  }

  /**
   * Sends a ping and resolves with the round-trip time in milliseconds.
   * @throws {PingTimeoutError} when no answer arrives within `pingTimeoutMs`.
   * @throws {SessionClosedError} when the session closes first or too many pings are pending.
   */
  ping(): Promise<number> {
    this.#throwIfClosed();
    const { id, rttMs } = this.#pings.start();
    this.#sendControl(encodeFrameHeader({
      type: FrameType.Ping,
      flags: FrameFlag.SYN,
      streamId: 0,
      length: id,
    }));
    return rttMs;
  }

  /** Tells the peer to open no more streams here; inbound SYNs are refused from now on. */
  goAway(code: number = GoAwayCode.Normal): void {
    if (this.isClosed || this.#localGoAway) return;
    this.#localGoAway = true;
    this.#sendControl(
      encodeFrameHeader({ type: FrameType.GoAway, flags: 0, streamId: 0, length: code }),
    );
  }

  /** Closes the session: GoAway to the peer, every stream fails, the connection closes. */
  close(): void {
    this.#shutdown(null, GoAwayCode.Normal);
  }

  #newStream(id: number, inbound: boolean): YamuxStream {
    const stream = new YamuxStream(this.#host, id, {
      initialBytes: this.#options.initialStreamWindowBytes,
      maxReceiveBytes: this.#options.maxStreamWindowBytes,
    }, inbound);
    this.#streams.set(id, stream);
    return stream;
  }

  async #readLoop(): Promise<void> {
    const reader = this.#conn.readable.getReader();
    const decoder = new FrameDecoder({ maxDataFrameBytes: this.#options.maxStreamWindowBytes });
    try {
      while (!this.isClosed) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const frame of decoder.push(value)) {
          if (this.isClosed) break;
          this.#handleFrame(frame);
        }
      }
      this.#shutdown(new SessionClosedError("The peer closed the yamux connection"), null);
    } catch (error) {
      if (error instanceof YamuxProtocolError) {
        this.#counters.protocolErrors++;
        this.#shutdown(error, GoAwayCode.ProtocolError);
      } else {
        this.#shutdown(
          new SessionClosedError("Reading the yamux connection failed", error),
          null,
        );
      }
    } finally {
      reader.releaseLock();
    }
  }

  #handleFrame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        return this.#handleStreamFrame(frame);
      case FrameType.Ping:
        return this.#handlePing(frame);
      case FrameType.GoAway:
        return this.#handleGoAway(frame.length);
    }
  }

  #handleStreamFrame(frame: Frame): void {
    if (frame.flags & FrameFlag.SYN) this.#incomingStream(frame.streamId);
    const stream = this.#streams.get(frame.streamId);
    // A frame for an unknown stream is normal after a reset or refusal: frames in flight
    // still arrive. hashicorp/yamux drops them too.
    if (!stream) return;
    // ACK needs no handling: data may flow before it, as the spec allows.
    if (frame.type === FrameType.WindowUpdate) {
      stream.growSendWindow(frame.length);
    } else if (frame.payload.byteLength > 0) {
      if (frame.payload.byteLength > stream.receiveWindowBytes) {
        throw new YamuxProtocolError(
          `The peer sent ${frame.payload.byteLength} bytes on stream ${frame.streamId} with ` +
            `only ${stream.receiveWindowBytes} bytes of receive window left`,
        );
      }
      stream.receiveData(frame.payload);
    }
    if (frame.flags & FrameFlag.FIN) stream.receiveFin();
    if (frame.flags & FrameFlag.RST) stream.receiveReset();
  }

  #incomingStream(id: number): void {
    const peerIsClient = id % 2 === 1;
    if (peerIsClient === (this.#options.role === "client")) {
      throw new YamuxProtocolError(
        `The peer opened stream ${id}, an id reserved for this end; ` +
          "both ends of the session act as the same yamux role",
      );
    }
    if (this.#streams.has(id)) {
      throw new YamuxProtocolError(`The peer opened stream ${id} twice`);
    }
    const full = this.#backlog.length >= this.#options.acceptBacklog;
    if (this.#localGoAway || full || this.#streams.size >= this.#options.maxStreams) {
      this.#counters.streamsRefused++;
      this.#sendControl(encodeFrameHeader({
        type: FrameType.WindowUpdate,
        flags: FrameFlag.RST,
        streamId: id,
        length: 0,
      }));
      return;
    }
    const stream = this.#newStream(id, true);
    const waiter = this.#acceptWaiters.shift();
    if (waiter) {
      stream.sendAck();
      waiter(stream);
    } else {
      this.#backlog.push(stream);
    }
  }

  #handlePing(frame: Frame): void {
    if (frame.flags & FrameFlag.SYN) {
      this.#sendControl(encodeFrameHeader({
        type: FrameType.Ping,
        flags: FrameFlag.ACK,
        streamId: 0,
        length: frame.length,
      }));
      return;
    }
    this.#pings.answer(frame.length);
  }

  #handleGoAway(code: number): void {
    if (code === GoAwayCode.Normal) {
      this.#remoteGoAway = true;
      return;
    }
    const what = code === GoAwayCode.ProtocolError
      ? "a protocol error (it could not understand what this end sent)"
      : code === GoAwayCode.InternalError
      ? "an internal error"
      : `unknown code ${code}`;
    this.#shutdown(new SessionClosedError(`The peer closed the yamux session with ${what}`), null);
  }

  #sendControl(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (this.#pendingControl >= MAX_PENDING_CONTROL_FRAMES) {
      // The peer keeps asking for replies (pings, SYNs) while not reading what we send.
      this.#shutdown(
        new SessionClosedError(
          `More than ${MAX_PENDING_CONTROL_FRAMES} control frames are stuck behind a blocked ` +
            "connection; closing the yamux session",
        ),
        null,
      );
      return;
    }
    this.#pendingControl++;
    this.#writer.write(frame).then(
      () => this.#pendingControl--,
      (error) => this.#writeFailed(error),
    );
  }

  async #sendData(frame: Uint8Array): Promise<void> {
    this.#throwIfClosed();
    const written = this.#writer.write(frame);
    written.catch((error) => this.#writeFailed(error));
    await Promise.race([written, this.#closedRejection]);
  }

  #writeFailed(error: unknown): void {
    this.#shutdown(new SessionClosedError("Writing to the yamux connection failed", error), null);
  }

  #scheduleKeepalive(): void {
    const intervalMs = this.#options.keepaliveIntervalMs;
    if (intervalMs <= 0 || this.isClosed) return;
    this.#keepaliveTimer = this.#clock.setTimer(intervalMs, () => {
      this.#keepaliveTimer = null;
      if (this.isClosed) return;
      this.ping().then(
        () => this.#scheduleKeepalive(),
        (error) => {
          if (!(error instanceof PingTimeoutError)) return;
          this.#counters.keepaliveTimeouts++;
          this.#shutdown(error, null);
        },
      );
    });
  }

  #throwIfClosed(): void {
    if (this.#closeError) throw this.#closeError;
  }

  /** Tears everything down once; `goAwayCode` null means the conn is already unusable. */
  #shutdown(cause: Error | null, goAwayCode: number | null): void {
    if (this.#closeError) return;
    const error = cause ?? new SessionClosedError();
    this.#closeError = error instanceof SessionClosedError
      ? error
      : new SessionClosedError(`Yamux session closed: ${error.message}`, error);
    this.#keepaliveTimer?.cancel();
    this.#rejectClosed(this.#closeError);
    for (const stream of [...this.#streams.values()]) stream.teardown(this.#closeError);
    this.#streams.clear();
    for (const stream of this.#backlog) stream.teardown(this.#closeError);
    this.#backlog = [];
    for (const waiter of this.#acceptWaiters.splice(0)) waiter(null);
    this.#pings.failAll(this.#closeError);
    this.#flushAndCloseConn(goAwayCode);
    this.#resolveClosed(cause ?? undefined);
  }

  #flushAndCloseConn(goAwayCode: number | null): void {
    const conn = this.#conn;
    if (goAwayCode === null) {
      conn.close();
      return;
    }
    // Let queued frames and the GoAway drain, but never wait on a stuck peer for long.
    const timer = this.#clock.setTimer(CLOSE_FLUSH_TIMEOUT_MS, () => conn.close());
    const alreadySent = this.#localGoAway && goAwayCode === GoAwayCode.Normal;
    this.#localGoAway = true;
    const goAway = alreadySent ? Promise.resolve() : this.#writer.write(encodeFrameHeader({
      type: FrameType.GoAway,
      flags: 0,
      streamId: 0,
      length: goAwayCode,
    }));
    goAway.then(() => this.#writer.close()).catch(() => {}).finally(() => {
      timer.cancel();
      conn.close();
    });
  }
}
