/**
 * `consulate tls ca create`: writes a new agent CA certificate and key into the current
 * directory, like `consul tls ca create`.
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import {
  type CertificateAndKey,
  createCa,
  DEFAULT_CA_DAYS,
  saveCertificateAndKey,
  TlsMaterialError,
} from "../tls/mod.ts";
import { type Command, UsageError } from "./command.ts";
import { type FlagSpec, formatFlagHelp, parseFlags } from "./flags.ts";

const FLAGS: readonly FlagSpec[] = [
  {
    name: "days",
    kind: "int",
    valueName: "<int>",
    help:
      `Number of days the CA is valid for from now. Default ${DEFAULT_CA_DAYS} (about 5 years).`,
  },
  {
    name: "domain",
    kind: "string",
    valueName: "<domain>",
    help:
      'Domain of the cluster; names the output files and the name constraint. Default "consul".',
  },
  {
    name: "common-name",
    kind: "string",
    valueName: "<name>",
    help: 'Subject common name of the CA. Default "Consul Agent CA <serial number>".',
  },
  {
    name: "name-constraint",
    kind: "bool",
    help: "Restrict the CA to DNS names under -domain and localhost (plus any " +
      "-additional-name-constraint). Certificates for other names will not verify; this cannot " +
      "be changed later, so add the HTTPS UI's name now if it needs one. Default false.",
  },
  {
    name: "additional-name-constraint",
    kind: "list",
    valueName: "<domain>",
    help: "Another permitted DNS domain for -name-constraint. May be given several times.",
  },
];

/** `consulate tls ca create`. */
export const tlsCaCreateCommand: Command = {
  path: ["tls", "ca", "create"],
  synopsis: "Create a new agent certificate authority",
  help: `Usage: consulate tls ca create [options]

  Creates a self-signed EC P-256 certificate authority for agent TLS and saves it as
  <domain>-agent-ca.pem and <domain>-agent-ca-key.pem in the current directory. Existing
  files are never overwritten. Keep the key file secret: whoever holds it can issue server
  certificates. Every datacenter of a federation must trust the same CA.

  $ consulate tls ca create
  ==> Saved consul-agent-ca.pem
  ==> Saved consul-agent-ca-key.pem

Options:

${formatFlagHelp(FLAGS)}`,
  async run(args, context) {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (positionals.length > 0) {
      throw new UsageError(`Unexpected arguments: ${positionals.join(" ")}`);
    }
    const domain = (values.get("domain") as string | undefined) ?? "consul";
    const certFile = `${domain}-agent-ca.pem`;
    const keyFile = `${domain}-agent-ca-key.pem`;
    const { fs, process, clock, random } = context.runtime;
    const cwd = process.cwd();
    const inCwd = (file: string) => (isAbsolute(file) ? file : join(cwd, file));
    for (const file of [certFile, keyFile]) {
      if (await fs.stat(inCwd(file))) {
        context.stderr(`${file} already exists.\n`);
        return 1;
      }
    }
    let material: CertificateAndKey;
    try {
      material = await createCa({
        domain,
        days: (values.get("days") as number | undefined) ?? DEFAULT_CA_DAYS,
        commonName: values.get("common-name") as string | undefined,
        nameConstraints: values.get("name-constraint") === true,
        additionalNameConstraints: (values.get("additional-name-constraint") as string[]) ?? [],
        clock,
        random,
      });
    } catch (error) {
      if (!(error instanceof TlsMaterialError)) throw error;
      context.stderr(`${error.message}\n`);
      return 1;
    }
    try {
      await saveCertificateAndKey(fs, material, {
        certPath: inCwd(certFile),
        keyPath: inCwd(keyFile),
      });
    } catch (error) {
      // File system port errors name the path and the cause; report them as Consul does.
      context.stderr(`${(error as Error).message}\n`);
      return 1;
    }
    context.stdout(`==> Saved ${certFile}\n==> Saved ${keyFile}\n`);
    return 0;
  },
};
