/**
 * Finds the sub-command named by the arguments and runs it, the way Consul's CLI does:
 * the longest matching command path wins, `-h`/`-help`/`--help` prints its help, and a
 * command group (`consulate tls`) lists its sub-commands.
 *
 * @module
 */
import { type CliContext, type Command, UsageError } from "./command.ts";

const HELP_FLAGS = new Set(["-h", "-help", "--help"]);

/**
 * Runs the command that `args` names.
 *
 * @returns the process exit code: 0 on success, 1 on error or usage error, 127 when no command matched.
 */
export async function runCli(
  args: readonly string[],
  commands: readonly Command[],
  context: CliContext,
): Promise<number> {
  const command = findCommand(args, commands);
  if (!command) {
    const group = args.filter((arg) => !arg.startsWith("-"));
    const below = commandsBelow(group, commands);
    if (below.length > 0 && group.length > 0) {
      context.stdout(
        listCommands(`consulate ${group.join(" ")} <subcommand>`, below, group.length),
      );
      return HELP_FLAGS.has(args.at(-1) ?? "") ? 0 : 1;
    }
    const asked = args.length === 0 || HELP_FLAGS.has(args[0]);
    const text = listCommands("consulate <command> [args]", commands, 0);
    if (asked) {
      context.stdout(text);
      return asked && args.length > 0 ? 0 : 1;
    }
    context.stderr(`Unknown command: ${args.join(" ")}\n\n${text}`);
    return 127;
  }
  const rest = args.slice(command.path.length);
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    context.stdout(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(`${error.message}\n\n${command.help}\n`);
      return 1;
    }
    throw error;
  }
}

function findCommand(args: readonly string[], commands: readonly Command[]): Command | undefined {
  let best: Command | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, index) => args[index] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best;
}

function commandsBelow(prefix: readonly string[], commands: readonly Command[]): Command[] {
  return commands.filter((command) =>
    command.path.length > prefix.length && prefix.every((word, i) => command.path[i] === word)
  );
}

function listCommands(usage: string, commands: readonly Command[], depth: number): string {
  const rows = new Map<string, string>();
  for (const command of commands) {
    const word = command.path[depth];
    const isLeaf = command.path.length === depth + 1;
    if (!rows.has(word) || isLeaf) {
      rows.set(
        word,
        isLeaf ? command.synopsis : `${command.path.slice(0, depth + 1).join(" ")} commands`,
      );
    }
  }
  const width = Math.max(...[...rows.keys()].map((word) => word.length));
  const lines = [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([word, synopsis]) => `    ${word.padEnd(width)}    ${synopsis}`);
  return `Usage: ${usage}\n\nAvailable commands are:\n${lines.join("\n")}\n`;
}
