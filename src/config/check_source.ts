/**
 * Checks one parsed source against the schema and turns every zod issue into a problem that names
 * the file, the line, the key, what was given and what is allowed, with "did you mean" hints for
 * unknown keys.
 *
 * @module
 */
import type { z } from "zod";
import { editDistance } from "../cli/flags.ts";
import { ConfigError, type ConfigProblem } from "./errors.ts";
import { lineAt, type ParsedDocument } from "./positions.ts";
import { knownKeysAt, SOURCE_SCHEMA, type SourceConfig } from "./schema.ts";

/** A source that passed the schema, with the line of each of its keys. */
export interface CheckedSource {
  /** File path or description, e.g. `command-line flags`. */
  readonly name: string;
  readonly config: SourceConfig;
  /** Line of the key at `path`, when the source has lines. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** Most allowed keys listed in an unknown-key message when no close match exists. */
const MAX_LISTED_KEYS = 10;

/**
 * Checks `document` (from file `name`) against the source schema.
 *
 * @throws {ConfigError} listing every unknown key and wrongly typed value in the source.
 */
export function checkSource(name: string, document: ParsedDocument): CheckedSource {
  const result = SOURCE_SCHEMA.safeParse(document.value, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(name, document, issue));
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigError(problems);
  }
  return {
    name,
    config: result.data,
    lineOf: (path) => lineAt(document, path),
  };
}

/** Renders a key path as Consul does: `tls.defaults.ca_file`, `retry_join[1]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    return text === "" ? String(segment) : `${text}.${String(segment)}`;
  }, "");
}

function describeIssue(
  file: string,
  document: ParsedDocument,
  issue: z.core.$ZodIssue,
): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const detail = `invalid config key ${formatKeyPath(path)}${hintFor(issue.path, key)}`;
      return { file, line: lineAt(document, path), key: formatKeyPath(path), detail };
    });
  }
  const key = formatKeyPath(issue.path);
  const line = lineAt(document, issue.path);
  const given = (issue as { input?: unknown }).input;
  let detail: string;
  if (issue.code === "invalid_type") {
    detail = Array.isArray(given) && issue.expected === "object"
      ? `${key} is given ${given.length} times; give the block once`
      : `${key} must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describe(given)}`;
  } else if (issue.code === "custom") {
    detail = `${key}: ${issue.message}`;
  } else {
    detail = `${key}: ${issue.message} (got ${describe(given)})`;
  }
  return [{ file, line, key, detail }];
}

const EXPECTED: Record<string, string> = {
  string: "a string in quotes",
  boolean: "a boolean (true or false)",
  number: "a number",
  int: "a whole number",
  array: 'a list, e.g. ["a", "b"]',
  object: "a block { ... }",
};

function hintFor(parentPath: readonly PropertyKey[], key: string): string {
  const known = knownKeysAt(parentPath);
  const limit = Math.max(2, Math.floor(key.length / 3));
  const near = known
    .map((candidate) => ({ candidate, distance: editDistance(candidate, key) }))
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance);
  const prefix = formatKeyPath(parentPath);
  const full = (name: string) => (prefix === "" ? name : `${prefix}.${name}`);
  if (near.length > 0) return `; did you mean ${full(near[0].candidate)}?`;
  if (known.length > 0 && known.length <= MAX_LISTED_KEYS) {
    return `; allowed here: ${known.join(", ")}`;
  }
  return "; see docs/configuration.md for the supported keys";
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a block";
}
