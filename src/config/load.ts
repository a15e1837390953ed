/**
 * Loading, end to end: flags → files → parse → schema → merge (defaults, `-dev`, list flags,
 * files, value flags, `-hcl`) → build and cross-field rules → frozen `RuntimeConfig`.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { type CheckedSource, checkSource } from "./check_source.ts";
import { DEFAULTS_SOURCE_NAME, defaultSource, DEV_SOURCE_NAME, devSource } from "./defaults.ts";
import { buildRuntimeConfig } from "./build.ts";
import { ProblemList } from "./errors.ts";
import { parseAgentFlags } from "./flags.ts";
import { parseHcl } from "./hcl_parser.ts";
import { parseJson } from "./json_parser.ts";
import { mergeSources } from "./merge.ts";
import type { RuntimeConfig } from "./runtime_config.ts";
import type { SourceConfig } from "./schema.ts";
import { type ConfigFileText, readConfigPaths } from "./sources.ts";

/** Name of the flag sources in messages. */
export const FLAGS_SOURCE_NAME = "command-line flags";

/** What `consulate validate` prints when the configuration is valid (Consul's words). */
export const CONFIG_VALID_MESSAGE = "Configuration is valid!";

/** Inputs of `loadConfig`. */
export interface LoadConfigOptions {
  /** Reads the config files. */
  readonly fs: FileSystem;
  /** Arguments after `consulate agent`. */
  readonly args: readonly string[];
  /** This machine's host name: the default `node_name`. */
  readonly hostname: string;
}

/**
 * Loads the agent configuration from flags and the files they name.
 *
 * @throws {UsageError} for malformed flags.
 * @throws {ConfigError} listing every problem in the files and every broken cross-field rule.
 * @example
 * ```ts
 * const config = await loadConfig({ fs: runtime.fs, args: ["-dev"], hostname: "laptop" });
 * config.server; // true
 * ```
 */
export async function loadConfig(options: LoadConfigOptions): Promise<RuntimeConfig> {
  const flags = parseAgentFlags(options.args);
  const warnings: string[] = [];
  const problems = new ProblemList();
  const files = await readConfigPaths(options.fs, flags.configPaths, {
    format: flags.configFormat,
    warnings,
    problems,
  });
  const head = [literal(DEFAULTS_SOURCE_NAME, defaultSource(options.hostname))];
  if (flags.dev) head.push(literal(DEV_SOURCE_NAME, devSource()));
  const fragments = flags.hcl.map((text, index) => ({
    name: `-hcl fragment ${index + 1}`,
    format: "hcl" as const,
    text,
  }));
  const sources = [
    ...head,
    ...checkLiteral(FLAGS_SOURCE_NAME, flags.lists, problems),
    ...parseAll(files, problems),
    ...checkLiteral(FLAGS_SOURCE_NAME, flags.values, problems),
    ...parseAll(fragments, problems),
  ];
  problems.throwIfAny();
  const config = buildRuntimeConfig(mergeSources(sources), {
    devMode: flags.dev,
    requireDataDir: true,
    configFiles: files.map((file) => file.name),
  });
  return withWarnings(config, warnings);
}

/** Inputs of `validateConfigSources`. */
export interface ValidateSourcesOptions {
  readonly fs: FileSystem;
  /** Config files and directories, as `consulate validate` receives them. */
  readonly paths: readonly string[];
  /** `-config-format`, for files without an `.hcl`/`.json` extension. */
  readonly configFormat?: "hcl" | "json";
  /** Default node name; the host name when the caller knows it. */
  readonly hostname?: string;
}

/**
 * Checks config files the way `consul validate` does: without flags and without requiring a
 * data directory. On success the caller prints {@linkcode CONFIG_VALID_MESSAGE}.
 *
 * @throws {ConfigError} listing every problem found.
 */
export async function validateConfigSources(
  options: ValidateSourcesOptions,
): Promise<RuntimeConfig> {
  const warnings: string[] = [];
  const problems = new ProblemList();
  const files = await readConfigPaths(options.fs, options.paths, {
    format: options.configFormat ?? null,
    warnings,
    problems,
  });
  const sources = [
    literal(DEFAULTS_SOURCE_NAME, defaultSource(options.hostname ?? "localhost")),
    ...parseAll(files, problems),
  ];
  problems.throwIfAny();
  const config = buildRuntimeConfig(mergeSources(sources), {
    devMode: false,
    requireDataDir: false,
    configFiles: files.map((file) => file.name),
  });
  return withWarnings(config, warnings);
}

/** Parses and checks each file; a broken file adds its problems and is left out. */
function parseAll(files: readonly ConfigFileText[], problems: ProblemList): CheckedSource[] {
  const checked: CheckedSource[] = [];
  for (const file of files) {
    try {
      const document = file.format === "json"
        ? parseJson(file.text, file.name)
        : parseHcl(file.text, file.name);
      checked.push(checkSource(file.name, document));
    } catch (error) {
      problems.addError(error);
    }
  }
  return checked;
}

function literal(name: string, config: SourceConfig): CheckedSource {
  return { name, config, lineOf: () => undefined };
}

/** Flag values go through the schema too, so `-log-level=loud` is caught like a file value. */
function checkLiteral(name: string, config: SourceConfig, problems: ProblemList): CheckedSource[] {
  try {
    return [
      checkSource(name, { value: config as Record<string, unknown>, positions: new WeakMap() }),
    ];
  } catch (error) {
    problems.addError(error);
    return [];
  }
}

function withWarnings(config: RuntimeConfig, warnings: readonly string[]): RuntimeConfig {
  if (warnings.length === 0) return config;
  return Object.freeze({ ...config, warnings: Object.freeze([...warnings, ...config.warnings]) });
}
