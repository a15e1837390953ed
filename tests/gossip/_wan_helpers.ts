/** Helpers for the WAN pool tests: pools on real loopback sockets with fast timings. */

import { presets, type SwimConfig } from "../../src/gossip/mod.ts";
import { serverTags } from "../../src/gossip/server_tags.ts";
import { startWanPool, type WanPool } from "../../src/gossip/wan_pool.ts";
import type { WanPoolOptions } from "../../src/gossip/wan_pool_types.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Clock } from "../../src/runtime/ports.ts";

/** Fast timings for loopback tests (stream pings on, unlike `sim`). */
export const TEST_CONFIG: SwimConfig = Object.freeze({
  ...presets.sim,
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  tcpFallbackPing: true,
  pushPullIntervalMs: 1_000,
  reconnectIntervalMs: 300,
});

const WAIT_LIMIT_MS = 15_000;
const POLL_MS = 20;

/** Polls `condition` until true or the limit, then fails naming `what`. */
export async function waitFor(clock: Clock, what: string, condition: () => boolean): Promise<void> {
  const deadline = clock.monotonicMs() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (clock.monotonicMs() > deadline) {
      throw new Error(`Timed out after ${WAIT_LIMIT_MS} ms waiting until ${what}`);
    }
    await clock.sleep(POLL_MS);
  }
}

/** Starts a server's pool on 127.0.0.1 (port 0 unless given). */
export async function startTestPool(
  node: string,
  dc: string,
  extra: Partial<WanPoolOptions> = {},
): Promise<WanPool> {
  const runtime = await currentRuntime();
  return startWanPool({
    runtime,
    bind: { hostname: "127.0.0.1", port: 0 },
    nodeName: node,
    datacenter: dc,
    tags: serverTags({
      datacenter: dc,
      nodeId: `00000000-0000-4000-8000-${node.padStart(12, "0").slice(-12)}`,
      build: "1.21.0",
      rpcPort: 8300,
      bootstrapExpect: 1,
    }),
    config: TEST_CONFIG,
    streamTimeoutMs: 2_000,
    leaveTimeoutMs: 3_000,
    ...extra,
  });
}

/** `host:port` of a pool, for joins. */
export function joinAddr(pool: WanPool): string {
  return `${pool.localAddr.hostname}:${pool.localAddr.port}`;
}

/** Status of `name` in `pool`'s view (undefined when not listed). */
export function statusIn(pool: WanPool, name: string): number | undefined {
  return pool.members().find((m) => m.Name === name)?.Status;
}

/** True when every pool lists exactly `names`, all alive. */
export function allAlive(pools: readonly WanPool[], names: readonly string[]): boolean {
  return pools.every((pool) => {
    const members = pool.members();
    return members.length === names.length &&
      names.every((n) => members.some((m) => m.Name === n && m.Status === 1));
  });
}

/** Stops every pool, ignoring ones already stopped. */
export async function stopAll(pools: readonly WanPool[]): Promise<void> {
  await Promise.allSettled(pools.map((p) => p.stop()));
}
