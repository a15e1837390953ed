/**
 * What every command that talks to an agent over HTTP shares: Consul's HTTP API flags
 * (`-http-addr`, `-token`, `-token-file`, `-datacenter`, `-stale`), building a
 * {@linkcode ConsulClient} from them and the environment, wording API failures, and Consul's
 * two table layouts (columnize for lists, tabwriter for key/value blocks).
 *
 * @module
 */
import {
  ApiConfigError,
  ApiConnectionError,
  ApiError,
  ApiResponseError,
  ConsulClient,
} from "../api/mod.ts";
import { type CliContext, UsageError } from "./command.ts";
import { type FlagSpec, formatFlagHelp, type ParsedFlags } from "./flags.ts";

/** Flags every HTTP command takes: where the agent is and which token to use. */
export const CLIENT_FLAG_SPECS: readonly FlagSpec[] = [
  {
    name: "http-addr",
    kind: "string",
    valueName: "<address>",
    help: "The address and port of the agent's HTTP API: host:port, http://host:port or " +
      "https://host:port. Also set by CONSUL_HTTP_ADDR; default http://127.0.0.1:8500. " +
      "CONSUL_HTTP_SSL=true switches a scheme-less address to https.",
  },
  {
    name: "token",
    kind: "string",
    valueName: "<value>",
    help: "ACL token to use in the request, sent as X-Consul-Token. Also set by " +
      "CONSUL_HTTP_TOKEN. Flags win over the environment.",
  },
  {
    name: "token-file",
    kind: "string",
    valueName: "<path>",
    help: "File holding the ACL token. Also set by CONSUL_HTTP_TOKEN_FILE. Unlike Consul, " +
      "-token beats -token-file and any flag beats any variable.",
  },
];

/** Flags of commands answered by the servers: which datacenter, and whether stale reads do. */
export const SERVER_FLAG_SPECS: readonly FlagSpec[] = [
  {
    name: "datacenter",
    kind: "string",
    valueName: "<name>",
    help: "Name of the datacenter to query. If unspecified, the agent's datacenter is used.",
  },
  {
    name: "stale",
    kind: "bool",
    help: "Permit any server to answer, not just the leader; faster and able to answer " +
      "without a leader, but possibly out of date. Default false.",
  },
];

/** The help text of an HTTP command, laid out as Consul's: usage, text, then both flag groups. */
export function httpCommandHelp(
  usage: string,
  description: string,
  options: { commandFlags: readonly FlagSpec[]; serverFlags: boolean },
): string {
  const httpFlags = [...CLIENT_FLAG_SPECS, ...(options.serverFlags ? SERVER_FLAG_SPECS : [])];
  const commandPart = options.commandFlags.length === 0
    ? ""
    : `\n\nCommand Options:\n\n${formatFlagHelp(options.commandFlags)}`;
  return `Usage: ${usage}\n\n${description}\n\nHTTP API Options:\n\n${
    formatFlagHelp(httpFlags)
  }${commandPart}`;
}

/**
 * Builds the client from the parsed flags and the environment, reading a token file through
 * the runtime's file system when one is named.
 *
 * @throws {ApiConfigError} for an unusable address or an unreadable token file.
 */
export async function clientFromFlags(
  flags: ParsedFlags,
  context: CliContext,
): Promise<ConsulClient> {
  const env = (name: string) => context.runtime.process.env(name);
  const value = (name: string) => {
    const raw = flags.values.get(name);
    return typeof raw === "string" && raw !== "" ? raw : undefined;
  };
  let token = value("token");
  const tokenFile = value("token-file");
  if (token === undefined && tokenFile !== undefined) token = await readToken(tokenFile, context);
  token ??= env("CONSUL_HTTP_TOKEN") || undefined;
  const envTokenFile = env("CONSUL_HTTP_TOKEN_FILE");
  if (token === undefined && envTokenFile) token = await readToken(envTokenFile, context);
  return new ConsulClient({
    address: value("http-addr"),
    token,
    datacenter: value("datacenter"),
    env,
  });
}

/** Query options the server flags ask for (`-stale`). */
export function serverQueryOptions(flags: ParsedFlags): { stale?: boolean } {
  return flags.values.get("stale") === true ? { stale: true } : {};
}

async function readToken(path: string, context: CliContext): Promise<string | undefined> {
  let text: string;
  try {
    text = await context.runtime.fs.readTextFile(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ApiConfigError(`Error loading token file: ${detail}`);
  }
  return text.trim() || undefined;
}

/**
 * Runs `body` with a client built from the flags. A failure to build the client prints
 * `Error connecting to Consul agent: ...`; an API failure thrown by `body` prints
 * `<failurePrefix>: <message>` (a function is asked at failure time, so the prefix can name
 * the item that failed). Either returns exit code 1; anything else propagates.
 */
export async function withClient(
  flags: ParsedFlags,
  context: CliContext,
  failurePrefix: string | (() => string),
  body: (client: ConsulClient) => Promise<number>,
): Promise<number> {
  let client: ConsulClient;
  try {
    client = await clientFromFlags(flags, context);
  } catch (error) {
    if (!(error instanceof ApiConfigError)) throw error;
    context.stderr(`Error connecting to Consul agent: ${error.message}\n`);
    return 1;
  }
  try {
    return await body(client);
  } catch (error) {
    if (!isApiFailure(error)) throw error;
    const prefix = typeof failurePrefix === "string" ? failurePrefix : failurePrefix();
    context.stderr(`${prefix}: ${error.message}\n`);
    return 1;
  }
}

/** Whether `error` is one the client raises for a failed call (not a bug). */
export function isApiFailure(error: unknown): error is Error {
  return error instanceof ApiError || error instanceof ApiConnectionError ||
    error instanceof ApiResponseError;
}

/**
 * Parses repeated `key=value` flag values into a map, as Consul's map flags do.
 *
 * @throws {UsageError} for a value without `=`.
 */
export function parseKeyValueFlags(flags: ParsedFlags, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of (flags.values.get(name) as string[] | undefined) ?? []) {
    const eq = item.indexOf("=");
    if (eq === -1) {
      throw new UsageError(
        `Missing "=" value in argument: ${item} (flag -${name} takes key=value)`,
      );
    }
    result[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return result;
}

/**
 * Lays out rows as Consul's CLI does with columnize: cells trimmed, every column but the last
 * padded to its widest cell, columns joined by two spaces, no trailing newline.
 */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const trimmed = rows.map((row) => row.map((cell) => cell.trim()));
  const widths: number[] = [];
  for (const row of trimmed) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell)));
  }
  return trimmed
    .map((row) =>
      row.map((cell, i) => i === row.length - 1 ? cell : padRight(cell, widths[i])).join("  ")
    )
    .join("\n");
}

/**
 * Lays out rows as Go's `tabwriter.NewWriter(w, 0, 2, 6, ' ', 0)` does, which Consul uses for
 * `kv get -detailed` and `catalog services -tags`: each cell but the last padded to its
 * column's widest cell plus six spaces. Lines end in `\n` except where the caller omits it.
 */
export function formatTabbed(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell) + TABWRITER_PADDING);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : padRight(cell, widths[i])).join("")
  );
}

/** Spaces tabwriter adds after the widest cell of a column, as Consul configures it. */
const TABWRITER_PADDING = 6;

function displayWidth(text: string): number {
  return [...text].length;
}

function padRight(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
