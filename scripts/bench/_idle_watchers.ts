/**
 * The idle-watcher half of the catalog read benchmark: park many blocking KV queries on an
 * agent, check they are parked, measure the agent's CPU and memory while they wait, then
 * write one watched key and check that exactly its watcher returns.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { countOpenFds, cpuPercent, sampleProcess } from "./_proc_stats.ts";
import type { ServerChild } from "./_server_child.ts";
import { WatcherFleet } from "./_watchers.ts";

/** Below this CPU (% of one core, over one second) the agent counts as settled. */
const SETTLED_CPU_PERCENT = 5;
/** Longest wait for the agent to settle after the watchers are written. */
const MAX_SETTLE_MS = 30_000;
/** Longest wait for the agent to hold a socket for every watcher. */
const MAX_ACCEPT_MS = 60_000;
/** Time allowed for the woken watcher to answer. */
const WAKE_TIMEOUT_MS = 10_000;
/** Time after the first wake-up during which any other answer would be a false wake-up. */
const WAKE_GRACE_MS = 2000;
/** The blocking wait every watcher asks for; long enough to outlast the whole measurement. */
const WATCH_WAIT = "5m";

/** What the idle-watcher phase measured. */
export interface IdleWatcherResult {
  readonly watchers: number;
  /** Milliseconds to dial and send every request. */
  readonly openMs: number;
  /** Milliseconds from the last request written until the agent's CPU settled. */
  readonly settleMs: number;
  readonly idleSeconds: number;
  /** Agent CPU while every watcher waits, in % of one core. */
  readonly idleCpuPercent: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly bytesPerWatcher: number;
  /** Watchers that got an answer or lost their connection before any key was written. */
  readonly earlyAnswers: number;
  /** What those early answers started with (first line), counted, for diagnosis. */
  readonly earlyKinds: Readonly<Record<string, number>>;
  /** Watchers that answered after the single write (should be exactly the written key's). */
  readonly wokenWatchers: readonly number[];
  readonly wakeTarget: number;
  /** True when exactly the target watcher answered, with 200. */
  readonly wakeCheckPassed: boolean;
}

async function currentKvIndex(agent: ServerChild): Promise<number> {
  const response = await fetch(`${agent.baseUrl}/v1/kv/watch/0`);
  await response.body?.cancel();
  const index = Number(response.headers.get("X-Consul-Index"));
  if (!(index > 0)) throw new Error("The agent sent no X-Consul-Index for a missing key");
  return index;
}

async function waitFor(
  runtime: Runtime,
  what: string,
  options: { timeoutMs: number },
  done: () => Promise<boolean>,
): Promise<number> {
  const startedMs = runtime.clock.monotonicMs();
  while (!(await done())) {
    if (runtime.clock.monotonicMs() - startedMs > options.timeoutMs) {
      throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${what}`);
    }
    await runtime.clock.sleep(200);
  }
  return runtime.clock.monotonicMs() - startedMs;
}

async function settledCpu(runtime: Runtime, pid: number, ticksPerSecond: number) {
  const before = await sampleProcess(runtime.fs, pid);
  const startedMs = runtime.clock.monotonicMs();
  await runtime.clock.sleep(1000);
  const after = await sampleProcess(runtime.fs, pid);
  const elapsedMs = runtime.clock.monotonicMs() - startedMs;
  return cpuPercent(before, after, { elapsedMs, ticksPerSecond }) < SETTLED_CPU_PERCENT;
}

function firstLines(answers: readonly { head: string }[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const { head } of answers) {
    const kind = head === "" ? "(closed without an answer)" : head.split("\r\n")[0];
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/**
 * Parks `watchers` blocking queries on `agent`, measures it for `idleSeconds`, then checks
 * that one write wakes exactly one watcher.
 */
export async function measureIdleWatchers(
  runtime: Runtime,
  agent: ServerChild,
  options: { watchers: number; idleSeconds: number; ticksPerSecond: number },
  progress: (line: string) => void,
): Promise<IdleWatcherResult> {
  const { fs, clock } = runtime;
  const { ticksPerSecond } = options;
  const index = await currentKvIndex(agent);
  await waitFor(
    runtime,
    "the agent to idle",
    { timeoutMs: MAX_SETTLE_MS },
    () => settledCpu(runtime, agent.pid, ticksPerSecond),
  );
  const baseFds = await countOpenFds(fs, agent.pid);
  const rssBefore = (await sampleProcess(fs, agent.pid)).rssBytes;
  progress(`  watchers: opening ${options.watchers} blocking queries (index ${index})`);
  const port = Number(new URL(agent.baseUrl).port);
  const openedMs = clock.monotonicMs();
  const fleet = await WatcherFleet.open(runtime.net, clock, {
    hostname: "127.0.0.1",
    port,
    count: options.watchers,
    targetFor: (i) => `/v1/kv/watch/${i}?index=${index}&wait=${WATCH_WAIT}`,
  });
  try {
    const openMs = clock.monotonicMs() - openedMs;
    await waitFor(
      runtime,
      "the agent to accept every watcher",
      { timeoutMs: MAX_ACCEPT_MS },
      async () => (await countOpenFds(fs, agent.pid)) >= baseFds + options.watchers,
    );
    const settleMs = await waitFor(
      runtime,
      "the agent to settle",
      { timeoutMs: MAX_SETTLE_MS },
      () => settledCpu(runtime, agent.pid, ticksPerSecond),
    );
    progress(`  watchers: parked; measuring ${options.idleSeconds} s idle`);
    const before = await sampleProcess(fs, agent.pid);
    const idleStartedMs = clock.monotonicMs();
    await clock.sleep(options.idleSeconds * 1000);
    const after = await sampleProcess(fs, agent.pid);
    const elapsedMs = clock.monotonicMs() - idleStartedMs;
    const early = [...fleet.answers];
    const wake = await wakeOne(runtime, agent, fleet, options.watchers);
    return {
      watchers: options.watchers,
      openMs,
      settleMs,
      idleSeconds: options.idleSeconds,
      idleCpuPercent: cpuPercent(before, after, { elapsedMs, ticksPerSecond }),
      rssBeforeBytes: rssBefore,
      rssAfterBytes: after.rssBytes,
      bytesPerWatcher: (after.rssBytes - rssBefore) / options.watchers,
      earlyAnswers: early.length,
      earlyKinds: firstLines(early),
      ...wake,
    };
  } finally {
    fleet.closeAll();
  }
}

async function wakeOne(runtime: Runtime, agent: ServerChild, fleet: WatcherFleet, count: number) {
  const wakeTarget = Math.floor(count * 0.4242);
  const answeredBefore = fleet.answers.length;
  const response = await fetch(`${agent.baseUrl}/v1/kv/watch/${wakeTarget}`, {
    method: "PUT",
    body: "wake",
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`Writing watch/${wakeTarget} answered ${response.status}`);
  await fleet.waitForAnswers(answeredBefore + 1, WAKE_TIMEOUT_MS);
  await runtime.clock.sleep(WAKE_GRACE_MS);
  const woken = fleet.answers.slice(answeredBefore);
  const wakeCheckPassed = woken.length === 1 && woken[0].watcher === wakeTarget &&
    woken[0].head.startsWith("HTTP/1.1 200");
  return { wokenWatchers: woken.map((a) => a.watcher), wakeTarget, wakeCheckPassed };
}
