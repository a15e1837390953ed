/**
 * The write-ahead-log record format:
 *
 * ```
 * u32 LE  payload length
 * u32 LE  CRC-32C over the 4 length bytes, then the payload
 * payload: u64 LE index | u64 LE term | u8 type | u8 flags | data
 * ```
 *
 * Covering the length with the checksum means a flipped length bit is caught like any other.
 * The `batch start` flag marks the first record of each append call; recovery uses it to tell
 * a torn final batch (never acknowledged) from damage to acknowledged records.
 *
 * @module
 */
import { crc32c } from "./_crc32c.ts";
import { StorageError } from "./errors.ts";
import { type LogEntry, MAX_LOG_ENTRY_TYPE } from "./log_entry.ts";

/** Bytes before the payload: length and checksum. */
export const RECORD_HEADER_BYTES = 8;
/** Fixed payload bytes before the entry data: index, term, type, flags. */
export const RECORD_FIXED_PAYLOAD_BYTES = 18;
/** Flag bit: this record is the first of one append call (one fsync). */
export const FLAG_BATCH_START = 1;
const KNOWN_FLAGS = FLAG_BATCH_START;
/** Largest entry `data` one record may carry. */
export const MAX_RECORD_DATA_BYTES = 16 * 1024 * 1024;
/** Largest payload a record may declare; anything larger is corruption. */
export const MAX_RECORD_PAYLOAD_BYTES = RECORD_FIXED_PAYLOAD_BYTES + MAX_RECORD_DATA_BYTES;

const TWO_POW_32 = 0x1_0000_0000;

/** Encoded size of `entry` including the record header. */
export function recordBytes(entry: LogEntry): number {
  return RECORD_HEADER_BYTES + RECORD_FIXED_PAYLOAD_BYTES + entry.data.length;
}

/**
 * Checks one entry's fields before anything is written.
 *
 * @throws {StorageError} `invalid_entry` or `too_large`.
 */
export function validateEntry(entry: LogEntry): void {
  if (!Number.isSafeInteger(entry.index) || entry.index < 1) {
    throw new StorageError("invalid_entry", `Entry index ${entry.index} is not an integer >= 1.`);
  }
  if (!Number.isSafeInteger(entry.term) || entry.term < 0) {
    throw new StorageError(
      "invalid_entry",
      `Entry ${entry.index} has term ${entry.term}; terms are integers >= 0.`,
    );
  }
  if (!Number.isInteger(entry.type) || entry.type < 0 || entry.type > MAX_LOG_ENTRY_TYPE) {
    throw new StorageError(
      "invalid_entry",
      `Entry ${entry.index} has type ${entry.type}; types are integers 0..${MAX_LOG_ENTRY_TYPE}.`,
    );
  }
  if (!(entry.data instanceof Uint8Array)) {
    throw new StorageError("invalid_entry", `Entry ${entry.index} data must be a Uint8Array.`);
  }
  if (entry.data.length > MAX_RECORD_DATA_BYTES) {
    throw new StorageError(
      "too_large",
      `Entry ${entry.index} carries ${entry.data.length} bytes; the limit is ` +
        `${MAX_RECORD_DATA_BYTES} bytes per entry.`,
    );
  }
}

/**
 * Encodes `entries` back to back into one buffer (one write, one fsync).
 * Returns the buffer, each record's offset within it, and the entries re-pointed at views of
 * their encoded data, so caches hold the store's copy rather than the caller's buffers.
 */
export function encodeRecords(
  entries: readonly LogEntry[],
): { bytes: Uint8Array; offsets: number[]; stored: LogEntry[] } {
  let total = 0;
  for (const entry of entries) total += recordBytes(entry);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const offsets: number[] = [];
  const stored: LogEntry[] = [];
  let at = 0;
  for (const entry of entries) {
    offsets.push(at);
    const payloadLength = RECORD_FIXED_PAYLOAD_BYTES + entry.data.length;
    view.setUint32(at, payloadLength, true);
    const payloadAt = at + RECORD_HEADER_BYTES;
    writeUint64(view, payloadAt, entry.index);
    writeUint64(view, payloadAt + 8, entry.term);
    bytes[payloadAt + 16] = entry.type;
    bytes[payloadAt + 17] = offsets.length === 1 ? FLAG_BATCH_START : 0;
    bytes.set(entry.data, payloadAt + RECORD_FIXED_PAYLOAD_BYTES);
    const crc = crc32c(
      bytes.subarray(payloadAt, payloadAt + payloadLength),
      crc32c(bytes.subarray(at, at + 4)),
    );
    view.setUint32(at + 4, crc, true);
    at = payloadAt + payloadLength;
    const data = bytes.subarray(payloadAt + RECORD_FIXED_PAYLOAD_BYTES, at);
    stored.push({ index: entry.index, term: entry.term, type: entry.type, data });
  }
  return { bytes, offsets, stored };
}

/** A record decoded in place: `data` is a view into the buffer it was read from. */
export interface DecodedRecord {
  readonly entry: LogEntry;
  /** True for the first record of an append call. */
  readonly batchStart: boolean;
  /** Offset just past this record. */
  readonly end: number;
}

/** Why the bytes at an offset are not a valid record. */
export interface RecordProblem {
  readonly problem: string;
}

/** Decodes the record at `offset`, or says why the bytes there are not one. */
export function decodeRecord(bytes: Uint8Array, offset: number): DecodedRecord | RecordProblem {
  const available = bytes.length - offset;
  if (available < RECORD_HEADER_BYTES) {
    return { problem: `only ${available} bytes where a ${RECORD_HEADER_BYTES}-byte header starts` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadLength = view.getUint32(offset, true);
  if (payloadLength < RECORD_FIXED_PAYLOAD_BYTES || payloadLength > MAX_RECORD_PAYLOAD_BYTES) {
    return { problem: `record length ${payloadLength} is outside the valid range` };
  }
  const payloadAt = offset + RECORD_HEADER_BYTES;
  const end = payloadAt + payloadLength;
  if (end > bytes.length) {
    return { problem: `record of ${payloadLength} bytes runs past the end of the file` };
  }
  const crc = crc32c(bytes.subarray(payloadAt, end), crc32c(bytes.subarray(offset, offset + 4)));
  if (crc !== view.getUint32(offset + 4, true)) {
    return { problem: "checksum mismatch" };
  }
  const index = readUint64(view, payloadAt);
  const term = readUint64(view, payloadAt + 8);
  if (index === undefined || term === undefined) {
    return { problem: "index or term beyond the safe integer range" };
  }
  const type = bytes[payloadAt + 16];
  const flags = bytes[payloadAt + 17];
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    return { problem: `unknown record flags 0x${flags.toString(16)}` };
  }
  const data = bytes.subarray(payloadAt + RECORD_FIXED_PAYLOAD_BYTES, end);
  return { entry: { index, term, type, data }, batchStart: flags === FLAG_BATCH_START, end };
}

function writeUint64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % TWO_POW_32, true);
  view.setUint32(at + 4, Math.floor(value / TWO_POW_32), true);
}

function readUint64(view: DataView, at: number): number | undefined {
  const value = view.getUint32(at + 4, true) * TWO_POW_32 + view.getUint32(at, true);
  return Number.isSafeInteger(value) ? value : undefined;
}
