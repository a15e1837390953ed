/**
 * The gateway benchmark's client: mutual-TLS connections with SNI `s1.server.dc1.consul` to
 * one path (the echo server directly, or a proxy in front of it), and the three measurements
 * taken on each path: bulk transfer time, small-message round trips and connection setup.
 *
 * Every measurement checks that the bytes it asked for arrived, so a proxy that drops or
 * truncates data fails the run instead of looking fast.
 *
 * @module
 */

import type { Clock, Net, TlsConn } from "../../src/runtime/ports.ts";
import { ByteReader } from "../../src/runtime/streams.ts";
import {
  BENCH_SERVER_NAME,
  type BenchMode,
  BULK_CHUNK_BYTES,
  encodeHeader,
  UPLOAD_ACK,
} from "./_gateway_protocol.ts";

/** Time allowed for one TLS dial and handshake before the run fails. */
const DIAL_TIMEOUT_MS = 10_000;

/** Where the client connects and with what. */
export interface LoadTarget {
  readonly net: Net;
  readonly clock: Clock;
  readonly port: number;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Dials `target` over TLS (TCP connect and the whole handshake). */
function dial(target: LoadTarget): Promise<TlsConn> {
  return target.net.dialTls({
    hostname: "127.0.0.1",
    port: target.port,
    timeoutMs: DIAL_TIMEOUT_MS,
    handshakeTimeoutMs: DIAL_TIMEOUT_MS,
    caPem: target.caPem,
    certPem: target.certPem,
    keyPem: target.keyPem,
    serverName: BENCH_SERVER_NAME,
  });
}

/** Sends the header that asks the server for `mode`. */
async function request(conn: TlsConn, mode: BenchMode, count: number): Promise<void> {
  const writer = conn.writable.getWriter();
  await writer.write(encodeHeader(mode, count));
  writer.releaseLock();
}

/** Dials `target` and sends the header for `mode`. */
async function open(target: LoadTarget, mode: BenchMode, count: number): Promise<TlsConn> {
  const conn = await dial(target);
  try {
    await request(conn, mode, count);
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/** Milliseconds to send `totalBytes` to the server and hear that all of them arrived. */
export async function timeUpload(target: LoadTarget, totalBytes: number): Promise<number> {
  const conn = await open(target, "upload", totalBytes);
  try {
    const chunk = new Uint8Array(BULK_CHUNK_BYTES).fill(0xa5);
    const reader = new ByteReader(conn.readable);
    const writer = conn.writable.getWriter();
    const start = target.clock.monotonicMs();
    for (let sent = 0; sent < totalBytes; sent += chunk.byteLength) {
      const size = Math.min(chunk.byteLength, totalBytes - sent);
      await writer.write(size === chunk.byteLength ? chunk : chunk.subarray(0, size));
    }
    const ack = await reader.readExactly(1);
    const elapsedMs = target.clock.monotonicMs() - start;
    if (ack[0] !== UPLOAD_ACK) throw new Error(`Upload answered ${ack[0]}, not the ack byte`);
    return elapsedMs;
  } finally {
    conn.close();
  }
}

/** Milliseconds from asking the server for `totalBytes` until all of them arrived. */
export async function timeDownload(target: LoadTarget, totalBytes: number): Promise<number> {
  const conn = await open(target, "download", totalBytes);
  // The dial is not part of the transfer: the clock starts once the request is out.
  const requested = target.clock.monotonicMs();
  try {
    let received = 0;
    for await (const chunk of conn.readable) received += chunk.byteLength;
    const elapsedMs = target.clock.monotonicMs() - requested;
    if (received !== totalBytes) {
      throw new Error(`Download got ${received} of ${totalBytes} bytes`);
    }
    return elapsedMs;
  } finally {
    conn.close();
  }
}

/**
 * Round-trip times (ms) of `count` echoes of a `messageBytes` message on one connection, after
 * `warmup` untimed ones.
 */
export async function timeRoundTrips(
  target: LoadTarget,
  options: { count: number; warmup: number; messageBytes: number },
): Promise<number[]> {
  const conn = await open(target, "echo", 0);
  try {
    const reader = new ByteReader(conn.readable);
    const writer = conn.writable.getWriter();
    const message = new Uint8Array(options.messageBytes).fill(0x70);
    const samples: number[] = [];
    for (let i = 0; i < options.warmup + options.count; i++) {
      const start = target.clock.monotonicMs();
      await writer.write(message);
      const echoed = await reader.readExactly(options.messageBytes);
      const elapsedMs = target.clock.monotonicMs() - start;
      if (echoed[0] !== 0x70) throw new Error("Echo returned different bytes");
      if (i >= options.warmup) samples.push(elapsedMs);
    }
    await writer.close();
    return samples;
  } finally {
    conn.close();
  }
}

/**
 * Setup times (ms) of `count` new connections, each from the TCP dial to a finished TLS
 * handshake; each connection is then proved with a one-byte echo (untimed) and closed.
 */
export async function timeConnects(target: LoadTarget, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = target.clock.monotonicMs();
    const conn = await dial(target);
    samples.push(target.clock.monotonicMs() - start);
    try {
      await request(conn, "echo", 0);
      const reader = new ByteReader(conn.readable);
      const writer = conn.writable.getWriter();
      await writer.write(Uint8Array.of(0x31));
      if ((await reader.readExactly(1))[0] !== 0x31) throw new Error("Echo returned another byte");
      await writer.close();
    } finally {
      conn.close();
    }
  }
  return samples;
}

/** The `p`-th percentile (0-100) of `samples`, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
