/**
 * Cross-DC read latency through two mesh gateways: the same KV read asked of dc1's HTTP API
 * for dc1 (local) and with `?dc=dc2`, which dc1's server forwards over its pooled RPC
 * connection to dc2 — through a dc1 gateway and a dc2 gateway, never directly. The two
 * datacenters run in one child process (`_gateway_federation.ts`). Reads alternate
 * in batches so that both kinds see the same machine load.
 *
 * @module
 */

import type { Clock, FileSystem, Runtime } from "../../src/runtime/ports.ts";
import { runtimeArgv, spawnChild } from "./_gateway_procs.ts";
import { percentile } from "./_gateway_load.ts";
import { CROSS_DC_KEY } from "./_gateway_federation.ts";

/** Reads of one kind before switching to the other. */
export const CROSS_DC_READS_PER_BATCH = 100;
/** Untimed reads of each kind first (connection pool, JIT). */
export const CROSS_DC_WARMUP_READS = 50;

/** Time for the federation child to start both datacenters and federate them. */
const FEDERATION_READY_TIMEOUT_MS = 120_000;

/** p50/p99 of local and cross-DC reads, ms. */
export interface CrossDcFigures {
  readonly localP50Ms: number;
  readonly localP99Ms: number;
  readonly remoteP50Ms: number;
  readonly remoteP99Ms: number;
  /** Timed reads that failed, by kind, and the first failure's text. */
  readonly localErrors: number;
  readonly remoteErrors: number;
  readonly firstError: string | null;
}

/** Pause after a failed read, so a flapping route is not hammered. */
const ERROR_PAUSE_MS = 100;

async function timedRead(clock: Clock, url: string, expect: string): Promise<number> {
  const start = clock.monotonicMs();
  const response = await fetch(url);
  const body = await response.text();
  const elapsedMs = clock.monotonicMs() - start;
  if (response.status !== 200 || !body.includes(expect)) {
    throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  }
  return elapsedMs;
}

/** Times `reads` local and `reads` cross-DC reads against dc1's HTTP API on `dc1HttpPort`. */
export async function measureCrossDc(
  clock: Clock,
  dc1HttpPort: number,
  reads: number,
): Promise<CrossDcFigures> {
  const base = `http://127.0.0.1:${dc1HttpPort}/v1/kv/${CROSS_DC_KEY}`;
  // KV values come back base64-encoded: "written in dc1" and "written in dc2".
  const kinds = [
    { url: base, expect: btoa("written in dc1"), samples: [] as number[], errors: 0 },
    { url: `${base}?dc=dc2`, expect: btoa("written in dc2"), samples: [] as number[], errors: 0 },
  ];
  for (const kind of kinds) {
    for (let i = 0; i < CROSS_DC_WARMUP_READS; i++) {
      await timedRead(clock, kind.url, kind.expect).catch(() => clock.sleep(ERROR_PAUSE_MS));
    }
  }
  let firstError: string | null = null;
  for (let done = 0; done < reads; done += CROSS_DC_READS_PER_BATCH) {
    const batch = Math.min(CROSS_DC_READS_PER_BATCH, reads - done);
    for (const kind of kinds) {
      for (let i = 0; i < batch; i++) {
        try {
          kind.samples.push(await timedRead(clock, kind.url, kind.expect));
        } catch (error) {
          // A failed read is a finding to report, not a reason to lose the run.
          kind.errors++;
          firstError ??= (error as Error).message;
          await clock.sleep(ERROR_PAUSE_MS);
        }
      }
    }
  }
  const [local, remote] = kinds;
  return {
    localP50Ms: percentile(local.samples, 50),
    localP99Ms: percentile(local.samples, 99),
    remoteP50Ms: percentile(remote.samples, 50),
    remoteP99Ms: percentile(remote.samples, 99),
    localErrors: local.errors,
    remoteErrors: remote.errors,
    firstError,
  };
}

/**
 * Starts the federation child on `gatewayRuntime`, measures local vs cross-DC reads, prints
 * their table.
 */
export async function measureFederation(
  runtime: Runtime,
  gatewayRuntime: "deno" | "bun",
  options: {
    root: string;
    cwd: string;
    clock: Clock;
    fs: FileSystem;
    workDir: string;
    reads: number;
  },
): Promise<void> {
  const out = (text: string) => runtime.process.writeStdout(text + "\n");
  runtime.process.writeStderr(`  [federation on ${gatewayRuntime}] starting dc1 and dc2\n`);
  const federation = await spawnChild(
    runtimeArgv(options.root, gatewayRuntime, "scripts/bench/_gateway_federation.ts", [
      `${options.workDir}/federation-${gatewayRuntime}`,
    ]),
    { ...options, label: `federation-${gatewayRuntime}` },
  );
  try {
    const dc1Http = await federation.waitListening(FEDERATION_READY_TIMEOUT_MS);
    runtime.process.writeStderr(`  [federation on ${gatewayRuntime}] ${options.reads} reads\n`);
    const f = await measureCrossDc(runtime.clock, dc1Http, options.reads);
    out("");
    out(
      `Cross-DC reads, dc1 and dc2 (server and two gateways each) in one ${gatewayRuntime} process:`,
    );
    out("");
    out("| GET /v1/kv/<key> asked of dc1 | p50 ms | p99 ms |");
    out("| --- | ---: | ---: |");
    out(`| local (dc1) | ${f.localP50Ms.toFixed(2)} | ${f.localP99Ms.toFixed(2)} |`);
    out(
      `| ?dc=dc2, via a dc1 and a dc2 gateway | ${f.remoteP50Ms.toFixed(2)} | ${
        f.remoteP99Ms.toFixed(2)
      } |`,
    );
    out(
      `| added by the cross-DC path | ${(f.remoteP50Ms - f.localP50Ms).toFixed(2)} | ${
        (f.remoteP99Ms - f.localP99Ms).toFixed(2)
      } |`,
    );
    if (f.firstError !== null) {
      out(
        `failed reads: ${f.localErrors} local, ${f.remoteErrors} cross-DC (not in the ` +
          `percentiles); first: ${f.firstError}`,
      );
    }
  } finally {
    await federation.stop();
    await runtime.fs.remove(`${options.workDir}/${federation.label}.pid`).catch(() => {});
  }
}
