/**
 * `consulate members`: lists the agent's gossip pool (or the WAN pool with `-wan`) in the
 * column layout of `consul members`, so the output reads — and parses — the same.
 *
 * @module
 */
import type { AgentMember } from "../api/mod.ts";
import { type Command, UsageError } from "./command.ts";
import { type FlagSpec, parseFlags } from "./flags.ts";
import { CLIENT_FLAG_SPECS, formatColumns, httpCommandHelp, withClient } from "./_http_flags.ts";

const FLAGS: readonly FlagSpec[] = [
  { name: "detailed", kind: "bool", help: "Provides detailed information about nodes." },
  {
    name: "wan",
    kind: "bool",
    help: "If the agent is in server mode, list the WAN pool: the servers of every datacenter.",
  },
  {
    name: "status",
    kind: "string",
    valueName: "<regexp>",
    help: "Only members whose status (alive, leaving, left, failed) matches this regular " +
      'expression. Default ".*".',
  },
  {
    name: "filter",
    kind: "string",
    valueName: "<expression>",
    help: "Filter to use with the request.",
  },
];

/** Serf's status names by number, as `serf.MemberStatus.String()` prints them. */
const STATUS_NAMES = ["none", "alive", "leaving", "left", "failed"] as const;

/** Serf's `role` tag value of a server. */
const ROLE_SERVER = "consul";
/** Serf's `role` tag value of a client agent. */
const ROLE_CLIENT = "node";

/** `consulate members`. */
export const membersCommand: Command = {
  path: ["members"],
  synopsis: "Lists the members of a Consul cluster",
  help: httpCommandHelp(
    "consulate members [options]",
    "  Outputs the members of a running agent's gossip pool. Exits 2 when no member matches.",
    { commandFlags: FLAGS, serverFlags: false },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...CLIENT_FLAG_SPECS, ...FLAGS]);
    if (flags.positionals.length > 0) {
      throw new UsageError(`Too many arguments (expected 0, got ${flags.positionals.length})`);
    }
    let statusRe: RegExp;
    try {
      statusRe = new RegExp((flags.values.get("status") as string | undefined) ?? ".*");
    } catch (error) {
      context.stderr(`Failed to compile status regexp: ${(error as Error).message}\n`);
      return 1;
    }
    return await withClient(flags, context, "Error retrieving members", async (client) => {
      const members = await client.agent.members({
        wan: flags.values.get("wan") === true,
        filter: flags.values.get("filter") as string | undefined,
      });
      const rows = members.map(describeMember).filter((row) => statusRe.test(row.status));
      if (rows.length === 0) return 2;
      rows.sort(compareMembers);
      const table = flags.values.get("detailed") === true
        ? detailedTable(rows)
        : standardTable(rows);
      context.stdout(`${formatColumns(table)}\n`);
      return 0;
    });
  },
};

/** A member with the tag defaults `consul members` applies before printing. */
interface MemberRow {
  readonly member: AgentMember;
  readonly tags: Readonly<Record<string, string>>;
  readonly status: string;
}

/** Text of a serf status number; numbers serf does not define print as "unknown". */
export function memberStatusName(status: number): string {
  return STATUS_NAMES[status] ?? "unknown";
}

function describeMember(member: AgentMember): MemberRow {
  const tags: Record<string, string> = { ...(member.Tags ?? {}) };
  if (!tags.ap) tags.ap = "default";
  if (tags.ap === "default") {
    // No -segment flag means "all segments", which servers belong to by definition.
    if (tags.role === ROLE_SERVER) tags.segment = "<all>";
    else if (!tags.segment) tags.segment = "<default>";
  } else {
    tags.segment = "";
  }
  return { member, tags, status: memberStatusName(member.Status) };
}

/** Servers first, then the default partition, then by segment, partition and name. */
function compareMembers(a: MemberRow, b: MemberRow): number {
  const aServer = a.tags.role === ROLE_SERVER;
  const bServer = b.tags.role === ROLE_SERVER;
  if (aServer !== bServer) return aServer ? -1 : 1;
  const aDefault = a.tags.ap === "default";
  const bDefault = b.tags.ap === "default";
  if (aDefault !== bDefault) return aDefault ? -1 : 1;
  return compareText(a.tags.segment ?? "", b.tags.segment ?? "") ||
    compareText(a.tags.ap, b.tags.ap) ||
    compareText(a.member.Name, b.member.Name);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function standardTable(rows: readonly MemberRow[]): string[][] {
  const table = [[
    "Node",
    "Address",
    "Status",
    "Type",
    "Build",
    "Protocol",
    "DC",
    "Partition",
    "Segment",
  ]];
  for (const { member, tags, status } of rows) {
    const address = hostPort(member.Addr, member.Port);
    const type = tags.role === ROLE_SERVER ? "server" : tags.role === ROLE_CLIENT ? "client" : "";
    if (type === "") {
      table.push([member.Name, address, status, "unknown", "", "", "", "", ""]);
      continue;
    }
    const build = tags.build ? tags.build.split(":")[0] : "< 0.3";
    table.push([
      member.Name,
      address,
      status,
      type,
      build,
      tags.vsn ?? "",
      tags.dc ?? "",
      tags.ap,
      tags.segment ?? "",
    ]);
  }
  return table;
}

function detailedTable(rows: readonly MemberRow[]): string[][] {
  const table = [["Node", "Address", "Status", "Tags"]];
  for (const { member, tags, status } of rows) {
    // The tags as received plus the partition/segment defaults, as Consul prints them.
    const pairs = Object.keys(tags).sort().map((key) => `${key}=${tags[key]}`);
    table.push([member.Name, hostPort(member.Addr, member.Port), status, pairs.join(",")]);
  }
  return table;
}

/** `net.TCPAddr.String()`: IPv6 in brackets, and an unparseable IP printed as empty. */
function hostPort(address: string, port: number): string {
  if (address.includes(":")) return `[${address}]:${port}`;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) ? `${address}:${port}` : `:${port}`;
}
