/**
 * The RPC client: each call opens a stream on a session, writes one request, half-closes,
 * and reads one response (see `codec.ts` for the wire format).
 *
 * Every failure surfaces as an {@linkcode RpcError} whose `kind` says whose fault it was; a
 * remote error keeps the server's text unchanged as its message, so callers can match on
 * Consul's texts (e.g. "rpc: can't find method Status.Nope").
 *
 * @module
 */

import type { Clock, Conn } from "../runtime/ports.ts";
import { ByteReader } from "../runtime/streams.ts";
import { encodeRequest, type ReadMessageOptions, readResponse, RpcCodecError } from "./codec.ts";

/** Default time a call may take (Consul's `limits.rpc_client_timeout` default: 60 s). */
export const DEFAULT_RPC_TIMEOUT_MS = 60_000;

/** Anything that opens streams: a yamux session, or a pool handing out sessions. */
export interface StreamOpener {
  /** Opens a new stream; throws when no stream can be opened. */
  open(): Conn;
}

/** Why a call failed. */
export type RpcErrorKind =
  /** The server ran the call and answered with an error text (kept verbatim as `message`). */
  | "remote"
  /** No answer within the timeout. */
  | "timeout"
  /** The caller's signal aborted the call. */
  | "aborted"
  /** No stream could be opened, or the stream broke mid-call. */
  | "transport"
  /** The answer was not a valid RPC response. */
  | "protocol";

/** A failed RPC call. */
export class RpcError extends Error {
  /** Whose fault it was; see {@linkcode RpcErrorKind}. */
  readonly kind: RpcErrorKind;
  /** The `Service.Method` called. */
  readonly method: string;

  /** Builds the error; for `remote`, `message` must be the server's text unchanged. */
  constructor(kind: RpcErrorKind, method: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RpcError";
    this.kind = kind;
    this.method = method;
  }
}

/** Options for one call. */
export interface RpcCallOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds before the call fails with kind `timeout`. */
  readonly timeoutMs?: number;
}

/** Options for {@linkcode RpcClient}. */
export interface RpcClientOptions extends ReadMessageOptions {
  /** Source of timeouts. */
  readonly clock: Clock;
  readonly defaultTimeoutMs?: number;
}

/** Makes RPC calls over streams from a {@linkcode StreamOpener}. */
export class RpcClient {
  #opener: StreamOpener;
  #options: RpcClientOptions;
  #nextSeq = 0;

  /** Creates a client calling over streams from `opener`. */
  constructor(opener: StreamOpener, options: RpcClientOptions) {
    this.#opener = opener;
    this.#options = options;
  }

  /**
   * Calls `method` with `body` and resolves with the decoded result. `R` is the caller's
   * claim about the result's shape; validate it where it matters.
   * @throws {RpcError} for every failure; see its `kind`.
   */
  async call<R = unknown>(method: string, body: unknown, options: RpcCallOptions = {}): Promise<R> {
    if (options.signal?.aborted) {
      throw new RpcError("aborted", method, `RPC ${method} was aborted before it started`);
    }
    let stream: Conn;
    try {
      stream = this.#opener.open();
    } catch (error) {
      throw new RpcError(
        "transport",
        method,
        `Cannot open a stream for ${method}: ${messageOf(error)}`,
        error,
      );
    }
    const seq = this.#nextSeq;
    this.#nextSeq = (this.#nextSeq + 1) % Number.MAX_SAFE_INTEGER;
    const timeoutMs = options.timeoutMs ?? this.#options.defaultTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    let stop: RpcError | null = null;
    const interrupt = (error: RpcError) => {
      stop ??= error;
      stream.close();
    };
    const timer = this.#options.clock.setTimer(
      timeoutMs,
      () =>
        interrupt(
          new RpcError("timeout", method, `RPC ${method} got no answer within ${timeoutMs} ms`),
        ),
    );
    const onAbort = () =>
      interrupt(
        new RpcError(
          "aborted",
          method,
          `RPC ${method} was aborted by the caller`,
          options.signal?.reason,
        ),
      );
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await this.#exchange(stream, method, seq, body);
      if (response.error !== null) throw new RpcError("remote", method, response.error);
      return response.body as R;
    } catch (error) {
      if (stop) throw stop;
      throw error;
    } finally {
      timer.cancel();
      options.signal?.removeEventListener("abort", onAbort);
      stream.close();
    }
  }

  async #exchange(stream: Conn, method: string, seq: number, body: unknown) {
    const writer = stream.writable.getWriter();
    try {
      await writer.write(encodeRequest({ method, seq, body }));
      await writer.close();
    } catch (error) {
      throw new RpcError(
        "transport",
        method,
        `Sending RPC ${method} failed: ${messageOf(error)}`,
        error,
      );
    } finally {
      writer.releaseLock();
    }
    const reader = new ByteReader(stream.readable);
    try {
      const response = await readResponse(reader, this.#options);
      if (response.seq !== seq) {
        throw new RpcError(
          "protocol",
          method,
          `RPC ${method} answer has seq ${response.seq}, expected ${seq}`,
        );
      }
      // The server's FIN follows its answer at once; waiting for it lets the stream finish
      // cleanly instead of being reset by close().
      if (!(await reader.atEof())) {
        throw new RpcError("protocol", method, `RPC ${method} answer is followed by extra bytes`);
      }
      return response;
    } catch (error) {
      if (error instanceof RpcError) throw error;
      const kind = error instanceof RpcCodecError ? "protocol" : "transport";
      throw new RpcError(
        kind,
        method,
        `Reading the answer to RPC ${method} failed: ${messageOf(error)}`,
        error,
      );
    } finally {
      reader.releaseLock();
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
