/**
 * `consulate services register | deregister`: adds services to, or removes them from, the
 * local agent, from Consul service-definition files (HCL or JSON `service` / `services`
 * blocks) or from flags, like `consul services ...`.
 *
 * @module
 */
import {
  type AgentServiceRegistration,
  type ServiceAddress,
  ServiceDefinitionError,
  serviceRegistrationFromDefinition,
} from "../api/mod.ts";
import { ConfigError, parseHcl, parseJson } from "../config/mod.ts";
import { type CliContext, type Command } from "./command.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";
import {
  CLIENT_FLAG_SPECS,
  httpCommandHelp,
  parseKeyValueFlags,
  SERVER_FLAG_SPECS,
  withClient,
} from "./_http_flags.ts";

const HTTP_FLAGS = [...CLIENT_FLAG_SPECS, ...SERVER_FLAG_SPECS];

/** A service-definition file that cannot be used; the message names the file. */
class ServiceFileError extends Error {
  override readonly name = "ServiceFileError";
}

const REGISTER_FLAGS: readonly FlagSpec[] = [
  {
    name: "address",
    kind: "string",
    valueName: "<addr>",
    help: "Address of the service to register (default: the node's address).",
  },
  {
    name: "id",
    kind: "string",
    valueName: "<id>",
    help: "ID of the service to register; defaults to -name.",
  },
  { name: "kind", kind: "string", valueName: "<kind>", help: "The service's kind." },
  {
    name: "meta",
    kind: "list",
    valueName: "<key=value>",
    help: "Metadata to set on the service. May be given several times.",
  },
  {
    name: "name",
    kind: "string",
    valueName: "<name>",
    help: "Name of the service to register, for registration by flags.",
  },
  { name: "port", kind: "int", valueName: "<port>", help: "Port of the service to register." },
  {
    name: "tag",
    kind: "list",
    valueName: "<tag>",
    help: "Tag to add to the service. May be given several times.",
  },
  {
    name: "tagged-address",
    kind: "list",
    valueName: "<key=host:port>",
    help: "Tagged address to set on the service. May be given several times.",
  },
];

/** `consulate services register`. */
export const servicesRegisterCommand: Command = {
  path: ["services", "register"],
  synopsis: "Register services with the local agent",
  help: httpCommandHelp(
    "consulate services register [options] [FILE...]",
    "  Registers services with the local agent, from service-definition files (.hcl or\n" +
      '  .json holding only "service" blocks or a "services" list) or from flags. Flags fill\n' +
      "  in what a file leaves out (meta and tagged addresses merge, tags are appended).\n" +
      "  Connect and proxy settings are not read from files; use the HTTP API for those.\n\n" +
      "      $ consulate services register web.hcl\n" +
      "      $ consulate services register -name=web -port=8080 -tag=v1",
    { commandFlags: REGISTER_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...REGISTER_FLAGS]);
    const fromFlags = registrationFromFlags(flags);
    if (typeof fromFlags === "string") return fail(context, fromFlags);
    const files = flags.positionals;
    if (files.length === 0 && !fromFlags.Name) {
      return fail(context, "Service registration requires at least one argument or flags.");
    }
    if (files.length > 0 && fromFlags.Name) {
      return fail(context, "Service registration requires arguments or -name, not both.");
    }
    let services = [fromFlags as AgentServiceRegistration];
    if (files.length > 0) {
      const loaded = await loadServiceFiles(files, context);
      if (typeof loaded === "string") return fail(context, `Error: ${loaded}`);
      services = loaded.map((service) => combine(service, fromFlags));
    }
    let current = "";
    const prefix = () => `Error registering service "${current}"`;
    return await withClient(flags, context, prefix, async (client) => {
      for (const service of services) {
        current = service.Name;
        await client.agent.serviceRegister(service);
        context.stdout(`Registered service: ${service.Name}\n`);
      }
      return 0;
    });
  },
};

const DEREGISTER_FLAGS: readonly FlagSpec[] = [
  {
    name: "id",
    kind: "string",
    valueName: "<id>",
    help: "ID of the service to deregister. Must not be set if files are given.",
  },
];

/** `consulate services deregister`. */
export const servicesDeregisterCommand: Command = {
  path: ["services", "deregister"],
  synopsis: "Deregister services with the local agent",
  help: httpCommandHelp(
    "consulate services deregister [options] [FILE...]",
    "  Deregisters services from the local agent: the one named by -id, or those the\n" +
      "  given service-definition files define (by ID, else by name). Run it against the\n" +
      "  agent the services were registered with.\n\n" +
      "      $ consulate services deregister -id=web",
    { commandFlags: DEREGISTER_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...DEREGISTER_FLAGS]);
    const id = (flags.values.get("id") as string | undefined) ?? "";
    const files = flags.positionals;
    if (files.length === 0 && id === "") {
      return fail(context, "Service deregistration requires at least one argument or -id.");
    }
    if (files.length > 0 && id !== "") {
      return fail(context, "Service deregistration requires arguments or -id, not both.");
    }
    let ids = [id];
    if (files.length > 0) {
      const loaded = await loadServiceFiles(files, context);
      if (typeof loaded === "string") return fail(context, `Error: ${loaded}`);
      ids = loaded.map((service) => service.ID || service.Name).filter((each) => each !== "");
    }
    let current = "";
    const prefix = () => `Error deregistering service "${current}"`;
    return await withClient(flags, context, prefix, async (client) => {
      for (const each of ids) {
        current = each;
        await client.agent.serviceDeregister(each);
        context.stdout(`Deregistered service: ${each}\n`);
      }
      return 0;
    });
  },
};

