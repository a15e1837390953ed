/**
 * `consulate tls cert create`: issues a server, client or CLI certificate from the agent CA in
 * the current directory, like `consul tls cert create`.
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import type { CliContext, Command } from "./command.ts";
import { UsageError } from "./command.ts";
import { type FlagSpec, formatFlagHelp, type ParsedFlags, parseFlags } from "./flags.ts";
import {
  type CertificateAndKey,
  CertificateVerificationError,
  createLeafCert,
  DEFAULT_LEAF_DAYS,
  type LeafKind,
  saveCertificateAndKey,
  TlsMaterialError,
} from "../tls/mod.ts";

/** Highest file number tried when looking for unused output names, as in Consul. */
const MAX_FILE_INDEX = 10_000;
/** Replaced by the -domain value in -ca and -key. */
const DOMAIN_PLACEHOLDER = "#DOMAIN#";

const FLAGS: readonly FlagSpec[] = [
  {
    name: "ca",
    kind: "string",
    valueName: "<file>",
    help: `CA certificate file. Default "${DOMAIN_PLACEHOLDER}-agent-ca.pem".`,
  },
  {
    name: "key",
    kind: "string",
    valueName: "<file>",
    help: `CA private key file. Default "${DOMAIN_PLACEHOLDER}-agent-ca-key.pem".`,
  },
  { name: "server", kind: "bool", help: "Create a server certificate." },
  { name: "client", kind: "bool", help: "Create a client agent certificate." },
  { name: "cli", kind: "bool", help: "Create a certificate for the command-line tools." },
  {
    name: "node",
    kind: "string",
    valueName: "<name>",
    help: "Server node name; adds the DNS name <node>.server.<dc>.<domain>, which servers " +
      "dialled through mesh gateways need. Only with -server.",
  },
  {
    name: "dc",
    kind: "string",
    valueName: "<dc>",
    help: 'Datacenter the certificate is for. Default "dc1".',
  },
  {
    name: "domain",
    kind: "string",
    valueName: "<domain>",
    help: 'Domain of the cluster. Default "consul".',
  },
  {
    name: "days",
    kind: "int",
    valueName: "<int>",
    help: `Number of days the certificate is valid for from now. Default ${DEFAULT_LEAF_DAYS}.`,
  },
  {
    name: "additional-dnsname",
    kind: "list",
    valueName: "<name>",
    help: "Another DNS subject alternative name; localhost is always included. " +
      "May be given several times.",
  },
  {
    name: "additional-ipaddress",
    kind: "list",
    valueName: "<ip>",
    help: "Another IP subject alternative name; 127.0.0.1 is always included for servers " +
      "and clients. May be given several times.",
  },
];

/** `consulate tls cert create`. */
export const tlsCertCreateCommand: Command = {
  path: ["tls", "cert", "create"],
  synopsis: "Create a new certificate",
  help: `Usage: consulate tls cert create [-server|-client|-cli] [options]

  Issues an EC P-256 certificate signed by the agent CA and saves it with its key as
  <dc>-<kind>-<domain>-<n>.pem and <dc>-<kind>-<domain>-<n>-key.pem in the current
  directory, where n is the first number not yet used. Server certificates hold
  server.<dc>.<domain> (and <node>.server.<dc>.<domain> with -node), which other servers
  and mesh gateways route and verify by.

  $ consulate tls cert create -server -dc dc1 -node n1
  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem
  ==> Saved dc1-server-consul-0.pem
  ==> Saved dc1-server-consul-0-key.pem

Options:

${formatFlagHelp(FLAGS)}`,
  async run(args, context) {
    const flags = parseFlags(args, FLAGS);
    if (flags.positionals.length > 0) {
      throw new UsageError(`Unexpected arguments: ${flags.positionals.join(" ")}`);
    }
    const request = readRequest(flags.values);
    if (typeof request === "string") {
      context.stderr(`${request}\n`);
      return 1;
    }
    return await issue(request, context);
  },
};

/** What the flags ask for, with Consul's defaults applied. */
interface CertRequest {
  readonly kind: LeafKind;
  readonly dc: string;
  readonly domain: string;
  readonly node: string;
  readonly days: number;
  readonly caFile: string;
  readonly keyFile: string;
  readonly dnsNames: string[];
  readonly ips: string[];
}

