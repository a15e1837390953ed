import { connPair } from "../../src/runtime/streams.ts";
import type { Conn } from "../../src/runtime/ports.ts";
import { type Frame, FrameDecoder } from "../../src/rpc/yamux_frame.ts";
import { YamuxSession } from "../../src/rpc/yamux_session.ts";
import type { YamuxSessionOptions } from "../../src/rpc/yamux_config.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** Maximum event-loop turns a `waitFor` gives a condition before failing the test. */
const MAX_WAIT_TURNS = 2000;

/** Lets timers-free work (microtasks and I/O callbacks) run for one event-loop turn. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits until `condition()` holds, failing with `what` after a bounded number of turns. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < MAX_WAIT_TURNS; turn++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Two sessions (client, server) joined by an in-memory connection. */
export function sessionPair(
  options: Partial<Omit<YamuxSessionOptions, "role">> = {},
): { client: YamuxSession; server: YamuxSession; clock: FakeClock } {
  const clock = new FakeClock();
  const [a, b] = connPair();
  const common = { clock, keepaliveIntervalMs: 0, ...options };
  return {
    client: new YamuxSession(a, { ...common, role: "client" }),
    server: new YamuxSession(b, { ...common, role: "server" }),
    clock,
  };
}

/** Reads everything from a readable into one buffer. */
export async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readable) {
    parts.push(chunk);
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Deterministic bytes so a transfer can be checked position by position. */
export function patternBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The far end of a connection driven by hand: raw frames in and out. */
export class RawPeer {
  readonly conn: Conn;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #decoder = new FrameDecoder();
  #frames: Frame[] = [];
  #ended = false;

  constructor(conn: Conn) {
    this.conn = conn;
    this.#reader = conn.readable.getReader();
    this.#writer = conn.writable.getWriter();
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
  }

  /** The next frame the session sent, or null once it closed the connection. */
  async nextFrame(): Promise<Frame | null> {
    while (this.#frames.length === 0) {
      if (this.#ended) return null;
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        continue;
      }
      this.#frames.push(...this.#decoder.push(value));
    }
    return this.#frames.shift()!;
  }
}

/** A session (with `role`) whose peer is a {@linkcode RawPeer}. */
export function sessionWithRawPeer(
  role: "client" | "server",
  options: Partial<Omit<YamuxSessionOptions, "role">> = {},
): { session: YamuxSession; peer: RawPeer; clock: FakeClock } {
  const clock = new FakeClock();
  const [a, b] = connPair();
  const session = new YamuxSession(a, { clock, keepaliveIntervalMs: 0, ...options, role });
  return { session, peer: new RawPeer(b), clock };
}
