/**
 * Linux `/proc` readings of another process for the benchmarks: CPU time, resident memory and
 * open file descriptors. Read through the FileSystem port; Linux only.
 *
 * @module
 */

import type { FileSystem, Process } from "../../src/runtime/ports.ts";

/** Fields of `/proc/<pid>/stat` after the `(comm)` field: utime is 14th, stime 15th overall. */
const UTIME_FIELD_AFTER_COMM = 11;

/** One CPU-and-memory reading of a process. */
export interface ProcSample {
  /** utime + stime of every thread, in clock ticks. */
  readonly cpuTicks: number;
  /** Resident set size in bytes (`VmRSS`). */
  readonly rssBytes: number;
}

/** Reads CPU ticks and RSS of `pid`. @throws when the process is gone. */
export async function sampleProcess(fs: FileSystem, pid: number): Promise<ProcSample> {
  const [stat, status] = await Promise.all([
    fs.readTextFile(`/proc/${pid}/stat`),
    fs.readTextFile(`/proc/${pid}/status`),
  ]);
  // The command name may hold spaces and parentheses; fields resume after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(fields[UTIME_FIELD_AFTER_COMM]) +
    Number(fields[UTIME_FIELD_AFTER_COMM + 1]);
  const rssKb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!Number.isFinite(cpuTicks) || rssKb === undefined) {
    throw new Error(`Could not parse /proc/${pid}/stat or /proc/${pid}/status`);
  }
  return { cpuTicks, rssBytes: Number(rssKb) * 1024 };
}

/** Number of file descriptors `pid` holds open (sockets included). */
export async function countOpenFds(fs: FileSystem, pid: number): Promise<number> {
  return (await fs.readDir(`/proc/${pid}/fd`)).length;
}

/** The kernel's clock ticks per second (`getconf CLK_TCK`), the unit of `cpuTicks`. */
export async function clockTicksPerSecond(process: Process): Promise<number> {
  const result = await process.runCommand(["getconf", "CLK_TCK"], {
    timeoutMs: 5000,
    maxOutputBytes: 64,
  });
  const ticks = Number(result.output.trim());
  if (result.code !== 0 || !(ticks > 0)) throw new Error("getconf CLK_TCK failed");
  return ticks;
}

/** CPU use between two samples as a percentage of one core. */
export function cpuPercent(
  before: ProcSample,
  after: ProcSample,
  options: { elapsedMs: number; ticksPerSecond: number },
): number {
  const cpuSeconds = (after.cpuTicks - before.cpuTicks) / options.ticksPerSecond;
  return (cpuSeconds / (options.elapsedMs / 1000)) * 100;
}
