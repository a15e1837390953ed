/**
 * Child process for the crash test: appends batches to the log in the directory given as the
 * first argument and prints `ack <index>` after each append resolves, until it is killed.
 */
import { currentRuntime } from "../../src/runtime/current.ts";
import { openLogStore } from "../../src/raft/mod.ts";
import { entries } from "./_helpers.ts";
import { CRASH_SEGMENT_ROLL_BYTES } from "./_crash_writer_options.ts";

const runtime = await currentRuntime();
const dir = runtime.process.args[0];
if (dir === undefined) {
  runtime.process.writeStderr("usage: _crash_writer.ts <log dir>\n");
  runtime.process.exit(2);
}
const log = await openLogStore(runtime.fs, dir, { segmentRollBytes: CRASH_SEGMENT_ROLL_BYTES });
runtime.process.writeStdout(`ready ${log.lastIndex()}\n`);
for (let batch = 0;; batch++) {
  const first = log.lastIndex() + 1;
  const size = 1 + (batch % 8);
  await log.append(entries(first, first + size - 1, 1, 16 + (batch % 5) * 40));
  runtime.process.writeStdout(`ack ${log.lastIndex()}\n`);
}
