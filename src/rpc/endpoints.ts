/**
 * The RPC endpoint registry and the server side of one RPC stream.
 *
 * Handlers are registered by `Service.Method` name; {@linkcode serveStream} reads one request
 * from a stream, runs the handler and writes the response. Lookup failures answer with the
 * exact texts of Go's net/rpc (what Consul's servers send), so callers and tools that match on
 * them keep working.
 *
 * @module
 */

import type { Conn, NetAddr } from "../runtime/ports.ts";
import { ByteReader } from "../runtime/streams.ts";
import {
  encodeResponse,
  type ReadMessageOptions,
  readRequest,
  RpcCodecError,
  type RpcRequest,
} from "./codec.ts";

/** What a handler learns about the call besides its argument. */
export interface RpcContext {
  /** The datacenter the call came from, when it was forwarded from another one. */
  readonly sourceDc?: string;
  /** Aborted when the caller gave up (stream reset) or the server is shutting down. */
  readonly signal: AbortSignal;
  /** Address of the connection the call arrived on. */
  readonly remoteAddr: NetAddr;
  /** The full `Service.Method` name. */
  readonly method: string;
}

/** A registered RPC method: takes the decoded argument, returns the result to encode. */
export type RpcHandler<B = unknown, R = unknown> = (
  body: B,
  context: RpcContext,
) => R | Promise<R>;

/** Turns the raw msgpack-decoded argument into the handler's type, throwing when invalid. */
export type BodyParser<B> = (raw: unknown) => B;

/** Go net/rpc's text for a name without a dot. */
export function illFormedMethodText(method: string): string {
  return `rpc: service/method request ill-formed: ${method}`;
}

/** Go net/rpc's text for an unknown service. */
export function unknownServiceText(method: string): string {
  return `rpc: can't find service ${method}`;
}

/** Go net/rpc's text for a known service without that method. */
export function unknownMethodText(method: string): string {
  return `rpc: can't find method ${method}`;
}

interface Entry {
  readonly handler: RpcHandler<unknown, unknown>;
  readonly parse: BodyParser<unknown> | null;
}

/** Where RPC methods are registered and looked up. */
export class RpcRegistry {
  #entries = new Map<string, Entry>();
  #services = new Set<string>();

  /**
   * Registers `method` (`Service.Method`). With `parseBody`, the handler receives its result
   * and a parse failure becomes the call's error text.
   * @throws {Error} when the name is not `Service.Method` or is already registered.
   */
  register(method: string, handler: RpcHandler<unknown, unknown>): void;
  register<B>(method: string, handler: RpcHandler<B, unknown>, parseBody: BodyParser<B>): void;
  register<B>(
    method: string,
    handler: RpcHandler<B, unknown>,
    parseBody?: BodyParser<B>,
  ): void {
    const dot = method.lastIndexOf(".");
    if (dot <= 0 || dot === method.length - 1) {
      throw new Error(`RPC method name "${method}" must look like "Service.Method"`);
    }
    if (this.#entries.has(method)) {
      throw new Error(`RPC method "${method}" is already registered`);
    }
    this.#entries.set(method, {
      handler: handler as RpcHandler<unknown, unknown>,
      parse: parseBody ?? null,
    });
    this.#services.add(method.slice(0, dot));
  }

  /** True when `method` is registered. */
  has(method: string): boolean {
    return this.#entries.has(method);
  }

  /**
   * Runs the handler for `request` and returns its result.
   * @throws {RpcCallError} with net/rpc's text when the method is unknown, or the parse error.
   * @throws whatever the handler throws.
   */
  async dispatch(request: RpcRequest, context: RpcContext): Promise<unknown> {
    const entry = this.#entries.get(request.method);
    if (!entry) throw new RpcCallError(this.#lookupFailure(request.method));
    let body = request.body;
    if (entry.parse) {
      try {
        body = entry.parse(body);
      } catch (error) {
        throw new RpcCallError(`Invalid argument for ${request.method}: ${messageOf(error)}`);
      }
    }
    return await entry.handler(body, context);
  }

  #lookupFailure(method: string): string {
    const dot = method.lastIndexOf(".");
    if (dot < 0) return illFormedMethodText(method);
    return this.#services.has(method.slice(0, dot))
      ? unknownMethodText(method)
      : unknownServiceText(method);
  }
}

/** An error whose message is sent to the caller as the call's error text. */
export class RpcCallError extends Error {
  /** Builds the error; `message` is what the caller will see. */
  constructor(message: string) {
    super(message);
    this.name = "RpcCallError";
  }
}

/** How one stream was served. */
export type ServeOutcome =
  /** A request was answered (with a result or an error text). */
  | "answered"
  /** The stream ended before any request byte. */
  | "empty"
  /** The request was not a valid message; the stream was reset. */
  | "malformed"
  /** The caller went away before the answer could be written. */
  | "abandoned";

/** Options for {@linkcode serveStream}. */
export interface ServeStreamOptions extends ReadMessageOptions {
  readonly sourceDc?: string;
  /** Aborts the handler when the server shuts down. */
  readonly signal?: AbortSignal;
}

/**
 * Serves one RPC stream: reads one request, dispatches it, writes the response and closes
 * the write side. Never throws for anything the peer does; the outcome says what happened.
 */
export async function serveStream(
  stream: Conn,
  registry: RpcRegistry,
  options: ServeStreamOptions = {},
): Promise<ServeOutcome> {
  const reader = new ByteReader(stream.readable, { maxBufferBytes: 64 * 1024 });
  let request: RpcRequest | null;
  try {
    request = await readRequest(reader, options);
  } catch (error) {
    stream.close();
    return error instanceof RpcCodecError ? "malformed" : "abandoned";
  }
  reader.releaseLock();
  if (request === null) {
    await stream.writable.close().catch(() => {});
    return "empty";
  }
  const abort = new AbortController();
  const onServerAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onServerAbort, { once: true });
  // Before our FIN, a settled `closed` can only mean a reset or a dead session.
  stream.closed.then(() => abort.abort(new Error("The caller closed the RPC stream")));
  const context: RpcContext = {
    signal: abort.signal,
    remoteAddr: stream.remoteAddr,
    method: request.method,
    ...(options.sourceDc === undefined ? {} : { sourceDc: options.sourceDc }),
  };
  let result: { error: string | null; body: unknown };
  try {
    result = { error: null, body: await registry.dispatch(request, context) };
  } catch (error) {
    result = { error: messageOf(error) || "rpc: handler failed without a message", body: null };
  } finally {
    options.signal?.removeEventListener("abort", onServerAbort);
  }
  if (abort.signal.aborted && options.signal?.aborted !== true) return "abandoned";
  return await writeAnswer(stream, encodeResponse({ seq: request.seq, ...result }));
}

async function writeAnswer(stream: Conn, bytes: Uint8Array): Promise<ServeOutcome> {
  const writer = stream.writable.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
    return "answered";
  } catch {
    stream.close();
    return "abandoned";
  } finally {
    writer.releaseLock();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
