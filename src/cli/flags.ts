/**
 * Consul-style command-line flags: `-name=value`, `-name value`, `--name=value`, boolean
 * `-name` / `-name=false`, and repeatable flags. Parsing stops at the first positional
 * argument or at `--`; the rest is returned as positionals.
 *
 * @module
 */
import { UsageError } from "./command.ts";

/** The kinds of value a flag can hold. */
export type FlagKind = "string" | "bool" | "int" | "list";

/** Declares one flag. */
export interface FlagSpec {
  /** Name without dashes, e.g. `"node"`. */
  readonly name: string;
  readonly kind: FlagKind;
  /** One line for help output. */
  readonly help: string;
  /** Placeholder shown in help, e.g. `"<dc>"`. */
  readonly valueName?: string;
}

/** Parsed flags: values by name (lists for `list`), plus positional arguments. */
export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string | boolean | number | string[]>;
  readonly positionals: readonly string[];
  /** Flags in the order given, for callers where order matters (later wins). */
  readonly order: readonly string[];
}

/**
 * Parses `args` against `specs`.
 *
 * @throws {UsageError} for an unknown flag, a missing value, or a value of the wrong kind.
 * @example
 * ```ts
 * const { values } = parseFlags(["-dc=dc2", "-server"], [
 *   { name: "dc", kind: "string", help: "Datacenter" },
 *   { name: "server", kind: "bool", help: "Server cert" },
 * ]);
 * values.get("dc"); // "dc2"
 * ```
 */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values = new Map<string, string | boolean | number | string[]>();
  const order: string[] = [];
  let index = 0;
  while (index < args.length) {
    const arg = args[index];
    if (arg === "--") {
      index++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(unknownFlagMessage(name, specs));
    let raw: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    index++;
    if (spec.kind === "bool") {
      values.set(name, parseBool(name, raw ?? "true"));
    } else {
      if (raw === undefined) {
        if (index >= args.length) throw new UsageError(`flag needs an argument: -${name}`);
        raw = args[index++];
      }
      values.set(name, convert(spec, raw, values.get(name)));
    }
    order.push(name);
  }
  return { values, positionals: args.slice(index), order };
}

/** Renders the flag list of a help text, one flag per line. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((spec) => {
      const value = spec.kind === "bool" ? "" : `=${spec.valueName ?? `<${spec.kind}>`}`;
      return `  -${spec.name}${value}\n      ${spec.help}`;
    })
    .join("\n");
}

function convert(
  spec: FlagSpec,
  raw: string,
  previous: string | boolean | number | string[] | undefined,
): string | number | string[] {
  switch (spec.kind) {
    case "string":
      return raw;
    case "int": {
      if (!/^-?\d+$/.test(raw)) {
        throw new UsageError(`invalid value "${raw}" for flag -${spec.name}: expected an integer`);
      }
      return Number(raw);
    }
    case "list":
      return [...(Array.isArray(previous) ? previous : []), raw];
    default:
      throw new Error(`unreachable flag kind ${spec.kind}`);
  }
}

function parseBool(name: string, raw: string): boolean {
  if (["true", "1", "t", "T", "TRUE", "True"].includes(raw)) return true;
  if (["false", "0", "f", "F", "FALSE", "False"].includes(raw)) return false;
  throw new UsageError(`invalid boolean value "${raw}" for flag -${name}`);
}

function unknownFlagMessage(name: string, specs: readonly FlagSpec[]): string {
  const near = specs
    .map((spec) => spec.name)
    .filter((candidate) => editDistance(candidate, name) <= 2)
    .sort((a, b) => editDistance(a, name) - editDistance(b, name));
  const hint = near.length > 0 ? ` (did you mean -${near[0]}?)` : "";
  return `flag provided but not defined: -${name}${hint}`;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length];
}
