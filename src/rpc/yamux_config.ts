/**
 * Settings, defaults and counters of a yamux session.
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import { INITIAL_STREAM_WINDOW_BYTES } from "./yamux_frame.ts";

/** Default interval between keepalive pings (hashicorp/yamux: 30 s). */
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 30_000;
/** Default time a ping may go unanswered (hashicorp/yamux's write timeout: 10 s). */
export const DEFAULT_PING_TIMEOUT_MS = 10_000;
/** Default number of inbound streams waiting for `accept()` (hashicorp/yamux: 256). */
export const DEFAULT_ACCEPT_BACKLOG = 256;
/** Default bound on streams open at once in one session, both directions together. */
export const DEFAULT_MAX_STREAMS = 1024;
/** Header-only frames queued behind a blocked connection before the session gives up. */
export const MAX_PENDING_CONTROL_FRAMES = 4096;
/** How long `close()` lets queued frames (and the GoAway) drain before dropping the conn. */
export const CLOSE_FLUSH_TIMEOUT_MS = 1_000;

/** Counters shared by every session that is given the same object (e.g. one per listener). */
export interface YamuxCounters {
  /** Sessions closed because the peer broke the protocol. */
  protocolErrors: number;
  /** Inbound streams refused with RST (backlog full, stream limit, or after our GoAway). */
  streamsRefused: number;
  /** Sessions closed because a keepalive ping went unanswered. */
  keepaliveTimeouts: number;
}

/** Returns a zeroed {@linkcode YamuxCounters}. */
export function newYamuxCounters(): YamuxCounters {
  return { protocolErrors: 0, streamsRefused: 0, keepaliveTimeouts: 0 };
}

/** Options for {@linkcode YamuxSession}. */
export interface YamuxSessionOptions {
  /** `client` opens odd stream ids (the dialing end), `server` even ones. */
  readonly role: "client" | "server";
  /** Source of time for keepalives, ping timeouts and RTT. */
  readonly clock: Clock;
  /** Milliseconds between keepalive pings; 0 disables keepalive. */
  readonly keepaliveIntervalMs?: number;
  /** Milliseconds a ping may go unanswered. */
  readonly pingTimeoutMs?: number;
  /** Receive window granted per stream once open; at least the initial window. */
  readonly maxStreamWindowBytes?: number;
  /**
   * Window both ends assume when a stream opens. The spec fixes it at 256 KiB; only change it
   * when both ends are this implementation (tests use small values).
   */
  readonly initialStreamWindowBytes?: number;
  readonly acceptBacklog?: number;
  readonly maxStreams?: number;
  readonly counters?: YamuxCounters;
}

/** {@linkcode YamuxSessionOptions} with every default filled in. */
export type ResolvedSessionOptions = Required<Omit<YamuxSessionOptions, "clock" | "counters">>;

/** Fills in defaults; the receive window is never below the initial window. */
export function resolveSessionOptions(options: YamuxSessionOptions): ResolvedSessionOptions {
  const initial = options.initialStreamWindowBytes ?? INITIAL_STREAM_WINDOW_BYTES;
  return {
    role: options.role,
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    pingTimeoutMs: options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS,
    maxStreamWindowBytes: Math.max(options.maxStreamWindowBytes ?? initial, initial),
    initialStreamWindowBytes: initial,
    acceptBacklog: options.acceptBacklog ?? DEFAULT_ACCEPT_BACKLOG,
    maxStreams: options.maxStreams ?? DEFAULT_MAX_STREAMS,
  };
}
