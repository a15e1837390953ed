/**
 * Cross-datacenter forwarding: a request whose `Datacenter` names another datacenter is sent
 * to one of that datacenter's servers; any other request is served by the local registry.
 *
 * Failures use Consul's texts (`agent/structs/errors.go`), because HTTP clients and tools
 * match on them: an unknown datacenter is "No path to datacenter"; a known one whose servers
 * cannot be reached (none listed, or the dial failed) is "Remote DC has no server currently
 * reachable". An error the remote server answered with keeps its text.
 *
 * Blocking queries cross the hop unchanged (`MinQueryIndex`, `MaxQueryTime` in the body);
 * the call's own timeout is stretched to cover the wait plus its jitter.
 *
 * Tokens: Consul strips only tokens that are local to this datacenter. Consulate does not
 * replicate ACL tokens yet, so every token is local: `Token` is dropped from forwarded
 * requests and the remote datacenter serves them as the anonymous token.
 *
 * @module
 */

import type { NetAddr } from "../runtime/ports.ts";
import { DEFAULT_RPC_TIMEOUT_MS, RpcError } from "./client.ts";
import type { RpcContext, RpcRegistry } from "./endpoints.ts";
import { type ConnPool, ServerDialError } from "./conn_pool.ts";
import type { DcRouter } from "./dc_router.ts";
import type { RpcLogger } from "./rpc_listener.ts";

/** Consul's `structs.ErrNoDCPath` text: the datacenter is not known. */
export const NO_PATH_TO_DC_TEXT = "No path to datacenter";
/** Consul's `structs.ErrDCNotAvailable` text: known, but no server can be reached. */
export const DC_NOT_AVAILABLE_TEXT = "Remote DC has no server currently reachable";

/** Blocking wait when a request gives no `MaxQueryTime` (Consul's default, 5 minutes). */
export const DEFAULT_BLOCKING_WAIT_MS = 5 * 60_000;
/** Longest blocking wait a server grants (Consul's cap, 10 minutes). */
export const MAX_BLOCKING_WAIT_MS = 10 * 60_000;
/** A blocking wait gets up to wait/16 of jitter on the serving side (Consul's fraction). */
export const BLOCKING_JITTER_FRACTION = 16;

/** The address handlers see for calls made in-process rather than over a connection. */
export const IN_PROCESS_CALLER: NetAddr = Object.freeze({ hostname: "in-process", port: 0 });

/** Why a request could not be forwarded; `message` is Consul's text. */
export type ForwardErrorKind = "no_path" | "dc_unavailable";

/** A request that could not be sent to its datacenter. */
export class ForwardError extends Error {
  /** `no_path` (unknown datacenter) or `dc_unavailable` (no reachable server). */
  readonly kind: ForwardErrorKind;
  /** The datacenter asked for. */
  readonly datacenter: string;

  /** Builds the error with Consul's text for `kind`. */
  constructor(kind: ForwardErrorKind, datacenter: string, options?: ErrorOptions) {
    super(kind === "no_path" ? NO_PATH_TO_DC_TEXT : DC_NOT_AVAILABLE_TEXT, options);
    this.name = "ForwardError";
    this.kind = kind;
    this.datacenter = datacenter;
  }
}

/** One call to route. */
export interface ForwardRequest {
  /** `Service.Method`. */
  readonly method: string;
  /** The argument; its `Datacenter` field picks where it runs ("" or absent: here). */
  readonly body: unknown;
  /** Aborts the call (a local handler sees it; a remote call is reset). */
  readonly signal?: AbortSignal;
}

/** A point-in-time copy of the forwarder's counters. */
export interface ForwarderSnapshot {
  /** Requests served by the local registry. */
  readonly local: number;
  /** Requests sent to another datacenter (Consul's `rpc.cross-dc`). */
  readonly crossDc: number;
  readonly noPath: number;
  readonly dcUnavailable: number;
  /** Forwarded requests that failed after reaching a server (remote errors included). */
  readonly failed: number;
}

/** Options for {@linkcode RpcForwarder}. */
export interface RpcForwarderOptions {
  /** This server's datacenter. */
  readonly localDc: string;
  /** Serves requests for this datacenter. */
  readonly registry: RpcRegistry;
  readonly router: DcRouter;
  readonly pool: ConnPool;
  /** Time a non-blocking forwarded call may take (default 60 s, `rpc_client_timeout`). */
  readonly rpcTimeoutMs?: number;
  readonly logger?: RpcLogger;
}

/** Routes requests to the local registry or to a server of their datacenter. */
export class RpcForwarder {
  readonly #options: RpcForwarderOptions;
  #counts = { local: 0, crossDc: 0, noPath: 0, dcUnavailable: 0, failed: 0 };

  /** Creates a forwarder. */
  constructor(options: RpcForwarderOptions) {
    this.#options = options;
  }

