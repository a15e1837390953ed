/**
 * Summarizes a `.cpuprofile` (written by `deno run --cpu-prof` or `bun --cpu-prof`, e.g. by
 * `gateway.ts --profile-dir=DIR`): self time by function and by source file, largest first, so
 * that where a gateway spends its CPU can be read in a terminal.
 *
 * Run: `deno run -A scripts/bench/_gateway_profile.ts <file.cpuprofile> [top=25]` or the same
 * with `bun`. Not a benchmark by itself.
 *
 * @module
 */

import { currentRuntime } from "../../src/runtime/current.ts";

/** The fields of the Chrome DevTools CPU profile format this summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  /** Microseconds since the previous sample, one per sample. */
  readonly timeDeltas: readonly number[];
}

/** One row of the summary. */
export interface ProfileRow {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Self time by function (`name file:line`) and by file, largest first. */
export function summarizeProfile(
  profile: CpuProfile,
): { byFunction: ProfileRow[]; byFile: ProfileRow[]; totalMs: number } {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const deltaUs = Math.max(0, profile.timeDeltas[i] ?? 0);
    const frame = frames.get(id);
    const file = shortFile(frame?.url ?? "");
    const name = `${frame?.functionName || "(anonymous)"} ${file}:${(frame?.lineNumber ?? 0) + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + deltaUs);
    byFile.set(file || "(native)", (byFile.get(file || "(native)") ?? 0) + deltaUs);
    totalUs += deltaUs;
  });
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }));
  return { byFunction: rows(byFunction), byFile: rows(byFile), totalMs: totalUs / 1000 };
}

function shortFile(url: string): string {
  const inRepo = /\/(src|scripts)\/.*$/.exec(url);
  if (inRepo) return inRepo[0].slice(1);
  return url.replace(/^.*\/(node_modules|ext)\//, "$1/");
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  const [path, topText] = runtime.process.args;
  if (path === undefined) {
    runtime.process.writeStderr("Usage: _gateway_profile.ts <file.cpuprofile> [top=25]\n");
    runtime.process.exit(2);
  }
  const top = Number(topText ?? 25);
  const profile = JSON.parse(await runtime.fs.readTextFile(path)) as CpuProfile;
  const { byFunction, byFile, totalMs } = summarizeProfile(profile);
  const line = (row: ProfileRow) =>
    `${row.selfMs.toFixed(0).padStart(8)} ms ${
      (row.share * 100).toFixed(1).padStart(5)
    } %  ${row.name}`;
  const out = [`total sampled ${totalMs.toFixed(0)} ms`, "", "self time by file:"];
  out.push(...byFile.slice(0, top).map(line), "", "self time by function:");
  out.push(...byFunction.slice(0, top).map(line));
  runtime.process.writeStdout(out.join("\n") + "\n");
}

if (import.meta.main) await main();