/** The request, or Consul's error text for flags that do not fit together. */
function readRequest(values: ParsedFlags["values"]): CertRequest | string {
  const text = (name: string, fallback: string) =>
    (values.get(name) as string | undefined) ?? fallback;
  const domain = text("domain", "consul");
  const caFile = text("ca", `${DOMAIN_PLACEHOLDER}-agent-ca.pem`);
  const keyFile = text("key", `${DOMAIN_PLACEHOLDER}-agent-ca-key.pem`);
  if (caFile === "") return "Please provide the ca";
  if (keyFile === "") return "Please provide the key";
  const kinds = (["server", "client", "cli"] as const).filter((kind) => values.get(kind) === true);
  if (kinds.length !== 1) return "Please provide either -server, -client, or -cli";
  const node = text("node", "");
  if (node !== "" && kinds[0] !== "server") return "-node requires -server";
  return {
    kind: kinds[0],
    dc: text("dc", "dc1"),
    domain,
    node,
    days: (values.get("days") as number | undefined) ?? DEFAULT_LEAF_DAYS,
    caFile: caFile.replace(DOMAIN_PLACEHOLDER, domain),
    keyFile: keyFile.replace(DOMAIN_PLACEHOLDER, domain),
    dnsNames: (values.get("additional-dnsname") as string[] | undefined) ?? [],
    ips: (values.get("additional-ipaddress") as string[] | undefined) ?? [],
  };
}

async function issue(request: CertRequest, context: CliContext): Promise<number> {
  const { fs, process, clock, random } = context.runtime;
  const cwd = process.cwd();
  const inCwd = (file: string) => (isAbsolute(file) ? file : join(cwd, file));
  const prefix = `${request.dc}-${request.kind}-${request.domain}`;
  const names = await firstUnusedNames(new Set(await fs.readDir(cwd)), prefix);
  if (!names) {
    context.stderr("Could not find a filename that doesn't already exist\n");
    return 1;
  }
  const caPem = await readText(context, { path: inCwd(request.caFile), what: "Error reading CA" });
  const caKeyPem = caPem === null
    ? null
    : await readText(context, { path: inCwd(request.keyFile), what: "Error reading CA key" });
  if (caPem === null || caKeyPem === null) return 1;
  if (request.kind === "server") {
    context.stdout(
      "==> WARNING: A server certificate lets its holder act as a server: it can join\n" +
        "    the cluster and read all of its state, including keys and ACL tokens. Keep\n" +
        "    it off hosts that are not servers and guard it like the CA key.\n",
    );
  }
  context.stdout(`==> Using ${request.caFile} and ${request.keyFile}\n`);
  let material: CertificateAndKey;
  try {
    material = await createLeafCert({
      kind: request.kind,
      dc: request.dc,
      domain: request.domain,
      node: request.node === "" ? undefined : request.node,
      additionalDnsNames: request.dnsNames,
      additionalIps: request.ips,
      days: request.days,
      caCertPem: caPem,
      caKeyPem,
      clock,
      random,
    });
  } catch (error) {
    if (!(error instanceof TlsMaterialError || error instanceof CertificateVerificationError)) {
      throw error;
    }
    context.stderr(`${error.message}\n`);
    return 1;
  }
  try {
    await saveCertificateAndKey(fs, material, {
      certPath: inCwd(names.certFile),
      keyPath: inCwd(names.keyFile),
    });
  } catch (error) {
    context.stderr(`${(error as Error).message}\n`);
    return 1;
  }
  context.stdout(`==> Saved ${names.certFile}\n==> Saved ${names.keyFile}\n`);
  return 0;
}

/** `<prefix>-<n>.pem` and `<prefix>-<n>-key.pem` for the first n where neither exists. */
function firstUnusedNames(
  existing: ReadonlySet<string>,
  prefix: string,
): { certFile: string; keyFile: string } | null {
  for (let index = 0; index <= MAX_FILE_INDEX; index++) {
    const certFile = `${prefix}-${index}.pem`;
    const keyFile = `${prefix}-${index}-key.pem`;
    if (!existing.has(certFile) && !existing.has(keyFile)) return { certFile, keyFile };
  }
  return null;
}

/** Reads a text file, or prints `<what>: <cause>` and returns null. */
async function readText(
  context: CliContext,
  file: { readonly path: string; readonly what: string },
): Promise<string | null> {
  const { path, what } = file;
  try {
    return await context.runtime.fs.readTextFile(path);
  } catch (error) {
    context.stderr(`${what}: ${(error as Error).message}\n`);
    return null;
  }
}
