/**
 * Shared pieces of the runtime conformance suite: fixtures, payload generation, hashing.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createHash, type Hash } from "node:crypto";
import type { Conn, TlsClientOptions, TlsServerOptions } from "../../src/runtime/ports.ts";

const FIXTURES_DIR = new URL("../fixtures/tls/", import.meta.url);

/** Reads a PEM file from tests/fixtures/tls/. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES_DIR), "utf8");
}

/** Server options presenting server.pem, trusting ca.pem. */
export function serverTls(overrides: Partial<TlsServerOptions> = {}): TlsServerOptions {
  return {
    caPem: fixture("ca.pem"),
    certPem: fixture("server.pem"),
    keyPem: fixture("server-key.pem"),
    requireClientCert: true,
    ...overrides,
  };
}

/** Client options presenting client.pem, trusting ca.pem. */
export function clientTls(overrides: Partial<TlsClientOptions> = {}): TlsClientOptions {
  return {
    caPem: fixture("ca.pem"),
    certPem: fixture("client.pem"),
    keyPem: fixture("client-key.pem"),
    serverName: "server.dc1.consul",
    ...overrides,
  };
}

/** Size of each chunk of a generated payload. */
export const PAYLOAD_CHUNK_BYTES = 64 * 1024;

/** Yields `totalBytes` of varied bytes in 64 KiB chunks; each chunk is a fresh buffer. */
export function* payloadChunks(totalBytes: number): Generator<Uint8Array> {
  const base = new Uint8Array(PAYLOAD_CHUNK_BYTES);
  for (let i = 0; i < base.length; i++) base[i] = (i * 2654435761) >>> 24;
  for (let offset = 0, index = 0; offset < totalBytes; offset += PAYLOAD_CHUNK_BYTES, index++) {
    const chunk = base.slice(0, Math.min(PAYLOAD_CHUNK_BYTES, totalBytes - offset));
    new DataView(chunk.buffer).setUint32(0, index);
    chunk[chunk.length - 1] = index & 0xff;
    yield chunk;
  }
}

/** Writes `totalBytes` of generated payload, then half-closes; returns its SHA-256 hex. */
export async function writePayload(
  writable: WritableStream<Uint8Array>,
  totalBytes: number,
): Promise<string> {
  const hash = createHash("sha256");
  const writer = writable.getWriter();
  for (const chunk of payloadChunks(totalBytes)) {
    hash.update(chunk);
    await writer.ready;
    writer.write(chunk).catch(() => {});
  }
  await writer.close();
  return hash.digest("hex");
}

/** Reads a stream to its end; returns the byte count and SHA-256 hex. */
export async function hashStream(
  readable: ReadableStream<Uint8Array>,
): Promise<{ bytes: number; sha256: string }> {
  const hash: Hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of readable) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** Reads a stream to its end as text. */
export async function readAllText(readable: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of readable) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Writes `text` and half-closes. */
export async function writeText(writable: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = writable.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
}

/** Echo server loop body: everything read is written back; EOF half-closes back. */
export async function echo(conn: Conn): Promise<void> {
  await conn.readable.pipeTo(conn.writable);
}

/** Resolves with the first item of an async iterable (e.g. the next accepted connection). */
export async function first<T>(iterable: AsyncIterable<T>): Promise<T> {
  for await (const item of iterable) return item;
  throw new Error("The iterable ended before yielding anything");
}

/** Rejects with `message` if `promise` has not settled within `ms` (a bound, not a speed check). */
export function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Echoes everything read back to the sender while hashing it; half-closes back at EOF. */
export async function hashingEcho(conn: Conn): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const writer = conn.writable.getWriter();
  for await (const chunk of conn.readable) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    await writer.ready;
    writer.write(chunk).catch(() => {});
  }
  await writer.close();
  return { bytes, sha256: hash.digest("hex") };
}

/** Runs a 64 MiB-style echo: returns what was sent, what the server saw, what came back. */
export async function echoRoundTrip(
  client: Conn,
  serverConn: Promise<Conn>,
  totalBytes: number,
): Promise<
  {
    sent: string;
    serverSaw: { bytes: number; sha256: string };
    back: { bytes: number; sha256: string };
  }
> {
  const [sent, serverSaw, back] = await Promise.all([
    writePayload(client.writable, totalBytes),
    serverConn.then(hashingEcho),
    hashStream(client.readable),
  ]);
  return { sent, serverSaw, back };
}

/**
 * Writes 64 KiB chunks until a write stays pending for `stallMs` (the peer is not reading);
 * returns the bytes the writable accepted. The writer is left waiting on the stalled write.
 */
export async function writeUntilStalled(
  writable: WritableStream<Uint8Array>,
  options: { stallMs: number; maxBytes: number },
): Promise<
  {
    acceptedBytes: number;
    stalledWrite: Promise<void>;
    writer: WritableStreamDefaultWriter<Uint8Array>;
  }
> {
  const writer = writable.getWriter();
  let acceptedBytes = 0;
  while (acceptedBytes < options.maxBytes) {
    const write = writer.write(new Uint8Array(PAYLOAD_CHUNK_BYTES));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = await Promise.race([
      write.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), options.stallMs)),
    ]);
    clearTimeout(timer);
    if (stalled) return { acceptedBytes, stalledWrite: write, writer };
    acceptedBytes += PAYLOAD_CHUNK_BYTES;
  }
  throw new Error(`The writable accepted ${acceptedBytes} bytes without ever pushing back`);
}
