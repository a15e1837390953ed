/**
 * What the endpoints need from the server that hosts them, and the handler shape they share.
 *
 * @module
 */

import type { ApplyResult, Command, CommandResults } from "../state/mod.ts";
import type { BlockingDeps } from "./blocking.ts";
import { EndpointError } from "./errors.ts";

/** Submits a command for commit (Raft + FSM on a server; a direct apply in tests). */
export type ApplyFn = <C extends Command>(
  command: C,
) => Promise<ApplyResult<CommandResults[C["type"]]>>;

/** Leader-side session TTL timers; Session.Apply and Session.Renew keep them current. */
export interface SessionTimers {
  /** (Re)starts the expiry of a TTL session: it expires after `ttlMs * 2` unrenewed. */
  reset(id: string, ttlMs: number): void;
  /** Stops tracking a destroyed session. */
  clear(id: string): void;
}

/** Sends a request to another datacenter (issue 4: through the mesh gateways). */
export type ForwardFn = (
  datacenter: string,
  method: string,
  body: unknown,
  signal?: AbortSignal,
) => Promise<unknown>;

/** Everything the endpoints are built from. */
export interface EndpointDeps extends BlockingDeps {
  /** Commits writes. */
  readonly apply: ApplyFn;
  /** This server's datacenter. */
  readonly datacenter: string;
  /** The primary datacenter (Consul's `primary_datacenter`); defaults to `datacenter`. */
  readonly primaryDatacenter?: string;
  /** This server's node name. */
  readonly nodeName: string;
  /** This server's RPC address, "host:port" (`Status.Leader`, `Status.Peers`). */
  readonly serverAddr: string;
  /** Every known datacenter; defaults to this one alone. */
  readonly datacenters?: () => string[];
  /** The leader's RPC address, "" when unknown; defaults to this server while it knows a leader. */
  readonly leaderAddr?: () => string;
  /** Raft peers' RPC addresses; defaults to this server alone. */
  readonly peers?: () => string[];
  /** Shortest session TTL accepted (Consul's `session_ttl_min`), default 10 s. */
  readonly sessionTtlMinMs?: number;
  /** Session TTL timers of the leader; absent where nothing expires sessions (tests). */
  readonly sessionTimers?: SessionTimers;
  /** Forwards requests for other datacenters; without it they fail with "No path to datacenter". */
  readonly forward?: ForwardFn;
  /** Makes session IDs; defaults to a random UUID from `random`. */
  readonly newSessionId?: () => string;
}

/** What a handler learns about the call besides its argument. */
export interface CallContext {
  /** Aborted when the caller gave up; ends blocking waits. */
  readonly signal?: AbortSignal;
}

/** One endpoint method: checks its argument, answers its reply. */
export type EndpointHandler = (body: unknown, context: CallContext) => Promise<unknown>;

/**
 * Applies a command and unwraps the result.
 *
 * @throws {EndpointError} `apply_failed` with the store's message when the store refused it;
 * the StateError is the cause, so callers can read its `code`.
 */
export async function applyOrThrow<C extends Command>(
  deps: EndpointDeps,
  command: C,
): Promise<CommandResults[C["type"]]> {
  const result = await deps.apply(command);
  if (!result.ok) {
    throw new EndpointError("apply_failed", result.error.message, { cause: result.error });
  }
  return result.value;
}
