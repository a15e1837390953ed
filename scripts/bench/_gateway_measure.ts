/**
 * The gateway benchmark's schedule: which measurement runs on which path when. All paths are
 * warmed up first (JIT, TLS session setup code, socket buffers), then measured in small
 * batches that rotate over the paths, so that load from other work on a shared machine and
 * slow drifts land on every path alike instead of on whichever ran last.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { sampleProcess } from "./_proc_stats.ts";
import {
  type LoadTarget,
  timeConnects,
  timeDownload,
  timeRoundTrips,
  timeUpload,
} from "./_gateway_load.ts";
import { emptySamples, PATH_NAMES, type PathName, type PathSamples } from "./_gateway_report.ts";

/** Untimed round trips at the start of each round-trip batch's connection. */
export const WARMUP_ROUND_TRIPS = 100;
/** Timed round trips per batch (one connection each). */
export const ROUND_TRIPS_PER_BATCH = 1000;
/** New connections per connect batch. */
export const CONNECTS_PER_BATCH = 25;
/** Bytes each way of the warm-up transfer on every path (capped by the run's bulk size). */
export const WARMUP_BULK_BYTES = 32 * 1024 * 1024;

/** A path under test: where the client connects and, for proxies, whose CPU to read. */
export interface BenchPath {
  readonly name: PathName;
  readonly port: number;
  readonly proxyPid: number | null;
}

/** How much to measure. */
export interface MeasurePlan {
  /** Bytes each way per bulk run. */
  readonly bulkBytes: number;
  /** Bulk runs per path. */
  readonly runs: number;
  /** Timed round trips per path, in all. */
  readonly pings: number;
  readonly messageBytes: number;
  /** Timed connection setups per path, in all. */
  readonly connects: number;
  /** Kernel clock ticks per second, to turn `/proc` CPU ticks into seconds. */
  readonly ticksPerSecond: number;
}

/** `items` starting at `turn` (mod length), so that no path always goes first. */
export function rotated<T>(items: readonly T[], turn: number): T[] {
  const start = turn % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * Runs the whole schedule over `paths` and returns every sample by path.
 * `progress` hears one line per phase.
 */
export async function measurePaths(
  runtime: Runtime,
  paths: readonly { path: BenchPath; target: LoadTarget }[],
  plan: MeasurePlan,
  progress: (text: string) => void,
): Promise<Record<PathName, PathSamples>> {
  const samples = Object.fromEntries(PATH_NAMES.map((n) => [n, emptySamples()])) as Record<
    PathName,
    PathSamples
  >;
  progress("warming up");
  for (const { target } of paths) {
    const bytes = Math.min(plan.bulkBytes, WARMUP_BULK_BYTES);
    await timeUpload(target, bytes);
    await timeDownload(target, bytes);
    await timeRoundTrips(target, { count: 1, warmup: WARMUP_ROUND_TRIPS * 5, messageBytes: 64 });
    await timeConnects(target, CONNECTS_PER_BATCH);
  }
  progress(`bulk: ${plan.runs} runs per path`);
  for (let round = 0; round < plan.runs; round++) {
    for (const { path, target } of rotated(paths, round)) {
      await measureBulk(runtime, target, path, samples[path.name], plan);
    }
  }
  const pingBatches = Math.ceil(plan.pings / ROUND_TRIPS_PER_BATCH);
  progress(`round trips: ${pingBatches} batches per path`);
  for (let batch = 0; batch < pingBatches; batch++) {
    const count = Math.min(ROUND_TRIPS_PER_BATCH, plan.pings - batch * ROUND_TRIPS_PER_BATCH);
    for (const { path, target } of rotated(paths, batch)) {
      samples[path.name].roundTripMs.push(
        ...await timeRoundTrips(target, {
          count,
          warmup: WARMUP_ROUND_TRIPS,
          messageBytes: plan.messageBytes,
        }),
      );
    }
  }
  const connectBatches = Math.ceil(plan.connects / CONNECTS_PER_BATCH);
  progress(`connects: ${connectBatches} batches per path`);
  for (let batch = 0; batch < connectBatches; batch++) {
    const count = Math.min(CONNECTS_PER_BATCH, plan.connects - batch * CONNECTS_PER_BATCH);
    for (const { path, target } of rotated(paths, batch)) {
      samples[path.name].connectMs.push(...await timeConnects(target, count));
    }
  }
  return samples;
}

/** One upload and one download; reads the proxy's CPU time around them. */
async function measureBulk(
  runtime: Runtime,
  target: LoadTarget,
  path: BenchPath,
  samples: PathSamples,
  plan: MeasurePlan,
): Promise<void> {
  const cpuTicks = async () =>
    path.proxyPid === null ? 0 : (await sampleProcess(runtime.fs, path.proxyPid)).cpuTicks;
  const before = await cpuTicks();
  samples.uploadMs.push(await timeUpload(target, plan.bulkBytes));
  samples.downloadMs.push(await timeDownload(target, plan.bulkBytes));
  samples.proxyCpuSeconds += (await cpuTicks() - before) / plan.ticksPerSecond;
  samples.bulkBytes += 2 * plan.bulkBytes;
}
