/**
 * Opening a log directory: read every segment, verify it, cut off a torn final append durably,
 * and rebuild the in-memory offset index.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { CorruptionError } from "./errors.ts";
import { scanSegment } from "./_wal_scan.ts";
import { joinPath, parseSegmentFileName, type Segment, segmentLastIndex } from "./_wal_layout.ts";

/** A torn final append that recovery cut off. Those entries were never acknowledged. */
export interface TornTailRepair {
  /** The segment file that was truncated. */
  readonly path: string;
  /** The offset it was truncated to (where the torn record began). */
  readonly offset: number;
  /** How many bytes were cut off. */
  readonly discardedBytes: number;
  /** What was wrong with the first discarded record. */
  readonly reason: string;
}

/** What opening the log found; worth logging at startup. */
export interface LogRecoverySummary {
  readonly segmentCount: number;
  readonly entryCount: number;
  /** `0` when the log is empty. */
  readonly firstIndex: number;
  /** `0` when the log is empty. */
  readonly lastIndex: number;
  /** The repaired torn tail, or `null` when the log ended cleanly. */
  readonly tornTail: TornTailRepair | null;
}

/** The verified segments plus the newest segment's bytes, which seed the read caches. */
export interface RecoveredLog {
  readonly segments: Segment[];
  readonly summary: LogRecoverySummary;
  readonly lastSegmentBytes: Uint8Array | null;
}

/**
 * Reads and verifies every segment in `dir`, truncating a torn tail of the newest one.
 *
 * @throws {CorruptionError} for damage that is not a torn final append, or segments that
 *   do not join up (a gap or overlap between files).
 */
export async function recoverLog(fs: FileSystem, dir: string): Promise<RecoveredLog> {
  const names = (await fs.readDir(dir))
    .map((name) => ({ name, baseIndex: parseSegmentFileName(name) }))
    .filter((item): item is { name: string; baseIndex: number } => item.baseIndex !== undefined)
    .sort((a, b) => a.baseIndex - b.baseIndex);
  const segments: Segment[] = [];
  let tornTail: TornTailRepair | null = null;
  let lastSegmentBytes: Uint8Array | null = null;
  let previousTerm = 0;
  for (const [position, { name, baseIndex }] of names.entries()) {
    const path = joinPath(dir, name);
    const isLast = position === names.length - 1;
    const previous = segments.at(-1);
    if (previous !== undefined) checkJoin(previous, path, baseIndex);
    const bytes = await fs.readFile(path);
    const scan = scanSegment(bytes, { path, baseIndex, previousTerm, isLast });
    if (scan.offsets.length === 0 && !isLast) {
      throw new CorruptionError(path, 0, "a sealed segment holds no entries");
    }
    if (scan.torn !== undefined) {
      await fs.truncate(path, scan.validBytes);
      tornTail = { path, offset: scan.validBytes, ...scan.torn };
    }
    segments.push({
      path,
      baseIndex,
      offsets: scan.offsets,
      terms: scan.terms,
      sizeBytes: scan.validBytes,
    });
    previousTerm = scan.terms.at(-1) ?? previousTerm;
    if (isLast) lastSegmentBytes = bytes.subarray(0, scan.validBytes);
  }
  return { segments, summary: summarize(segments, tornTail), lastSegmentBytes };
}

function checkJoin(previous: Segment, path: string, baseIndex: number): void {
  const expected = segmentLastIndex(previous) + 1;
  if (baseIndex !== expected) {
    throw new CorruptionError(
      path,
      0,
      `the segment starts at entry ${baseIndex} but the previous segment ${previous.path} ` +
        `ends at entry ${expected - 1}`,
    );
  }
}

function summarize(segments: Segment[], tornTail: TornTailRepair | null): LogRecoverySummary {
  const entryCount = segments.reduce((sum, segment) => sum + segment.offsets.length, 0);
  const first = segments.find((segment) => segment.offsets.length > 0);
  const last = segments.findLast((segment) => segment.offsets.length > 0);
  return {
    segmentCount: segments.length,
    entryCount,
    firstIndex: first?.baseIndex ?? 0,
    lastIndex: last === undefined ? 0 : segmentLastIndex(last),
    tornTail,
  };
}
