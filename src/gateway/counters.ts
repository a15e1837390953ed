/**
 * Per-route gateway counters (connections, bytes each way, rejects by reason), kept in memory
 * and read through {@linkcode GatewayCounters.snapshot} by metrics and the HTTP API.
 *
 * @module
 */
import assert from "node:assert";
import type { RouteDecision } from "./route_table.ts";

/** Most distinct routes counted, the {@linkcode OVERFLOW_COUNTER_KEY} row included. */
export const MAX_ROUTE_COUNTER_KEYS = 1024;

/** Most distinct reject reasons counted, overflow row included. */
export const MAX_REJECT_REASON_KEYS = 64;

/** The row that absorbs routes or reasons beyond the bounds above. */
export const OVERFLOW_COUNTER_KEY = "other";

/** A routed (not rejected) decision. */
export type AcceptedRoute = Exclude<RouteDecision, { kind: "reject" }>;

/** Counters of one route. */
export interface RouteCounters {
  /** `local-server:<node>`, `any-local-server`, `remote-dc:<dc>`, or `other`. */
  readonly route: string;
  /** Connections routed here since start. */
  readonly connections: number;
  /** Connections routed here and not yet closed. */
  readonly active: number;
  /** Bytes from clients towards the target. */
  readonly bytesIn: number;
  /** Bytes from the target back to clients. */
  readonly bytesOut: number;
}

/** A point-in-time copy of all counters, routes sorted by name. */
export interface GatewayCountersSnapshot {
  readonly routes: readonly RouteCounters[];
  /** Refused connections by reason (ClientHello or route-table reasons), sorted by reason. */
  readonly rejects: Readonly<Record<string, number>>;
  readonly totals: {
    readonly connections: number;
    readonly active: number;
    readonly rejects: number;
    readonly bytesIn: number;
    readonly bytesOut: number;
  };
}

interface MutableRouteCounters {
  connections: number;
  active: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * The counter label of a routed decision. Routes to any local server share one row, so the
 * label set grows only with server and datacenter names, never with client input.
 */
export function routeKey(decision: AcceptedRoute): string {
  switch (decision.kind) {
    case "local-server":
      return `local-server:${decision.node}`;
    case "any-local-server":
      return "any-local-server";
    case "remote-dc":
      return `remote-dc:${decision.dc}`;
  }
}

/** Counts a gateway's connections, bytes and rejects. Not thread-safe; one per gateway. */
export class GatewayCounters {
  readonly #routes = new Map<string, MutableRouteCounters>();
  readonly #rejects = new Map<string, number>();

  /** Counts a connection that was routed to `route` (a {@linkcode routeKey}) and is now open. */
  connectionOpened(route: string): void {
    const counters = this.#route(route);
    counters.connections++;
    counters.active++;
  }

  /** Counts the end of a connection earlier passed to `connectionOpened`. */
  connectionClosed(route: string): void {
    const counters = this.#route(route);
    assert(counters.active > 0, `connectionClosed(${route}) without a matching open`);
    counters.active--;
  }

  /** Adds bytes spliced on `route`: `bytesIn` client→target, `bytesOut` target→client. */
  addBytes(route: string, bytesIn: number, bytesOut: number): void {
    assert(bytesIn >= 0 && bytesOut >= 0, "byte counts cannot be negative");
    const counters = this.#route(route);
    counters.bytesIn += bytesIn;
    counters.bytesOut += bytesOut;
  }

  /** Counts one refused connection. */
  rejected(reason: string): void {
    const key = this.#rejects.has(reason) || this.#rejects.size < MAX_REJECT_REASON_KEYS - 1
      ? reason
      : OVERFLOW_COUNTER_KEY;
    this.#rejects.set(key, (this.#rejects.get(key) ?? 0) + 1);
  }

  /** A copy of every counter, safe to serialize. */
  snapshot(): GatewayCountersSnapshot {
    const routes = [...this.#routes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([route, counters]) => ({ route, ...counters }));
    const rejects: Record<string, number> = {};
    for (const reason of [...this.#rejects.keys()].sort()) {
      rejects[reason] = this.#rejects.get(reason)!;
    }
    const sum = (pick: (row: RouteCounters) => number) =>
      routes.reduce((n, row) => n + pick(row), 0);
    return {
      routes,
      rejects,
      totals: {
        connections: sum((row) => row.connections),
        active: sum((row) => row.active),
        rejects: Object.values(rejects).reduce((n, count) => n + count, 0),
        bytesIn: sum((row) => row.bytesIn),
        bytesOut: sum((row) => row.bytesOut),
      },
    };
  }

  #route(route: string): MutableRouteCounters {
    let counters = this.#routes.get(route);
    if (counters !== undefined) return counters;
    // Keys are never removed, so once full a new key always maps to the same overflow row.
    const key = this.#routes.size < MAX_ROUTE_COUNTER_KEYS - 1 ? route : OVERFLOW_COUNTER_KEY;
    counters = this.#routes.get(key);
    if (counters === undefined) {
      counters = { connections: 0, active: 0, bytesIn: 0, bytesOut: 0 };
      this.#routes.set(key, counters);
    }
    return counters;
  }
}
