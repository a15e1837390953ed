/**
 * Recovery scan of one log segment: verifies every record and decides whether damage at the
 * end is a torn final append (safe to cut off) or damage to acknowledged entries (refuse).
 *
 * @module
 */
import { CorruptionError } from "./errors.ts";
import {
  decodeRecord,
  MAX_RECORD_PAYLOAD_BYTES,
  RECORD_FIXED_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
} from "./_wal_record.ts";

/** What a scan found in one segment. */
export interface SegmentScan {
  /** Byte offset of each entry, entry `baseIndex + i` at `offsets[i]`. */
  readonly offsets: number[];
  /** Term of each entry, parallel to `offsets`. */
  readonly terms: number[];
  /** Bytes holding verified records; anything after is the torn tail. */
  readonly validBytes: number;
  /** Present when a torn final append was found at `validBytes`. */
  readonly torn?: { readonly reason: string; readonly discardedBytes: number };
}

/** Where a segment sits in the log, for checking its records. */
export interface ScanContext {
  readonly path: string;
  /** Index the segment's first record must carry (from its file name). */
  readonly baseIndex: number;
  /** Term of the entry before `baseIndex`, or 0; terms never decrease along the log. */
  readonly previousTerm: number;
  /** Only the newest segment can end in a torn append. */
  readonly isLast: boolean;
}

/**
 * Verifies `bytes` as a segment.
 *
 * @throws {CorruptionError} when a bad record is followed by acknowledged data, is in a
 *   sealed segment, or is a well-formed record out of sequence.
 */
export function scanSegment(bytes: Uint8Array, context: ScanContext): SegmentScan {
  const offsets: number[] = [];
  const terms: number[] = [];
  let at = 0;
  let expectedIndex = context.baseIndex;
  let previousTerm = context.previousTerm;
  while (at < bytes.length) {
    const decoded = decodeRecord(bytes, at);
    if ("problem" in decoded) {
      if (!context.isLast) {
        throw new CorruptionError(context.path, at, `${decoded.problem} in a sealed segment`);
      }
      const later = findLaterBatchStart(bytes, at + 1, expectedIndex);
      if (later !== undefined) {
        throw new CorruptionError(
          context.path,
          at,
          `${decoded.problem}, yet a later append (entry ${later.index} at offset ` +
            `${later.offset}) was written after it`,
        );
      }
      const torn = { reason: decoded.problem, discardedBytes: bytes.length - at };
      return { offsets, terms, validBytes: at, torn };
    }
    const { entry } = decoded;
    if (entry.index !== expectedIndex) {
      throw new CorruptionError(
        context.path,
        at,
        `expected entry ${expectedIndex} but found entry ${entry.index}`,
      );
    }
    if (entry.term < previousTerm) {
      throw new CorruptionError(
        context.path,
        at,
        `entry ${entry.index} has term ${entry.term}, lower than the previous term ${previousTerm}`,
      );
    }
    offsets.push(at);
    terms.push(entry.term);
    previousTerm = entry.term;
    expectedIndex++;
    at = decoded.end;
  }
  return { offsets, terms, validBytes: at };
}

/**
 * Looks past a bad record for the start of a later append. Appends are written one after the
 * previous one's fsync returned, so finding one proves the bad record was acknowledged. Records
 * of the same torn append may survive too; those carry no batch-start flag and are ignored.
 */
function findLaterBatchStart(
  bytes: Uint8Array,
  from: number,
  expectedIndex: number,
): { index: number; offset: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const minRecordBytes = RECORD_HEADER_BYTES + RECORD_FIXED_PAYLOAD_BYTES;
  const maxIndex = expectedIndex + Math.ceil((bytes.length - from) / minRecordBytes);
  for (let at = from; at + minRecordBytes <= bytes.length; at++) {
    // Cheap field checks first so a long tail is scanned without hashing at every offset.
    const length = view.getUint32(at, true);
    if (length < RECORD_FIXED_PAYLOAD_BYTES || length > MAX_RECORD_PAYLOAD_BYTES) continue;
    if (at + RECORD_HEADER_BYTES + length > bytes.length) continue;
    const index = view.getUint32(at + RECORD_HEADER_BYTES + 4, true) * 0x1_0000_0000 +
      view.getUint32(at + RECORD_HEADER_BYTES, true);
    if (index <= expectedIndex || index > maxIndex) continue;
    const decoded = decodeRecord(bytes, at);
    if ("problem" in decoded || !decoded.batchStart) continue;
    return { index: decoded.entry.index, offset: at };
  }
  return undefined;
}
