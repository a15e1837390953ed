/**
 * Join bookkeeping for the WAN pool: parsing join addresses (`host:port`, `name/host:port`) and
 * a transport wrapper that reports whether each join's push/pull exchange got an answer.
 * Private to the gossip module.
 *
 * The driver runs a join as "dial, write our state, read one reply frame" and reports nothing
 * back. The wrapper recognises the join's dial by the identity of the target object the pool
 * handed to `GossipDriver.join` (the core passes it through untouched) and resolves once a
 * whole reply frame has been read from that stream.
 *
 * @module
 */

import type { Conn } from "../runtime/ports.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";
import type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";

const FRAME_HEADER_BYTES = 4;

/** Raised when a join address cannot be parsed. */
export class JoinAddressError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "JoinAddressError";
  }
}

/**
 * Parses `host`, `host:port`, `[v6]:port` or `name/<any of those>`.
 * @throws {JoinAddressError} for an empty host or a bad port.
 */
export function parseJoinAddress(text: string, defaultPort: number): GossipTarget {
  const slash = text.indexOf("/");
  const name = slash >= 0 ? text.slice(0, slash) : undefined;
  const hostPort = slash >= 0 ? text.slice(slash + 1) : text;
  let hostname = hostPort;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(hostPort);
  if (v6 !== null) {
    hostname = v6[1];
    portText = v6[2];
  } else if (hostPort.split(":").length === 2) {
    [hostname, portText] = hostPort.split(":");
  }
  if (hostname === "") throw new JoinAddressError("missing host");
  let port = defaultPort;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw new JoinAddressError(`invalid port ${JSON.stringify(portText)}`);
    }
  }
  const addr: GossipAddr = { hostname, port };
  return name === undefined || name === "" ? { ...addr } : { ...addr, name };
}

interface Expectation {
  resolve(): void;
  reject(error: Error): void;
}

/** Passes everything through, watching the streams of registered join targets. */
export class JoinTracker implements GossipTransport {
  readonly #inner: GossipTransport;
  readonly #expected = new Map<GossipTarget, Expectation>();

  /** Wraps `inner`. */
  constructor(inner: GossipTransport) {
    this.#inner = inner;
  }

  /** The wrapped transport's address. */
  get localAddr(): GossipAddr {
    return this.#inner.localAddr;
  }

  /**
   * Registers `target` (the very object to be passed to the driver); the promise settles when
   * its join stream got a reply, failed, or `forget` is called.
   */
  expect(target: GossipTarget): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#expected.set(target, { resolve, reject });
    });
  }

  /** Stops watching `target`, failing its promise with `error` if still pending. */
  forget(target: GossipTarget, error: Error): void {
    this.#expected.get(target)?.reject(error);
    this.#expected.delete(target);
  }

  /** Passes through. */
  sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    return this.#inner.sendPacket(to, bytes);
  }

  /** Passes through. */
  packets(): AsyncIterable<GossipPacket> {
    return this.#inner.packets();
  }

  /** Dials; for a registered join target, watches the reply. */
  async dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn> {
    const expectation = this.#expected.get(to);
    if (expectation === undefined) return this.#inner.dialStream(to, timeoutMs);
    this.#expected.delete(to);
    let conn: Conn;
    try {
      conn = await this.#inner.dialStream(to, timeoutMs);
    } catch (error) {
      expectation.reject(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return { ...connFields(conn), readable: watchReply(conn.readable, expectation) };
  }

  /** Passes through. */
  streams(): AsyncIterable<GossipStream> {
    return this.#inner.streams();
  }

  /** Fails every pending join and closes the inner transport. */
  close(): Promise<void> {
    for (const target of [...this.#expected.keys()]) {
      this.forget(target, new Error("the gossip pool was stopped"));
    }
    return this.#inner.close();
  }
}

function connFields(conn: Conn): Conn {
  return {
    readable: conn.readable,
    writable: conn.writable,
    localAddr: conn.localAddr,
    remoteAddr: conn.remoteAddr,
    close: () => conn.close(),
    closed: conn.closed,
  };
}

/** Passes bytes through and settles `expectation` once one whole frame went by. */
function watchReply(
  source: ReadableStream<Uint8Array>,
  expectation: Expectation,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  let seen = 0;
  let needed = Infinity;
  let settled = false;
  const fail = (reason: string) => {
    if (settled) return;
    settled = true;
    expectation.reject(new Error(reason));
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
        throw error;
      }
      if (result.done) {
        fail(
          "the member closed the stream without answering (a gossip encryption key mismatch " +
            "looks like this)",
        );
        return controller.close();
      }
      const chunk = result.value;
      for (let i = 0; i < chunk.byteLength && seen + i < FRAME_HEADER_BYTES; i++) {
        header[seen + i] = chunk[i];
      }
      seen += chunk.byteLength;
      if (needed === Infinity && seen >= FRAME_HEADER_BYTES) {
        needed = FRAME_HEADER_BYTES + new DataView(header.buffer).getUint32(0);
      }
      if (!settled && seen >= needed) {
        settled = true;
        expectation.resolve();
      }
      controller.enqueue(chunk);
    },
    cancel(reason) {
      fail("the join stream was cancelled before an answer arrived");
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
