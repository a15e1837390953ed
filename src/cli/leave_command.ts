/**
 * `consulate leave`: asks the agent to leave the cluster gracefully and shut down, as
 * `consul leave` does.
 *
 * @module
 */
import { type Command, UsageError } from "./command.ts";
import { parseFlags } from "./flags.ts";
import { CLIENT_FLAG_SPECS, httpCommandHelp, withClient } from "./_http_flags.ts";

/** `consulate leave`. */
export const leaveCommand: Command = {
  path: ["leave"],
  synopsis: "Gracefully leaves the cluster and shuts down",
  help: httpCommandHelp(
    "consulate leave [options]",
    "  Causes the agent to gracefully leave the cluster and shut down: its WAN members\n" +
      '  see it as "left" rather than "failed", and its gateways stop routing to it.',
    { commandFlags: [], serverFlags: false },
  ),
  async run(args, context) {
    const flags = parseFlags(args, CLIENT_FLAG_SPECS);
    if (flags.positionals.length > 0) {
      throw new UsageError("The leave command does not accept arguments");
    }
    return await withClient(flags, context, "Error leaving", async (client) => {
      await client.agent.leave();
      context.stdout("Graceful leave complete\n");
      return 0;
    });
  },
};