  /** A copy of the counters. */
  snapshot(): ForwarderSnapshot {
    return { ...this.#counts };
  }

  /**
   * Runs `request` here when its `Datacenter` is "", absent or local, else in its datacenter.
   * @throws {ForwardError} with Consul's text when the datacenter cannot be reached.
   * @throws {RpcError} for a forwarded call that failed (a remote error keeps its text).
   * @throws whatever the local handler throws.
   */
  async forwardRpc<R = unknown>(request: ForwardRequest): Promise<R> {
    const dc = datacenterOf(request.body);
    if (dc === "" || dc === this.#options.localDc) {
      this.#counts.local++;
      return await this.#serveLocally(request) as R;
    }
    return await this.forwardDc(dc, request.method, request.body, request.signal) as R;
  }

  /**
   * Sends `method` to a server of `dc` (never the local registry). Shaped like the endpoints'
   * `ForwardFn`, so it can be passed as `deps.forward`.
   * @throws {ForwardError} with Consul's text when `dc` cannot be reached.
   * @throws {RpcError} for a call that failed on the way or at the remote server.
   */
  async forwardDc(
    dc: string,
    method: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const route = this.#options.router.findRoute(dc);
    if (route.kind !== "server") {
      const kind = route.kind === "unknown-dc" ? "no_path" : "dc_unavailable";
      return this.#unreachable(new ForwardError(kind, dc));
    }
    const { node, addr } = route.server;
    this.#counts.crossDc++;
    try {
      const result = await this.#options.pool.call(
        { dc, node, addr },
        method,
        withoutToken(body),
        { timeoutMs: forwardTimeoutMs(body, this.#options.rpcTimeoutMs), signal },
      );
      this.#options.router.notifyServerHealthy(dc, node);
      return result;
    } catch (error) {
      return this.#failed(dc, node, error);
    }
  }

  #serveLocally(request: ForwardRequest): Promise<unknown> {
    const context: RpcContext = {
      signal: request.signal ?? new AbortController().signal,
      remoteAddr: IN_PROCESS_CALLER,
      method: request.method,
    };
    return this.#options.registry.dispatch(
      { method: request.method, seq: 0, body: request.body },
      context,
    );
  }

  #unreachable(error: ForwardError): never {
    if (error.kind === "no_path") {
      this.#counts.noPath++;
      this.#options.logger?.warn(
        "RPC request for DC is currently failing as no path was found",
        { datacenter: error.datacenter },
      );
    } else {
      this.#counts.dcUnavailable++;
      // Say why: no server listed, or the dial's own error (no gateway, refused, TLS, ...).
      const reason = error.cause instanceof Error ? error.cause.message : "no server is listed";
      this.#options.logger?.warn(
        "RPC request to DC is currently failing as no server can be reached",
        { datacenter: error.datacenter, reason },
      );
    }
    throw error;
  }

  #failed(dc: string, node: string, error: unknown): never {
    if (error instanceof ServerDialError) {
      this.#options.router.notifyFailedServer(dc, node);
      return this.#unreachable(new ForwardError("dc_unavailable", dc, { cause: error }));
    }
    this.#counts.failed++;
    const answered = error instanceof RpcError &&
      (error.kind === "remote" || error.kind === "aborted");
    if (!answered) {
      // Consul marks the server on any error; a remote error means it worked fine.
      this.#options.router.notifyFailedServer(dc, node);
      this.#options.logger?.warn("RPC failed to server in DC", {
        datacenter: dc,
        server: node,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    throw error;
  }
}

/** The `Datacenter` a request names; "" when it names none. */
export function datacenterOf(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const dc = (body as { Datacenter?: unknown }).Datacenter;
  return typeof dc === "string" ? dc : "";
}

/**
 * The timeout for a forwarded call: the plain RPC timeout, plus for a blocking query
 * (`MinQueryIndex` > 0) the longest the remote server may hold it: its wait and jitter.
 */
export function forwardTimeoutMs(body: unknown, rpcTimeoutMs = DEFAULT_RPC_TIMEOUT_MS): number {
  if (typeof body !== "object" || body === null) return rpcTimeoutMs;
  const { MinQueryIndex, MaxQueryTime } = body as {
    MinQueryIndex?: unknown;
    MaxQueryTime?: unknown;
  };
  if (typeof MinQueryIndex !== "number" || !(MinQueryIndex > 0)) return rpcTimeoutMs;
  const asked = typeof MaxQueryTime === "number" && MaxQueryTime > 0
    ? Math.min(MaxQueryTime, MAX_BLOCKING_WAIT_MS)
    : DEFAULT_BLOCKING_WAIT_MS;
  return rpcTimeoutMs + asked + Math.ceil(asked / BLOCKING_JITTER_FRACTION);
}

/** A copy of a request body without its `Token` (see the module notes on tokens). */
export function withoutToken(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("Token" in body)) {
    return body;
  }
  const { Token: _dropped, ...rest } = body as Record<string, unknown>;
  return rest;
}