function fail(context: CliContext, message: string): number {
  context.stderr(`${message}\n`);
  return 1;
}

/** The registration the flags describe; a string is an error message. */
function registrationFromFlags(flags: ParsedFlags): Partial<AgentServiceRegistration> | string {
  const text = (name: string) => (flags.values.get(name) as string | undefined) ?? "";
  const port = (flags.values.get("port") as number | undefined) ?? 0;
  if (port < 0 || port > 65535) return `Invalid port ${port}: must be between 0 and 65535`;
  const tagged: Record<string, ServiceAddress> = {};
  for (const [name, value] of Object.entries(parseKeyValueFlags(flags, "tagged-address"))) {
    const address = parseServiceAddress(value);
    if (typeof address === "string") return `Invalid Tagged Address: ${address}`;
    tagged[name] = address;
  }
  const meta = parseKeyValueFlags(flags, "meta");
  const tags = (flags.values.get("tag") as string[] | undefined) ?? [];
  return dropEmpty({
    Kind: text("kind"),
    ID: text("id"),
    Name: text("name"),
    Address: text("address"),
    Port: port,
    Tags: tags,
    Meta: meta,
    TaggedAddresses: tagged,
  });
}

/** `host:port` (or `[v6]:port`) into an address; a string is the error. */
function parseServiceAddress(value: string): ServiceAddress | string {
  const match = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(value);
  if (!match) return `address ${value}: expected host:port`;
  const port = Number(match[3]);
  if (port > 65535) return `address ${value}: invalid port`;
  return { Address: match[1] ?? match[2], Port: port };
}

/** Leaves out empty strings, zero numbers, empty lists and empty maps, as Go's omitempty. */
function dropEmpty<T extends Record<string, unknown>>(value: T): Partial<T> {
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === "" || field === 0 || field === undefined) continue;
    if (Array.isArray(field) && field.length === 0) continue;
    if (typeof field === "object" && field !== null && Object.keys(field).length === 0) continue;
    result[key] = field;
  }
  return result as Partial<T>;
}

/** Flags fill what a file left out, as Consul's `CombineArgs` does. */
function combine(
  file: AgentServiceRegistration,
  flags: Partial<AgentServiceRegistration>,
): AgentServiceRegistration {
  return dropEmpty({
    ...file,
    ID: file.ID || flags.ID,
    Address: file.Address || flags.Address,
    Port: file.Port || flags.Port,
    Kind: file.Kind || flags.Kind,
    Meta: { ...file.Meta, ...flags.Meta },
    TaggedAddresses: { ...file.TaggedAddresses, ...flags.TaggedAddresses },
    Tags: [...(file.Tags ?? []), ...(flags.Tags ?? [])],
  }) as AgentServiceRegistration;
}

/** Every service the files define; a string is the error message. */
async function loadServiceFiles(
  files: readonly string[],
  context: CliContext,
): Promise<AgentServiceRegistration[] | string> {
  const services: AgentServiceRegistration[] = [];
  try {
    for (const file of files) services.push(...await readServiceFile(file, context));
  } catch (error) {
    if (
      error instanceof ServiceFileError || error instanceof ConfigError ||
      error instanceof ServiceDefinitionError
    ) return error.message;
    throw error;
  }
  if (services.length === 0) return `No "service" or "services" definitions in ${files.join(", ")}`;
  return services;
}

async function readServiceFile(
  file: string,
  context: CliContext,
): Promise<AgentServiceRegistration[]> {
  const parse = file.endsWith(".json") ? parseJson : file.endsWith(".hcl") ? parseHcl : null;
  if (!parse) throw new ServiceFileError(`${file}: unknown file extension: use .hcl or .json`);
  let text: string;
  try {
    text = await context.runtime.fs.readTextFile(file);
  } catch (error) {
    throw new ServiceFileError(`Error reading ${file}: ${(error as Error).message}`);
  }
  const services: AgentServiceRegistration[] = [];
  for (const [key, value] of Object.entries(parse(text, file).value)) {
    if (key !== "service" && key !== "services") {
      throw new ServiceFileError(
        `${file}: unexpected key "${key}": a service definition file holds only ` +
          '"service" or "services"',
      );
    }
    for (const definition of Array.isArray(value) ? value : [value]) {
      services.push(serviceRegistrationFromDefinition(definition, `${file}: ${key}`));
    }
  }
  return services;
}
