/**
 * `consulate validate <files/dirs>`: checks configuration files the way `consul validate`
 * does — every file parsed, merged, schema-checked and cross-checked, no flags involved.
 *
 * @module
 */
import { CONFIG_VALID_MESSAGE, ConfigError, validateConfigSources } from "../config/mod.ts";
import { parseFlags } from "./flags.ts";
import { type Command, UsageError } from "./command.ts";

const FLAGS = [
  {
    name: "config-format",
    kind: "string",
    help: "Config files are in this format irrespective of their extension: hcl or json.",
    valueName: "<format>",
  },
  { name: "quiet", kind: "bool", help: "When given, a successful run produces no output." },
] as const;

/** `consulate validate`. */
export const validateCommand: Command = {
  path: ["validate"],
  synopsis: "Validate config files/directories",
  help: `Usage: consulate validate [options] FILE_OR_DIRECTORY...

  Performs a thorough sanity test on Consulate configuration files. For each
  file or directory given, the configuration is loaded, merged in the order the
  agent would use (directories in lexical order of their .hcl and .json files),
  checked against the schema and Consul's cross-field rules. Every problem is
  reported with its file, line, key and what is allowed.

  Exits 0 when the configuration is valid, 1 otherwise.

Options:

  -config-format=<format>
      Config files are in this format irrespective of their extension: hcl or json.
  -quiet
      When given, a successful run produces no output.`,
  async run(args, context) {
    const { values, positionals } = parseFlags(args, FLAGS);
    if (positionals.length === 0) {
      throw new UsageError("Must specify at least one config file or directory");
    }
    const format = values.get("config-format");
    if (format !== undefined && format !== "hcl" && format !== "json") {
      throw new UsageError(`Invalid config format "${format}": must be "hcl" or "json"`);
    }
    try {
      await validateConfigSources({
        fs: context.runtime.fs,
        paths: positionals,
        configFormat: format as "hcl" | "json" | undefined,
        hostname: context.runtime.process.hostname(),
      });
    } catch (error) {
      if (error instanceof ConfigError) {
        context.stderr(`Config validation failed: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
    if (values.get("quiet") !== true) context.stdout(`${CONFIG_VALID_MESSAGE}\n`);
    return 0;
  },
};
