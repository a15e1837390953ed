/** Consul's `CheckTCP`: passing when a TCP connection can be opened. */

import type { Clock, Net, Random } from "../../runtime/ports.ts";
import { IntervalCheck } from "./_interval_loop.ts";
import { type AgentLog, type CheckNotifier, HEALTH_CRITICAL, HEALTH_PASSING } from "./status.ts";

/** Consul's TCP dial timeout when none is given. */
export const DEFAULT_TCP_TIMEOUT_MS = 10_000;

/** Options for {@linkcode TcpCheck}. */
export interface TcpCheckOptions {
  readonly checkId: string;
  /** `host:port`, or `[v6]:port`. */
  readonly address: string;
  readonly intervalMs: number;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  readonly notifier: CheckNotifier;
  readonly net: Pick<Net, "dialTcp">;
  readonly clock: Clock;
  readonly random: Random;
  readonly log?: AgentLog;
}

/** A TCP address that is not `host:port`. */
export class InvalidTcpAddressError extends Error {
  override readonly name = "InvalidTcpAddressError";
  constructor(readonly address: string) {
    super(`TCP check address "${address}" must be host:port, e.g. "127.0.0.1:8080" or "[::1]:80"`);
  }
}

/**
 * Splits `host:port` (brackets around IPv6 hosts).
 *
 * @throws {InvalidTcpAddressError} when the port is missing or not 0-65535.
 */
export function splitHostPort(address: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new InvalidTcpAddressError(address);
  return { hostname: match[1] ?? match[2], port };
}

/** Dials every interval; output `TCP connect <addr>: Success`, or the dial error when critical. */
export class TcpCheck extends IntervalCheck {
  readonly #options: TcpCheckOptions;

  constructor(options: TcpCheckOptions) {
    super(options, options.intervalMs);
    this.#options = options;
  }

  /** Dials once now and reports the result. */
  override async probe(): Promise<void> {
    const o = this.#options;
    try {
      const { hostname, port } = splitHostPort(o.address);
      const timeoutMs = o.timeoutMs && o.timeoutMs > 0 ? o.timeoutMs : DEFAULT_TCP_TIMEOUT_MS;
      const conn = await o.net.dialTcp({ hostname, port, timeoutMs });
      conn.close();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      o.notifier.updateCheck(o.checkId, HEALTH_CRITICAL, message);
      return;
    }
    o.notifier.updateCheck(o.checkId, HEALTH_PASSING, `TCP connect ${o.address}: Success`);
  }
}
