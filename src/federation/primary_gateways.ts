/**
 * The `primary_gateways` refresh of a secondary datacenter (Consul's mesh-gateway "retry
 * joiner"): resolve the configured addresses into the locator's fallback list, retrying every
 * `primary_gateways_interval` until one attempt yields addresses or replication has delivered
 * the primary's gateways.
 *
 * Entries are literal `host:port` (or `[ipv6]:port`) strings. Consul also accepts go-discover
 * `provider=...` entries; Consulate does not ship go-discover, so such entries are reported
 * and skipped (pass `resolve` to plug in a discovery of your own).
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import { DISCARD_FEDERATION_LOG, errorText, sleepUnlessAborted } from "./_retry.ts";
import type { FederationLog } from "./types.ts";

/** Default of `primary_gateways_interval` (Consul: 30 s). */
export const DEFAULT_PRIMARY_GATEWAYS_INTERVAL_MS = 30_000;

/** Shortest interval accepted; shorter values are raised to it (Consul's documented 1 s). */
export const MIN_PRIMARY_GATEWAYS_INTERVAL_MS = 1_000;

/** Most `primary_gateways` entries considered. */
export const MAX_PRIMARY_GATEWAY_ENTRIES = 256;

/** Consul's text when an attempt found nothing. */
export const NO_MESH_GATEWAYS_TEXT = "No mesh gateways found";

/** A configured entry that cannot be used as it is. */
export class PrimaryGatewayEntryError extends Error {
  /** Builds the error naming the entry and what is allowed. */
  constructor(readonly entry: string, reason: string) {
    super(`primary_gateways entry ${JSON.stringify(entry)} ${reason}`);
    this.name = "PrimaryGatewayEntryError";
  }
}

/** Turns one configured entry into dialable addresses. */
export type PrimaryGatewayResolver = (entry: string, signal: AbortSignal) => Promise<string[]>;

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]\/]+):([0-9]{1,5})$/;

/**
 * The built-in resolver: a literal `host:port` is taken as it is; anything else is refused.
 *
 * @throws {PrimaryGatewayEntryError} for go-discover entries and entries without a port.
 */
export function literalPrimaryGateway(entry: string): Promise<string[]> {
  const text = entry.trim();
  if (text.includes("provider=")) {
    return Promise.reject(
      new PrimaryGatewayEntryError(
        entry,
        "uses go-discover, which Consulate does not support; list the gateways as host:port",
      ),
    );
  }
  const match = HOST_PORT.exec(text);
  const port = match === null ? 0 : Number(match[2]);
  if (match === null || port < 1 || port > 65535) {
    return Promise.reject(
      new PrimaryGatewayEntryError(entry, "is not host:port (for example 203.0.113.7:8443)"),
    );
  }
  return Promise.resolve([text]);
}

/** Where the refresh puts what it found, and when it may stop. */
export interface PrimaryGatewaysTarget {
  refreshPrimaryGatewayFallbackAddresses(addrs: readonly string[]): void;
  /** Resolves once replication has shipped the primary's gateways. */
  readonly primaryGatewaysReady: Promise<void>;
  readonly isPrimaryGatewaysReady: boolean;
}

/** What {@linkcode refreshPrimaryGateways} is given. */
export interface PrimaryGatewaysRefreshOptions {
  /** The `primary_gateways` entries. */
  readonly entries: readonly string[];
  /** `primary_gateways_interval`; default {@linkcode DEFAULT_PRIMARY_GATEWAYS_INTERVAL_MS}. */
  readonly intervalMs?: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly log?: FederationLog;
  /** Default {@linkcode literalPrimaryGateway}. */
  readonly resolve?: PrimaryGatewayResolver;
}

async function resolveAll(
  options: PrimaryGatewaysRefreshOptions,
  log: FederationLog,
): Promise<string[]> {
  const resolve = options.resolve ?? literalPrimaryGateway;
  const found: string[] = [];
  for (const entry of options.entries.slice(0, MAX_PRIMARY_GATEWAY_ENTRIES)) {
    try {
      found.push(...await resolve(entry, options.signal));
    } catch (error) {
      if (options.signal.aborted) return [];
      log("warn", "skipping a primary_gateways entry", { entry, error: errorText(error) });
    }
  }
  return found;
}

/**
 * Runs the refresh until one attempt finds addresses (handed to `target`), replication makes
 * it unnecessary, or `signal` aborts. Resolves true when addresses were found.
 */
export async function refreshPrimaryGateways(
  target: PrimaryGatewaysTarget,
  options: PrimaryGatewaysRefreshOptions,
): Promise<boolean> {
  const log = options.log ?? DISCARD_FEDERATION_LOG;
  const intervalMs = Math.max(
    MIN_PRIMARY_GATEWAYS_INTERVAL_MS,
    options.intervalMs ?? DEFAULT_PRIMARY_GATEWAYS_INTERVAL_MS,
  );
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  void target.primaryGatewaysReady.then(() => stop.abort());
  try {
    for (let attempt = 1; !stop.signal.aborted && !target.isPrimaryGatewaysReady; attempt++) {
      const addrs = await resolveAll(options, log);
      if (stop.signal.aborted) break;
      if (addrs.length > 0) {
        target.refreshPrimaryGatewayFallbackAddresses(addrs);
        log("info", "Refreshing mesh gateways completed", { attempts: attempt });
        return true;
      }
      log("warn", "Refreshing mesh gateways failed, will retry", {
        error: NO_MESH_GATEWAYS_TEXT,
        attempts: attempt,
        retry_in_ms: intervalMs,
      });
      if (!await sleepUnlessAborted(options.clock, intervalMs, stop.signal)) break;
    }
    return false;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
  }
}
