/**
 * Disk log store append throughput at batch sizes 1, 16 and 256, measured side by side in
 * one run. Every `append` call is one write plus one fsync, so fsyncs/s is appends/s and the
 * batch size multiplies entries/s until bandwidth, not fsync latency, is the limit.
 *
 * Run: `deno run -A scripts/bench/log_store.ts` or `bun scripts/bench/log_store.ts`.
 * Optional arguments: seconds per case per round (default 2), entry bytes (default 256),
 * and a directory on the disk to measure (default the temp dir, `$TMPDIR` or `/tmp`).
 *
 * @module
 */

import { currentRuntime } from "../../src/runtime/current.ts";
import type { Runtime } from "../../src/runtime/ports.ts";
import { type LogEntry, openLogStore } from "../../src/raft/mod.ts";

const BATCH_SIZES = [1, 16, 256];
/** Rounds over all batch sizes; interleaving them spreads disk and scheduler drift evenly. */
const ROUNDS = 3;

interface Tally {
  appends: number;
  entries: number;
  bytes: number;
  ms: number;
}

async function measure(
  runtime: Runtime,
  dir: string,
  batchSize: number,
  options: { seconds: number; entryBytes: number },
): Promise<Tally> {
  await runtime.fs.remove(dir, { recursive: true }).catch(() => {});
  const log = await openLogStore(runtime.fs, dir);
  const data = runtime.random.bytes(options.entryBytes);
  const tally: Tally = { appends: 0, entries: 0, bytes: 0, ms: 0 };
  const started = runtime.clock.monotonicMs();
  const deadline = started + options.seconds * 1000;
  while (runtime.clock.monotonicMs() < deadline) {
    const first = log.lastIndex() + 1;
    const batch: LogEntry[] = Array.from(
      { length: batchSize },
      (_, i) => ({ index: first + i, term: 1, type: 0, data }),
    );
    await log.append(batch);
    tally.appends++;
    tally.entries += batchSize;
    tally.bytes += batchSize * options.entryBytes;
  }
  tally.ms = runtime.clock.monotonicMs() - started;
  await log.close();
  await runtime.fs.remove(dir, { recursive: true });
  return tally;
}

function row(cells: Array<string | number>): string {
  return cells.map((cell, i) => String(cell).padStart(i === 0 ? 6 : 14)).join("");
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  const [secondsArg, bytesArg, dirArg] = runtime.process.args;
  const seconds = Number(secondsArg ?? 2);
  const entryBytes = Number(bytesArg ?? 256);
  const base = dirArg ?? runtime.process.env("TMPDIR") ?? "/tmp";
  const suffix = Array.from(runtime.random.bytes(4), (b) => b.toString(16).padStart(2, "0"));
  const dir = `${base}/consulate-bench-log-${suffix.join("")}`;
  const totals = new Map(
    BATCH_SIZES.map((size) => [size, { appends: 0, entries: 0, bytes: 0, ms: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const size of BATCH_SIZES) {
      const tally = await measure(runtime, dir, size, { seconds, entryBytes });
      const total = totals.get(size)!;
      for (const key of ["appends", "entries", "bytes", "ms"] as const) total[key] += tally[key];
    }
  }
  const out = runtime.process.writeStdout.bind(runtime.process);
  out(`log store append, ${runtime.name}, ${entryBytes}-byte entries, dir ${base}\n`);
  out(`${row(["batch", "fsyncs/s", "entries/s", "MiB/s", "x batch 1"])}\n`);
  const baseline = totals.get(1)!;
  for (const [size, total] of totals) {
    const perSecond = (n: number) => n / (total.ms / 1000);
    const ratio = perSecond(total.entries) / (baseline.entries / (baseline.ms / 1000));
    out(`${
      row([
        size,
        perSecond(total.appends).toFixed(0),
        perSecond(total.entries).toFixed(0),
        (perSecond(total.bytes) / 1048576).toFixed(1),
        ratio.toFixed(1),
      ])
    }\n`);
  }
}

await main();
