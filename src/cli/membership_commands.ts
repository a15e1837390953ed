/**
 * `consulate join` and `consulate force-leave`: cluster membership changes through the agent's
 * HTTP API, with Consul's flags and messages.
 *
 * @module
 */
import { type Command, UsageError } from "./command.ts";
import { type FlagSpec, parseFlags } from "./flags.ts";
import { CLIENT_FLAG_SPECS, httpCommandHelp, withClient } from "./_http_flags.ts";

const WAN_FLAG: FlagSpec = {
  name: "wan",
  kind: "bool",
  help: "Act on the WAN pool of servers instead of the LAN pool. The agent must be a server.",
};

const JOIN_FLAGS: readonly FlagSpec[] = [WAN_FLAG];
const FORCE_LEAVE_FLAGS: readonly FlagSpec[] = [
  WAN_FLAG,
  {
    name: "prune",
    kind: "bool",
    help: "Remove the member from the member list at once instead of marking it left.",
  },
];

/** `consulate join`. */
export const joinCommand: Command = {
  path: ["join"],
  synopsis: "Tell the agent to join a cluster",
  help: httpCommandHelp(
    "consulate join [options] address ...",
    "  Tells a running agent to join the cluster by contacting the given addresses.\n" +
      "  With WAN federation via mesh gateways, servers join the WAN automatically and\n" +
      "  -wan joins are refused, as in Consul.",
    { commandFlags: JOIN_FLAGS, serverFlags: false },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...CLIENT_FLAG_SPECS, ...JOIN_FLAGS]);
    if (flags.positionals.length === 0) {
      throw new UsageError("At least one address to join must be specified.");
    }
    const wan = flags.values.get("wan") === true;
    return await withClient(flags, context, "Error joining address", async (client) => {
      let joined = 0;
      for (const address of flags.positionals) {
        try {
          await client.agent.join(address, { wan });
          joined++;
        } catch (error) {
          context.stderr(`Error joining address '${address}': ${(error as Error).message}\n`);
        }
      }
      if (joined === 0) {
        context.stderr("Failed to join any nodes.\n");
        return 1;
      }
      context.stdout(`Successfully joined cluster by contacting ${joined} nodes.\n`);
      return 0;
    });
  },
};

/** `consulate force-leave`. */
export const forceLeaveCommand: Command = {
  path: ["force-leave"],
  synopsis: 'Forces a member of the cluster to enter the "left" state',
  help: httpCommandHelp(
    "consulate force-leave [options] name",
    '  Forces a failed member to enter the "left" state, so its datacenter stops trying to\n' +
      "  reach it. For a WAN member use -wan and its WAN name, <node>.<datacenter>.",
    { commandFlags: FORCE_LEAVE_FLAGS, serverFlags: false },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...CLIENT_FLAG_SPECS, ...FORCE_LEAVE_FLAGS]);
    if (flags.positionals.length !== 1) {
      throw new UsageError("A single node name must be specified to force leave.");
    }
    const [node] = flags.positionals;
    return await withClient(flags, context, "Error force leaving", async (client) => {
      await client.agent.forceLeave(node, {
        prune: flags.values.get("prune") === true,
        wan: flags.values.get("wan") === true,
      });
      return 0;
    });
  },
};
