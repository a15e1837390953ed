/**
 * The functions the federation loops are given instead of reaching for the network or Raft.
 *
 * @module
 */

import type { ApplyResult, Command } from "../state/mod.ts";

/** Structured log lines; the agent's `AgentLog` fits. */
export type FederationLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * Calls a server RPC method in the primary datacenter (through the mesh gateways in a real
 * agent, in-process in tests) and resolves with its reply.
 */
export type CallPrimaryFn = (
  method: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<unknown>;

/** Commits a command to this datacenter's Raft log (a direct apply in tests). */
export type ApplyLocalFn = (command: Command) => Promise<ApplyResult<unknown>>;

/** A federation loop run by the leader; `run` resolves once `signal` aborts. */
export interface LeaderLoop {
  run(signal: AbortSignal): Promise<void>;
}
