/**
 * Runs a {@linkcode Swim} core over a {@linkcode GossipTransport} with a {@linkcode Clock}: feeds
 * it received packets and streams, wakes it at its next deadline, and carries out its outputs.
 * The driver owns all concurrency; the core stays synchronous.
 *
 * @module
 */

import type { Clock, Conn, Timer } from "../runtime/ports.ts";
import type { MemberEvent } from "./_membership.ts";
import type { OutgoingStream, SwimOutputs } from "./_outbox.ts";
import { frame, readFrame } from "./_stream_frame.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";
import type { Swim } from "./swim.ts";
import type { GossipStream, GossipTransport } from "./transport.ts";

/** Most stream exchanges (in and out together) running at once; more are refused. */
export const MAX_CONCURRENT_STREAMS = 64;
/** Default time for a whole stream exchange (memberlist's LAN TCPTimeout). */
export const DEFAULT_STREAM_TIMEOUT_MS = 10_000;
/** How often `leave` checks whether the leave notice has been sent out. */
const LEAVE_POLL_MS = 10;

/** Driver settings. */
export interface GossipDriverOptions {
  /** Time allowed for one stream exchange. Default {@linkcode DEFAULT_STREAM_TIMEOUT_MS}. */
  readonly streamTimeoutMs?: number;
  /** Called for each membership event, in order. */
  readonly onEvent?: (event: MemberEvent) => void;
  /** Called when sending or a stream exchange fails (gossip tolerates both). */
  readonly onError?: (error: unknown, context: string) => void;
}

/** Drives one core with real I/O. */
export class GossipDriver {
  readonly #swim: Swim;
  readonly #transport: GossipTransport;
  readonly #clock: Clock;
  readonly #streamTimeoutMs: number;
  readonly #onEvent: (event: MemberEvent) => void;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #conns = new Set<Conn>();
  readonly #loops: Promise<void>[] = [];
  #timer: Timer | null = null;
  #running = false;
  #refusedStreams = 0;

  /** Binds a core to a transport and clock; call `start` to run. */
  constructor(
    swim: Swim,
    transport: GossipTransport,
    clock: Clock,
    options: GossipDriverOptions = {},
  ) {
    this.#swim = swim;
    this.#transport = transport;
    this.#clock = clock;
    this.#streamTimeoutMs = options.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  /** The driven core (read its members, counters and health from here). */
  get swim(): Swim {
    return this.#swim;
  }

  /** Stream exchanges refused because {@linkcode MAX_CONCURRENT_STREAMS} were running. */
  get refusedStreams(): number {
    return this.#refusedStreams;
  }

  /** Starts receiving and ticking. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops.push(this.#packetLoop(), this.#streamLoop());
    this.#schedule();
  }

  /** Joins through `targets` (push/pull with each; failures go to `onError`). */
  join(targets: readonly GossipTarget[]): void {
    this.#apply(this.#swim.join(targets, this.#now()));
  }

  /** Replaces the local member's tags and announces them. */
  setTags(tags: Readonly<Record<string, string>>): void {
    this.#apply(this.#swim.setTags(tags, this.#now()));
  }

  /**
   * Leaves gracefully and waits until the leave notice is sent out or `timeoutMs` passes.
   * @returns whether the notice went out in time.
   */
  async leave(timeoutMs: number): Promise<boolean> {
    this.#apply(this.#swim.leave(this.#now()));
    const deadline = this.#clock.monotonicMs() + timeoutMs;
    while (
      !this.#swim.leaveBroadcastDone && this.#running && this.#clock.monotonicMs() < deadline
    ) {
      await this.#clock.sleep(LEAVE_POLL_MS);
    }
    return this.#swim.leaveBroadcastDone;
  }

  /** Stops ticking, closes the transport and every open stream. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
    for (const conn of this.#conns) conn.close();
    await this.#transport.close();
    await Promise.allSettled(this.#loops);
  }

  #now(): number {
    return this.#clock.monotonicMs();
  }

  #apply(outputs: SwimOutputs): void {
    for (const event of outputs.events) this.#onEvent(event);
    if (this.#running) {
      for (const packet of outputs.packets) {
        this.#transport.sendPacket(packet.to, packet.bytes).catch((error) =>
          this.#onError(error, "send packet")
        );
      }
      for (const stream of outputs.streams) this.#exchangeOut(stream);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer?.cancel();
    const delayMs = Math.max(0, this.#swim.nextDeadlineMs() - this.#now());
    this.#timer = this.#clock.setTimer(delayMs, () => {
      this.#timer = null;
      if (this.#running) this.#apply(this.#swim.tick(this.#now()));
    });
  }

  async #packetLoop(): Promise<void> {
    for await (const packet of this.#transport.packets()) {
      if (!this.#running) break;
      this.#apply(this.#swim.receivePacket(packet.from, packet.bytes, this.#now()));
    }
  }

  async #streamLoop(): Promise<void> {
    for await (const stream of this.#transport.streams()) {
      if (!this.#running) {
        stream.conn.close();
        break;
      }
      this.#exchangeIn(stream);
    }
  }

  /** Runs `work` on `conn` under the stream limit and time limit, always closing `conn`. */
  async #withConn(conn: Conn, context: string, work: (conn: Conn) => Promise<void>): Promise<void> {
    this.#conns.add(conn);
    const timer = this.#clock.setTimer(this.#streamTimeoutMs, () => conn.close());
    try {
      await work(conn);
    } catch (error) {
      this.#onError(error, context);
    } finally {
      timer.cancel();
      this.#conns.delete(conn);
      conn.close();
    }
  }

  #exchangeIn(stream: GossipStream): void {
    if (this.#conns.size >= MAX_CONCURRENT_STREAMS) {
      this.#refusedStreams++;
      stream.conn.close();
      return;
    }
    void this.#withConn(stream.conn, "accept stream", async (conn) => {
      const request = await readFrame(conn.readable);
      const result = this.#swim.receiveStream(stream.from, request, this.#now());
      if (result.reply !== null) await writeFrame(conn, result.reply);
      this.#apply(result);
    });
  }

  #exchangeOut(out: OutgoingStream): void {
    if (this.#conns.size >= MAX_CONCURRENT_STREAMS) {
      this.#refusedStreams++;
      return;
    }
    void (async () => {
      let conn: Conn;
      try {
        conn = await this.#transport.dialStream(out.to, this.#streamTimeoutMs);
      } catch (error) {
        this.#onError(error, `dial ${out.purpose} stream`);
        return;
      }
      await this.#withConn(conn, `${out.purpose} stream`, async (c) => {
        await writeFrame(c, out.bytes);
        const reply = await readFrame(c.readable);
        const from: GossipAddr = { hostname: out.to.hostname, port: out.to.port };
        if (this.#running) this.#apply(this.#swim.receiveStream(from, reply, this.#now()));
      });
    })();
  }
}

async function writeFrame(conn: Conn, bytes: Uint8Array): Promise<void> {
  const writer = conn.writable.getWriter();
  try {
    await writer.write(frame(bytes));
  } finally {
    writer.releaseLock();
  }
}
