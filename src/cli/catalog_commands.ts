/**
 * `consulate catalog datacenters | nodes | services`: reads of the servers' catalog with the
 * output of `consul catalog ...`.
 *
 * @module
 */
import type { CatalogNodeEntry, CatalogService } from "../api/mod.ts";
import { type Command, UsageError } from "./command.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";
import {
  CLIENT_FLAG_SPECS,
  formatColumns,
  formatTabbed,
  httpCommandHelp,
  parseKeyValueFlags,
  SERVER_FLAG_SPECS,
  serverQueryOptions,
  withClient,
} from "./_http_flags.ts";

const HTTP_FLAGS = [...CLIENT_FLAG_SPECS, ...SERVER_FLAG_SPECS];

const NODE_META_FLAG: FlagSpec = {
  name: "node-meta",
  kind: "list",
  valueName: "<key=value>",
  help: "Only nodes with this metadata pair. May be given several times; all must match.",
};

function rejectPositionals(flags: ParsedFlags): void {
  if (flags.positionals.length > 0) {
    throw new UsageError(`Too many arguments (expected 0, got ${flags.positionals.length})`);
  }
}

/** `consulate catalog datacenters`. */
export const catalogDatacentersCommand: Command = {
  path: ["catalog", "datacenters"],
  synopsis: "Lists all known datacenters",
  help: httpCommandHelp(
    "consulate catalog datacenters [options]",
    "  Lists every datacenter the servers know, nearest first by estimated round-trip time.",
    { commandFlags: [], serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, HTTP_FLAGS);
    rejectPositionals(flags);
    // Consul prints the error yet exits 0; Consulate exits 1 so scripts notice.
    return await withClient(flags, context, "Error listing datacenters", async (client) => {
      const datacenters = await client.catalog.datacenters();
      for (const dc of datacenters) context.stdout(`${dc}\n`);
      return 0;
    });
  },
};

const NODES_FLAGS: readonly FlagSpec[] = [
  {
    name: "detailed",
    kind: "bool",
    help: "Output detailed information about the nodes: full IDs, tagged addresses, metadata.",
  },
  {
    name: "near",
    kind: "string",
    valueName: "<node>",
    help: 'Sort by estimated round-trip time from this node; "_agent" means this agent\'s node.',
  },
  NODE_META_FLAG,
  {
    name: "service",
    kind: "string",
    valueName: "<id or name>",
    help: "Only nodes providing this service.",
  },
  {
    name: "filter",
    kind: "string",
    valueName: "<expression>",
    help: "Filter to use with the request.",
  },
];

/** `consulate catalog nodes`. */
export const catalogNodesCommand: Command = {
  path: ["catalog", "nodes"],
  synopsis: "Lists all nodes in the given datacenter",
  help: httpCommandHelp(
    "consulate catalog nodes [options]",
    "  Lists the nodes registered in a datacenter (the agent's unless -datacenter is given).\n\n" +
      "      $ consulate catalog nodes -service=web -detailed",
    { commandFlags: NODES_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...NODES_FLAGS]);
    rejectPositionals(flags);
    const options = {
      ...serverQueryOptions(flags),
      near: flags.values.get("near") as string | undefined,
      filter: flags.values.get("filter") as string | undefined,
      nodeMeta: parseKeyValueFlags(flags, "node-meta"),
    };
    const service = flags.values.get("service") as string | undefined;
    const prefix = service ? "Error listing nodes for service" : "Error listing nodes";
    return await withClient(flags, context, prefix, async (client) => {
      const nodes = service
        ? (await client.catalog.service(service, options)).value.map(serviceNode)
        : (await client.catalog.nodes(options)).value;
      if (nodes.length === 0) {
        context.stderr("No nodes match the given query - try expanding your search.\n");
        return 0;
      }
      const detailed = flags.values.get("detailed") === true;
      context.stdout(
        `${
          formatColumns([nodesHeader(detailed), ...nodes.map((node) => nodeRow(node, detailed))])
        }\n`,
      );
      return 0;
    });
  },
};

function serviceNode(instance: CatalogService): CatalogNodeEntry {
  return {
    ID: instance.ID,
    Node: instance.Node,
    Address: instance.Address,
    Datacenter: instance.Datacenter,
    TaggedAddresses: instance.TaggedAddresses,
    Meta: instance.NodeMeta,
    CreateIndex: instance.CreateIndex,
    ModifyIndex: instance.ModifyIndex,
  };
}

function nodesHeader(detailed: boolean): string[] {
  return detailed
    ? ["Node", "ID", "Address", "DC", "TaggedAddresses", "Meta"]
    : ["Node", "ID", "Address", "DC"];
}

function nodeRow(node: CatalogNodeEntry, detailed: boolean): string[] {
  if (detailed) {
    return [
      node.Node,
      node.ID,
      node.Address,
      node.Datacenter,
      sortedPairs(node.TaggedAddresses),
      sortedPairs(node.Meta),
    ];
  }
  // The short form shows only the first group of the node's UUID.
  const dash = node.ID.indexOf("-");
  return [node.Node, dash > 0 ? node.ID.slice(0, dash) : node.ID, node.Address, node.Datacenter];
}

function sortedPairs(map: Readonly<Record<string, string>> | null | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries
    .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}

const SERVICES_FLAGS: readonly FlagSpec[] = [
  {
    name: "node",
    kind: "string",
    valueName: "<id or name>",
    help: "List the services of this node only.",
  },
  NODE_META_FLAG,
  {
    name: "tags",
    kind: "bool",
    help: "Display each service's tags as a comma-separated list beside each service entry.",
  },
];

/** `consulate catalog services`. */
export const catalogServicesCommand: Command = {
  path: ["catalog", "services"],
  synopsis: "Lists all registered services in a datacenter",
  help: httpCommandHelp(
    "consulate catalog services [options]",
    "  Lists the services registered in a datacenter (the agent's unless -datacenter is " +
      "given).\n\n      $ consulate catalog services -tags",
    { commandFlags: SERVICES_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...SERVICES_FLAGS]);
    rejectPositionals(flags);
    const options = {
      ...serverQueryOptions(flags),
      nodeMeta: parseKeyValueFlags(flags, "node-meta"),
    };
    const node = flags.values.get("node") as string | undefined;
    const prefix = node ? "Error listing services for node" : "Error listing services";
    return await withClient(flags, context, prefix, async (client) => {
      const services = node
        ? nodeServices((await client.catalog.node(node, options)).value?.Services)
        : (await client.catalog.services(options)).value;
      const names = Object.keys(services).sort();
      if (names.length === 0) {
        context.stderr("No services match the given query - try expanding your search.\n");
        return 0;
      }
      if (flags.values.get("tags") === true) {
        const rows = names.map((name) => [name, [...services[name]].sort().join(",")]);
        context.stdout(`${formatTabbed(rows).join("\n").trim()}\n`);
      } else {
        for (const name of names) context.stdout(`${name}\n`);
      }
      return 0;
    });
  },
};

function nodeServices(
  services:
    | Readonly<Record<string, { Service: string; Tags?: readonly string[] | null }>>
    | null
    | undefined,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const service of Object.values(services ?? {})) {
    (result[service.Service] ??= []).push(...(service.Tags ?? []));
  }
  return result;
}
