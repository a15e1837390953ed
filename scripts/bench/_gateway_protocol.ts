/**
 * The tiny request protocol between the gateway benchmark's client and its TLS echo server, and
 * the names and files both sides agree on. Every connection starts, after the TLS handshake,
 * with a fixed header: one mode byte and a big-endian 64-bit byte count.
 *
 * - `echo`: the server sends back every byte it receives until the client half-closes (the
 *   count is ignored). Used for round trips and to prove a new connection works.
 * - `upload`: the client sends `count` bytes; the server answers one {@linkcode UPLOAD_ACK}
 *   byte once it has them all.
 * - `download`: the server sends `count` bytes, then half-closes.
 *
 * Not a Consul protocol: only the SNI (`s1.server.dc1.consul`) and mutual TLS mimic what a
 * server-to-server connection through a mesh gateway looks like.
 *
 * @module
 */

/** The SNI the client sends and the name the server certificate holds. */
export const BENCH_SERVER_NAME = "s1.server.dc1.consul";
/** Node, datacenter and domain that make up {@linkcode BENCH_SERVER_NAME}. */
export const BENCH_NODE = "s1";
/** Datacenter of the benchmark's one server. */
export const BENCH_DC = "dc1";
/** Consul domain of the benchmark's names. */
export const BENCH_DOMAIN = "consul";

/** Bytes of the header: one mode byte and a 64-bit count. */
export const HEADER_BYTES = 9;
/** The largest count a header may carry (bounds a run and what a server agrees to send). */
export const MAX_BULK_BYTES = 4 * 1024 * 1024 * 1024;
/** Size of each write of a bulk transfer, about one socket read. */
export const BULK_CHUNK_BYTES = 64 * 1024;
/** The byte the server sends when an upload arrived in full. */
export const UPLOAD_ACK = 0x6b;

/** What the client asks of a connection. */
export type BenchMode = "echo" | "upload" | "download";

const MODE_BYTES: Record<BenchMode, number> = { echo: 0x65, upload: 0x75, download: 0x64 };

/** File names of the TLS material in the work directory. */
export const TLS_FILES = {
  caCert: "ca.pem",
  serverCert: "server.pem",
  serverKey: "server-key.pem",
  clientCert: "client.pem",
  clientKey: "client-key.pem",
} as const;

/** A header asked for a mode or a count the protocol does not have. */
export class BenchProtocolError extends Error {
  override readonly name = "BenchProtocolError";
}

/** Encodes the header of a connection. */
export function encodeHeader(mode: BenchMode, count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_BULK_BYTES) {
    throw new BenchProtocolError(`Byte count must be 0-${MAX_BULK_BYTES}, got ${count}`);
  }
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = MODE_BYTES[mode];
  new DataView(header.buffer).setBigUint64(1, BigInt(count));
  return header;
}

/**
 * Decodes a header.
 * @throws {BenchProtocolError} for an unknown mode byte or a count over {@linkcode MAX_BULK_BYTES}.
 */
export function decodeHeader(header: Uint8Array): { mode: BenchMode; count: number } {
  if (header.byteLength !== HEADER_BYTES) {
    throw new BenchProtocolError(`Header must be ${HEADER_BYTES} bytes, got ${header.byteLength}`);
  }
  const mode = (Object.keys(MODE_BYTES) as BenchMode[]).find((m) => MODE_BYTES[m] === header[0]);
  if (mode === undefined) throw new BenchProtocolError(`Unknown mode byte ${header[0]}`);
  const count = Number(
    new DataView(header.buffer, header.byteOffset, HEADER_BYTES).getBigUint64(1),
  );
  if (count > MAX_BULK_BYTES) {
    throw new BenchProtocolError(`Byte count ${count} is over the limit of ${MAX_BULK_BYTES}`);
  }
  return { mode, count };
}
