/**
 * Errors a yamux session and its streams raise to their users.
 *
 * @module
 */

/** Raised by stream reads and writes after the stream was reset by either end. */
export class StreamResetError extends Error {
  /** Which end reset the stream. */
  readonly by: "local" | "remote";

  /** Builds the error for stream `streamId` reset by `by`. */
  constructor(streamId: number, by: "local" | "remote") {
    super(
      by === "remote"
        ? `Yamux stream ${streamId} was reset by the peer; retry the request on a new stream`
        : `Yamux stream ${streamId} was reset locally; it cannot be used any more`,
    );
    this.name = "StreamResetError";
    this.by = by;
  }
}

/** Raised by writes on a stream whose write side was already closed. */
export class StreamClosedError extends Error {
  /** Builds the error for stream `streamId`. */
  constructor(streamId: number) {
    super(`Yamux stream ${streamId} is closed for writing; open a new stream to send more`);
    this.name = "StreamClosedError";
  }
}

/** Raised by every pending and later operation once the session has closed. */
export class SessionClosedError extends Error {
  /** Builds the error; `cause` is what closed the session, when it was not a plain close. */
  constructor(message = "Yamux session is closed; dial a new connection", cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SessionClosedError";
  }
}

/** Raised by `open()` after the peer sent GoAway: it accepts no new streams on this session. */
export class RemoteGoAwayError extends Error {
  /** Builds the error. */
  constructor() {
    super("The peer sent GoAway and accepts no new streams; open the stream on a new session");
    this.name = "RemoteGoAwayError";
  }
}

/** Raised by `open()` when the session already holds its maximum number of streams. */
export class StreamLimitError extends Error {
  /** Builds the error for a limit of `maxStreams`. */
  constructor(maxStreams: number) {
    super(
      `Yamux session already has ${maxStreams} open streams (the limit); ` +
        "close finished streams or raise maxStreams",
    );
    this.name = "StreamLimitError";
  }
}

/** Raised when a ping (or keepalive) got no answer in time. */
export class PingTimeoutError extends Error {
  /** Builds the error for a timeout of `timeoutMs`. */
  constructor(timeoutMs: number) {
    super(`Yamux ping got no answer within ${timeoutMs} ms; the peer or the network is stuck`);
    this.name = "PingTimeoutError";
  }
}
