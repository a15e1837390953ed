/**
 * One length-prefixed frame per direction on a gossip stream: a 4-byte big-endian length then
 * the message (the same framing Consul uses for gossip over gateways). Private to the module.
 *
 * @module
 */

import { ByteReader } from "../runtime/streams.ts";
import { MAX_STREAM_MESSAGE_BYTES } from "./messages.ts";

/** Raised when a peer announces a frame larger than allowed. */
export class GossipFrameTooLargeError extends Error {
  /** Builds the error. */
  constructor(sizeBytes: number) {
    super(
      `Gossip stream frame of ${sizeBytes} bytes exceeds the ${MAX_STREAM_MESSAGE_BYTES} byte limit`,
    );
    this.name = "GossipFrameTooLargeError";
  }
}

/** Prefixes `bytes` with its length. */
export function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, bytes.byteLength);
  out.set(bytes, 4);
  return out;
}

/**
 * Reads one frame.
 * @throws {GossipFrameTooLargeError} for an oversized length; stream errors pass through.
 */
export async function readFrame(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = new ByteReader(readable, { maxBufferBytes: MAX_STREAM_MESSAGE_BYTES });
  try {
    const header = await reader.readExactly(4);
    const size = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
    if (size > MAX_STREAM_MESSAGE_BYTES) throw new GossipFrameTooLargeError(size);
    return (await reader.readExactly(size)).slice();
  } finally {
    reader.releaseLock();
  }
}
