/**
 * Bridges between node sockets (`net.Socket`, `tls.TLSSocket`) and the web-stream
 * {@linkcode Conn} shape, both ways, with backpressure in every direction.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import type { Conn, NetAddr } from "./ports.ts";

/** Bytes a socket's readable queues before the socket is paused (TCP then pushes back). */
export const SOCKET_READ_QUEUE_BYTES = 256 * 1024;

/** Bytes the Duplex over a Conn buffers on each side before pausing (node stream marks). */
const DUPLEX_BUFFER_BYTES = 64 * 1024;

const byteLength = (chunk: Uint8Array) => chunk.byteLength;

/** How a socket layered over a {@linkcode ConnDuplex} (TLS) keeps its transport bounded. */
export interface BelowHooks {
  /** Replaces `socket.end()`: sends FIN below once written bytes were handed down. */
  halfClose(): Promise<void>;
  /** Told whether the web readable wants more bytes; the transport reads only while it does. */
  readDemand(wanted: boolean): void;
  /** Resolves when the transport took `plainBytes` in all and has room (TLS accepts every write). */
  writeRoom(plainBytes: number): Promise<void>;
}

/**
 * The web-stream halves and lifecycle of a node socket, with addresses supplied by the caller.
 * `below` lets a socket layered on a Duplex (TLS) bound its transport; see {@linkcode BelowHooks}.
 */
export function nodeSocketToConn(
  socket: Socket,
  addrs: { localAddr: NetAddr; remoteAddr: NetAddr },
  below?: BelowHooks,
): Conn {
  const halfClose = below?.halfClose;
  let lastFlush: Promise<void> = Promise.resolve();
  let plainWritten = 0;
  const closed = new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
  let readDone = false;
  let writeDone = false;
  const finishIfDone = () => {
    if (readDone && writeDone) socket.destroy();
  };
  // Paused mode ("readable" + read()) rather than pause()/resume(): Deno's TLSSocket stops
  // delivering data for good when resumed after its own write side has ended.
  let pump = () => {};
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = (error?: Error) => {
        if (readDone) return;
        readDone = true;
        if (error) controller.error(error);
        else controller.close();
        finishIfDone();
      };
      pump = () => {
        while (!readDone && (controller.desiredSize ?? 0) > 0) {
          const chunk = socket.read() as Uint8Array | null;
          if (chunk === null) break;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
        below?.readDemand(!readDone && (controller.desiredSize ?? 0) > 0);
      };
      socket.on("readable", pump);
      socket.once("end", () => stop());
      socket.on("error", (error: Error) => stop(error));
      socket.once("close", () => stop());
    },
    pull() {
      pump();
    },
    cancel() {
      readDone = true;
      finishIfDone();
    },
  }, { highWaterMark: SOCKET_READ_QUEUE_BYTES, size: byteLength });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (socket.destroyed || socket.writableEnded) {
        throw new Error(`Write to ${describe(addrs.remoteAddr)} failed: connection is closed`);
      }
      let accepted = true;
      const flushed = new Promise<void>((resolve) => {
        accepted = socket.write(chunk, () => resolve());
      });
      lastFlush = flushed;
      plainWritten += chunk.byteLength;
      const total = plainWritten;
      if (!accepted) await waitForDrain(socket, addrs.remoteAddr);
      if (below) {
        // The layer below sees the bytes only once they are flushed into it.
        await flushed;
        await below.writeRoom(total);
      }
    },
    async close() {
      writeDone = true;
      if (halfClose) {
        await lastFlush;
        await halfClose();
      } else if (!socket.destroyed) {
        await new Promise<void>((resolve) => socket.end(() => resolve()));
      }
      finishIfDone();
    },
    abort() {
      writeDone = true;
      socket.destroy();
    },
  });
  return {
    readable,
    writable,
    localAddr: addrs.localAddr,
    remoteAddr: addrs.remoteAddr,
    close: () => {
      socket.destroy();
    },
    closed,
  };
}

