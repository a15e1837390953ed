/**
 * The shape of a `consulate` sub-command, shared by every command file.
 *
 * A command is a plain object: the dispatcher in `main.ts` finds it by name, prints its help
 * for `-h`/`-help`/`--help`, and otherwise calls `run` with the remaining arguments.
 *
 * @module
 */
import type { Runtime } from "../runtime/ports.ts";

/** What a command may use: the runtime and the two output streams. */
export interface CliContext {
  readonly runtime: Runtime;
  /** Writes to standard output (no newline added). */
  stdout(text: string): void;
  /** Writes to standard error (no newline added). */
  stderr(text: string): void;
}

/** One `consulate` sub-command, e.g. `tls ca create`. */
export interface Command {
  /** Words after `consulate`, e.g. `["tls", "ca", "create"]`. */
  readonly path: readonly string[];
  /** One line for the command list. */
  readonly synopsis: string;
  /** Full help text: usage line, description, flags. */
  readonly help: string;
  /** Runs the command; resolves to the process exit code (0 success, 1 error). */
  run(args: readonly string[], context: CliContext): Promise<number>;
}

/** A usage error: the dispatcher prints the message and the command's help, exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
