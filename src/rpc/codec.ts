/**
 * The RPC message codec: one request and one response per stream, each a msgpack map behind
 * a 4-byte big-endian length prefix.
 *
 * Request map: `{ServiceMethod: string, Seq: uint, Body: any}`. Response map:
 * `{Seq: uint, Error: string | nil, Body: any}` (`Error` nil or absent means success). The key
 * names follow Go's net/rpc headers, which Consul uses, but the framing is our own: Consul
 * writes the header and the body as two unframed msgpack values, which makes every read
 * unbounded until decoded. The prefix lets a reader refuse an oversized message before
 * buffering it (`maxMessageBytes`). So Consulate servers do not talk RPC with Consul
 * servers; docs/protocol.md ("Server RPC: yamux + msgpack") says why.
 *
 * One request per stream: a stream is cheap under yamux (one SYN, no round trip), the
 * response needs no matching by seq, and a cancelled call is a stream reset.
 *
 * @module
 */

import { decode, encode } from "@msgpack/msgpack";
import { ByteReader, UnexpectedEofError } from "../runtime/streams.ts";

/** Default bound on one encoded RPC message (request or response), prefix excluded. */
export const DEFAULT_MAX_RPC_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Size of the big-endian length prefix in front of every message. */
export const LENGTH_PREFIX_BYTES = 4;

/** Longest accepted `ServiceMethod` name, in characters. */
export const MAX_METHOD_NAME_CHARS = 256;

/** A call: which method, a sequence number the response echoes, and the argument. */
export interface RpcRequest {
  /** `Service.Method`, e.g. `Catalog.ListServices`. */
  readonly method: string;
  readonly seq: number;
  readonly body: unknown;
}

/** The answer to one {@linkcode RpcRequest}. */
export interface RpcResponse {
  readonly seq: number;
  /** The remote error text, or null on success. */
  readonly error: string | null;
  readonly body: unknown;
}

/** Raised for bytes that are not a valid RPC message (bad prefix, size, msgpack or shape). */
export class RpcCodecError extends Error {
  /** Builds the error with a sentence saying what was wrong. */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RpcCodecError";
  }
}

/** Options for reading messages. */
export interface ReadMessageOptions {
  /** Largest message accepted; defaults to {@linkcode DEFAULT_MAX_RPC_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
}

/** Encodes a request as length prefix plus msgpack map. */
export function encodeRequest(request: RpcRequest): Uint8Array {
  return frame(encode({ ServiceMethod: request.method, Seq: request.seq, Body: request.body }));
}

/** Encodes a response as length prefix plus msgpack map. */
export function encodeResponse(response: RpcResponse): Uint8Array {
  return frame(encode({ Seq: response.seq, Error: response.error, Body: response.body }));
}

/**
 * Reads one request; null when the stream ended before its first byte.
 * @throws {RpcCodecError} on an oversized or malformed message, or a stream cut mid-message.
 */
export async function readRequest(
  reader: ByteReader,
  options: ReadMessageOptions = {},
): Promise<RpcRequest | null> {
  const map = await readMessage(reader, "request", options);
  if (map === null) return null;
  const method = map.ServiceMethod;
  if (typeof method !== "string" || method.length === 0 || method.length > MAX_METHOD_NAME_CHARS) {
    throw new RpcCodecError(
      `RPC request has no valid ServiceMethod; expected a string of 1 to ` +
        `${MAX_METHOD_NAME_CHARS} characters like "Catalog.ListServices"`,
    );
  }
  return { method, seq: readSeq(map, "request"), body: map.Body ?? null };
}

/**
 * Reads one response.
 * @throws {RpcCodecError} on an oversized or malformed message, or when the stream ends first.
 */
export async function readResponse(
  reader: ByteReader,
  options: ReadMessageOptions = {},
): Promise<RpcResponse> {
  const map = await readMessage(reader, "response", options);
  if (map === null) {
    throw new RpcCodecError("The stream ended before the RPC response arrived");
  }
  const error = map.Error ?? null;
  if (error !== null && typeof error !== "string") {
    throw new RpcCodecError("RPC response Error must be a string or nil");
  }
  // Go's net/rpc uses "" for "no error"; treat it the same way.
  return { seq: readSeq(map, "response"), error: error || null, body: map.Body ?? null };
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength);
  out.set(payload, LENGTH_PREFIX_BYTES);
  return out;
}

async function readMessage(
  reader: ByteReader,
  what: "request" | "response",
  options: ReadMessageOptions,
): Promise<Record<string, unknown> | null> {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_RPC_MESSAGE_BYTES;
  if (await reader.atEof()) return null;
  const prefix = await readExactly(reader, LENGTH_PREFIX_BYTES, what);
  const size = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getUint32(0);
  if (size === 0) throw new RpcCodecError(`RPC ${what} has length 0; a message is never empty`);
  if (size > maxBytes) {
    throw new RpcCodecError(
      `RPC ${what} of ${size} bytes exceeds the limit of ${maxBytes} bytes`,
    );
  }
  const payload = await readInPieces(reader, size, what);
  let value: unknown;
  try {
    // Every array element or map entry takes at least one byte, so the payload size bounds
    // the lengths a hostile message could declare.
    value = decode(payload, { maxArrayLength: size, maxMapLength: size });
  } catch (error) {
    throw new RpcCodecError(`RPC ${what} is not valid msgpack: ${messageOf(error)}`, error);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RpcCodecError(`RPC ${what} must be a msgpack map`);
  }
  return value as Record<string, unknown>;
}

/** Reads `size` bytes without asking the ByteReader to buffer more than one chunk at once. */
async function readInPieces(
  reader: ByteReader,
  size: number,
  what: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let filled = 0;
  while (filled < size) {
    const piece = await reader.readAtMost(size - filled);
    if (piece === null) {
      throw new RpcCodecError(
        `The stream ended after ${filled} of ${size} bytes of an RPC ${what}`,
      );
    }
    out.set(piece, filled);
    filled += piece.byteLength;
  }
  return out;
}

async function readExactly(reader: ByteReader, n: number, what: string): Promise<Uint8Array> {
  try {
    return await reader.readExactly(n);
  } catch (error) {
    if (error instanceof UnexpectedEofError) {
      throw new RpcCodecError(`The stream ended inside the length prefix of an RPC ${what}`);
    }
    throw error;
  }
}

function readSeq(map: Record<string, unknown>, what: string): number {
  const seq = map.Seq;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) {
    throw new RpcCodecError(`RPC ${what} Seq must be a non-negative integer`);
  }
  return seq;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
