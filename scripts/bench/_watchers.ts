/**
 * A fleet of idle blocking queries for the watcher-cost benchmark: one raw TCP connection per
 * watcher carrying one `GET …?index=N&wait=…` request, so each costs the client a socket and a
 * pending read, and nothing else.
 *
 * @module
 */

import type { Clock, Conn, Net } from "../../src/runtime/ports.ts";

/** Dials in flight at once; more overflows the server's accept backlog into SYN retries. */
const DIAL_CONCURRENCY = 128;
/** Bytes of a response kept per watcher, enough for the status line and headers. */
const MAX_KEPT_RESPONSE_BYTES = 512;

/** What became of one watcher. */
export interface WatcherAnswer {
  readonly watcher: number;
  /** The start of what the server sent, or "" when it closed without a byte. */
  readonly head: string;
}

/** Where the watchers point and what each asks. */
export interface FleetOptions {
  readonly hostname: string;
  readonly port: number;
  readonly count: number;
  /** Request target (path and query) of watcher `i`. */
  readonly targetFor: (i: number) => string;
}

/** Open blocking queries and what has come back on them. */
export class WatcherFleet {
  readonly #conns: Conn[] = [];
  readonly #answers: WatcherAnswer[] = [];
  readonly #clock: Clock;

  private constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Dials every watcher and sends its request; resolves when all requests are written. */
  static async open(net: Net, clock: Clock, options: FleetOptions): Promise<WatcherFleet> {
    const fleet = new WatcherFleet(clock);
    const encoder = new TextEncoder();
    let next = 0;
    const dialer = async () => {
      while (next < options.count) {
        const i = next++;
        const conn = await net.dialTcp({ hostname: options.hostname, port: options.port });
        fleet.#conns.push(conn);
        const request = `GET ${options.targetFor(i)} HTTP/1.1\r\nHost: ${options.hostname}\r\n\r\n`;
        const writer = conn.writable.getWriter();
        await writer.write(encoder.encode(request));
        // The writable stays open: a half-close could read as the client going away.
        writer.releaseLock();
        void fleet.#collect(i, conn);
      }
    };
    try {
      await Promise.all(Array.from({ length: DIAL_CONCURRENCY }, dialer));
    } catch (error) {
      fleet.closeAll();
      throw error;
    }
    return fleet;
  }

  async #collect(watcher: number, conn: Conn): Promise<void> {
    const decoder = new TextDecoder();
    let head = "";
    try {
      for await (const chunk of conn.readable) {
        head += decoder.decode(chunk, { stream: true });
        if (head.length > 0) break;
      }
    } catch {
      // A reset is an answer too: the watcher is no longer parked.
    }
    this.#answers.push({ watcher, head: head.slice(0, MAX_KEPT_RESPONSE_BYTES) });
  }

  /** Watchers that received a response or lost their connection, in arrival order. */
  get answers(): readonly WatcherAnswer[] {
    return this.#answers;
  }

  /** Watchers dialed. */
  get size(): number {
    return this.#conns.length;
  }

  /**
   * Waits until at least `count` watchers have answered, or `timeoutMs` passes.
   * @returns whether the count was reached.
   */
  async waitForAnswers(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = this.#clock.monotonicMs() + timeoutMs;
    while (this.#answers.length < count) {
      if (this.#clock.monotonicMs() >= deadline) return false;
      await this.#clock.sleep(20);
    }
    return true;
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const conn of this.#conns) conn.close();
  }
}
