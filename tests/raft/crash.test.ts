/** Kills a writer process with SIGKILL mid-stream and checks every acknowledged entry survived. */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { currentRuntime } from "../../src/runtime/current.ts";
import { openLogStore } from "../../src/raft/mod.ts";
import { CRASH_SEGMENT_ROLL_BYTES } from "./_crash_writer_options.ts";
import { payload, tempDir } from "./_helpers.ts";

const WRITER = fileURLToPath(new URL("./_crash_writer.ts", import.meta.url));
/** Acknowledgements to wait for before each kill; varied so kills land at different points. */
const ACKS_BEFORE_KILL = [150, 401, 777];
const WRITER_TIMEOUT_MS = 60_000;

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("raft-crash"));
});
afterEach(async () => {
  await cleanup();
});

/** Runs the writer until `acks` acknowledgements, SIGKILLs it, returns the highest acked index. */
async function runAndKill(acks: number): Promise<number> {
  const runtime = await currentRuntime();
  const args = runtime.name === "deno" ? ["run", "-A", WRITER, dir] : [WRITER, dir];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let highest = 0;
  let seen = 0;
  let pending = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += String(chunk)));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = runtime.clock.setTimer(WRITER_TIMEOUT_MS, () => {
      child.kill("SIGKILL");
      reject(
        new Error(`writer sent ${seen} of ${acks} acks in ${WRITER_TIMEOUT_MS} ms: ${stderr}`),
      );
    });
    child.on("exit", (code) => {
      timer.cancel();
      reject(new Error(`writer exited early with code ${code} after ${seen} acks: ${stderr}`));
    });
    child.stdout.on("data", (chunk) => {
      pending += String(chunk);
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line);
        if (match === null) continue;
        highest = Math.max(highest, Number(match[1]));
        if (++seen === acks) {
          timer.cancel();
          child.kill("SIGKILL");
          resolve();
        }
      }
    });
  });
  await exited;
  return highest;
}

describe("crash safety", () => {
  test("every index acknowledged before SIGKILL is present after reopening", async () => {
    const runtime = await currentRuntime();
    let acknowledged = 0;
    for (const acks of ACKS_BEFORE_KILL) {
      acknowledged = Math.max(acknowledged, await runAndKill(acks));
      const log = await openLogStore(runtime.fs, dir, {
        segmentRollBytes: CRASH_SEGMENT_ROLL_BYTES,
      });
      assert.ok(
        log.lastIndex() >= acknowledged,
        `last index ${log.lastIndex()} is below acknowledged index ${acknowledged}`,
      );
      const all = await log.getRange(1, log.lastIndex());
      assert.equal(all.length, log.lastIndex());
      for (const entry of all) {
        assert.deepEqual(
          entry.data,
          payload(entry.index, entry.data.length),
          `entry ${entry.index}`,
        );
      }
      await log.close();
    }
  });
});