function describe(addr: NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

function waitForDrain(socket: Socket, remote: NetAddr): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`Write to ${describe(remote)} failed: connection closed`));
    };
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/** The addresses of a connected node socket, as {@linkcode NetAddr}s. */
export function socketAddrs(socket: Socket): { localAddr: NetAddr; remoteAddr: NetAddr } {
  return {
    localAddr: { hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 },
    remoteAddr: { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 },
  };
}

/** A node Duplex over a Conn, and a way to half-close the Conn beneath it. */
export interface ConnDuplex {
  readonly duplex: Duplex;
  /** Sends FIN on the Conn once the bytes already written through the Duplex are passed on. */
  finishWriting(): Promise<void>;
  /**
   * Makes reads from the Conn wait while `canRead()` is false; call `wake()` when it may have
   * become true. TLS layers read their transport eagerly, so this is where they get bounded.
   */
  gateReads(canRead: () => boolean): { wake(): void };
  /**
   * Resolves once at least `plainBytes` were handed to the Duplex (ciphertext is never shorter
   * than plaintext; Bun hands it over after reporting the write done) and the Duplex's write
   * buffer is below its mark, or the Duplex is gone.
   */
  writeRoom(plainBytes: number): Promise<void>;
}

/**
 * A node Duplex over a Conn, so that `node:tls` can run on top of any Conn. Ending the Duplex
 * half-closes the Conn; destroying it closes the Conn.
 */
export function connToDuplex(conn: Conn): ConnDuplex {
  const reader = conn.readable.getReader();
  const writer = conn.writable.getWriter();
  let reading = false;
  let waitingForGate = false;
  let canRead = () => true;
  let finished: Promise<void> | null = null;
  const readMore = (duplex: Duplex) => {
    if (reading) return;
    if (!canRead()) {
      waitingForGate = true;
      return;
    }
    reading = true;
    reader.read().then(({ done, value }) => {
      reading = false;
      if (duplex.push(done ? null : value) && !done) readMore(duplex);
    }, (error) => {
      reading = false;
      duplex.destroy(error);
    });
  };
  const duplex = new Duplex({
    allowHalfOpen: true,
    readableHighWaterMark: DUPLEX_BUFFER_BYTES,
    writableHighWaterMark: DUPLEX_BUFFER_BYTES,
    read() {
      readMore(this);
    },
    write(chunk: Uint8Array, _encoding, callback) {
      writer.ready.then(() => {
        writer.write(chunk).catch(() => {});
        callback();
      }, callback);
    },
    final(callback) {
      writer.close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      reader.cancel().catch(() => {});
      conn.close();
      callback(error);
    },
  });
  // end() rather than closing the writer directly: the Duplex may still buffer bytes the
  // TLS layer has already handed over (Bun reports TLS writes done before that point).
  const finishWriting = () =>
    finished ??= new Promise<void>((resolve) => {
      duplex.once("error", () => resolve());
      duplex.end(() => resolve());
    });
  const gateReads = (gate: () => boolean) => {
    canRead = gate;
    return {
      wake() {
        if (waitingForGate && canRead()) {
          waitingForGate = false;
          readMore(duplex);
        }
      },
    };
  };
  // Bytes the layer above has handed to the Duplex so far, and who waits for that to change.
  let handedDown = 0;
  let onHandedDown: (() => void) | null = null;
  const write = duplex.write.bind(duplex) as (...args: unknown[]) => boolean;
  duplex.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    handedDown += chunk.byteLength;
    onHandedDown?.();
    return write(chunk, ...rest);
  }) as typeof duplex.write;
  const roomFor = (plainBytes: number) =>
    duplex.destroyed || (handedDown >= plainBytes && !duplex.writableNeedDrain);
  const writeRoom = async (plainBytes: number): Promise<void> => {
    while (!roomFor(plainBytes)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          onHandedDown = null;
          duplex.off("drain", done);
          duplex.off("close", done);
          resolve();
        };
        onHandedDown = done;
        duplex.on("drain", done);
        duplex.on("close", done);
      });
    }
  };
  return { duplex, finishWriting, gateReads, writeRoom };
}
