/**
 * `consulate maint`: turns maintenance mode on or off for the node or one of its services, or
 * lists what is in maintenance, with Consul's flags and messages.
 *
 * @module
 */
import {
  NODE_MAINTENANCE_CHECK_ID,
  SERVICE_MAINTENANCE_PREFIX,
} from "../agent/checks/maintenance.ts";
import { type Command, UsageError } from "./command.ts";
import { type FlagSpec, parseFlags } from "./flags.ts";
import { CLIENT_FLAG_SPECS, httpCommandHelp, withClient } from "./_http_flags.ts";

const MAINT_FLAGS: readonly FlagSpec[] = [
  { name: "enable", kind: "bool", help: "Enable maintenance mode. Default false." },
  { name: "disable", kind: "bool", help: "Disable maintenance mode. Default false." },
  {
    name: "reason",
    kind: "string",
    valueName: "<string>",
    help: "Text describing the maintenance reason, shown with the critical check.",
  },
  {
    name: "service",
    kind: "string",
    valueName: "<id>",
    help: "Act on the service instance with this ID instead of the whole node.",
  },
];

/** `consulate maint`. */
export const maintCommand: Command = {
  path: ["maint"],
  synopsis: "Controls node or service maintenance mode",
  help: httpCommandHelp(
    "consulate maint [options]",
    "  Places a node or service into maintenance mode. During maintenance mode, the node\n" +
      "  or service will be excluded from all queries through the HTTP API. The mode is\n" +
      "  kept across agent restarts.\n\n" +
      "  Without -enable or -disable, lists what is in maintenance on this agent.\n\n" +
      '      $ consulate maint -enable -reason="kernel upgrade"\n' +
      "      $ consulate maint -enable -service=web-1\n" +
      "      $ consulate maint -disable -service=web-1",
    { commandFlags: MAINT_FLAGS, serverFlags: false },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...CLIENT_FLAG_SPECS, ...MAINT_FLAGS]);
    const enable = flags.values.get("enable") === true;
    const disable = flags.values.get("disable") === true;
    const reason = (flags.values.get("reason") as string | undefined) ?? "";
    const serviceId = (flags.values.get("service") as string | undefined) ?? "";
    if (flags.positionals.length > 0) {
      throw new UsageError(`Unexpected arguments: ${flags.positionals.join(" ")}`);
    }
    const conflict = conflictingFlags(enable, disable, reason, serviceId);
    if (conflict !== null) {
      context.stderr(`${conflict}\n`);
      return 1;
    }
    const target = serviceId === "" ? "node" : "service";
    const failure = !enable && !disable
      ? "Error querying Consul agent"
      : `Error ${enable ? "enabling" : "disabling"} ${target} maintenance`;
    return await withClient(flags, context, failure, async (client) => {
      if (!enable && !disable) {
        const [self, checks] = await Promise.all([client.agent.self(), client.agent.checks()]);
        for (const check of Object.values(checks)) {
          if (check.CheckID === NODE_MAINTENANCE_CHECK_ID) {
            context.stdout(
              `Node:\n  Name:   ${self.Config.NodeName}\n  Reason: ${check.Notes}\n\n`,
            );
          } else if (check.CheckID.startsWith(SERVICE_MAINTENANCE_PREFIX)) {
            context.stdout(`Service:\n  ID:     ${check.ServiceID}\n  Reason: ${check.Notes}\n\n`);
          }
        }
        return 0;
      }
      const state = enable ? "enabled" : "disabled";
      if (serviceId === "") {
        await client.agent.maintenance(null, enable, reason);
        context.stdout(`Node maintenance is now ${state}\n`);
      } else {
        await client.agent.maintenance(serviceId, enable, reason);
        context.stdout(`Service maintenance is now ${state} for "${serviceId}"\n`);
      }
      return 0;
    });
  },
};

/** Consul's refusal of a flag combination, or null when the flags agree. */
function conflictingFlags(
  enable: boolean,
  disable: boolean,
  reason: string,
  serviceId: string,
): string | null {
  if (enable && disable) return "Only one of -enable or -disable may be provided";
  if (!enable && reason !== "") return "Reason may only be provided with -enable";
  if (!enable && !disable && serviceId !== "") {
    return "Service requires either -enable or -disable";
  }
  return null;
}
