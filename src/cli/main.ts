/**
 * The `consulate` executable: picks the runtime it runs on and hands the arguments to the
 * command dispatcher.
 *
 * @module
 */
import { currentRuntime } from "../runtime/current.ts";
import { COMMANDS } from "./commands.ts";
import { runCli } from "./dispatch.ts";

async function main(): Promise<never> {
  const runtime = await currentRuntime();
  const context = {
    runtime,
    stdout: (text: string) => runtime.process.writeStdout(text),
    stderr: (text: string) => runtime.process.writeStderr(text),
  };
  let code: number;
  try {
    code = await runCli(runtime.process.args, COMMANDS, context);
  } catch (error) {
    context.stderr(
      `Error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`,
    );
    code = 1;
  }
  return runtime.process.exit(code);
}

if (import.meta.main) await main();
