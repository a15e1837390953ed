/**
 * Typed errors of the log, stable and snapshot stores.
 *
 * @module
 */

/** Why a log, stable or snapshot store call was refused. */
export type StorageErrorCode =
  | "invalid_entry"
  | "non_contiguous"
  | "term_regression"
  | "too_large"
  | "out_of_range"
  | "closed"
  | "failed"
  | "bad_format"
  | "stale_snapshot";

/** A call the store refused; the message says what was wrong and what is allowed. */
export class StorageError extends Error {
  /** Machine-readable reason. */
  readonly code: StorageErrorCode;

  /** Creates the error with a sentence-case message. */
  constructor(code: StorageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StorageError";
    this.code = code;
  }
}

/**
 * Stored data failed verification somewhere it cannot be a torn final write, so repairing it
 * would drop acknowledged entries. Opening refuses; an operator must restore from a peer or a
 * snapshot.
 */
export class CorruptionError extends Error {
  /** The file holding the bad bytes. */
  readonly path: string;
  /** Byte offset of the first bad record in `path`. */
  readonly offset: number;

  /** Creates the error; `reason` says what failed (checksum, length, index sequence). */
  constructor(path: string, offset: number, reason: string) {
    super(
      `File ${path} is corrupt at byte offset ${offset}: ${reason}. ` +
        "It holds acknowledged data, so it was not repaired automatically; restore this " +
        "server's data directory from a snapshot or let it rejoin from a peer.",
    );
    this.name = "CorruptionError";
    this.path = path;
    this.offset = offset;
  }
}
