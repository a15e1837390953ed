/**
 * `consulate kv get | put | delete`: the key/value store from the command line, with the
 * flags, messages and exit codes of `consul kv ...`.
 *
 * Reading a value from standard input (`kv put KEY -`) is not supported: the CLI context has
 * no standard-input port yet. `@file` reads the file through the runtime's file system.
 *
 * @module
 */
import type { KVPair } from "../api/mod.ts";
import { type CliContext, type Command } from "./command.ts";
import { type FlagSpec, type ParsedFlags, parseFlags } from "./flags.ts";
import {
  CLIENT_FLAG_SPECS,
  formatTabbed,
  httpCommandHelp,
  SERVER_FLAG_SPECS,
  serverQueryOptions,
  withClient,
} from "./_http_flags.ts";

const HTTP_FLAGS = [...CLIENT_FLAG_SPECS, ...SERVER_FLAG_SPECS];

/**
 * Most bytes `kv put KEY -` reads from standard input. The server has its own, smaller limit
 * (`kv_max_value_size`, 512 KiB by default) and answers 413 above it; this one only keeps a
 * runaway pipe from filling memory.
 */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

const BASE64_FLAG: FlagSpec = {
  name: "base64",
  kind: "bool",
  help: "Treat the data as base 64 encoded (put) / base 64 encode the value (get). Default false.",
};

const GET_FLAGS: readonly FlagSpec[] = [
  BASE64_FLAG,
  {
    name: "detailed",
    kind: "bool",
    help: "Show the key's metadata (indexes, flags, session) with its value. Default false.",
  },
  {
    name: "keys",
    kind: "bool",
    help: "List the keys under the prefix, not their values; see -separator. Default false.",
  },
  {
    name: "recurse",
    kind: "bool",
    help: "Print every key under the prefix with its value, as key:value. Default false.",
  },
  {
    name: "separator",
    kind: "string",
    valueName: "<string>",
    help: 'With -keys, fold keys below this separator into one entry. Default "/".',
  },
];

/** Writes one line to stderr and returns exit code 1. */
function fail(context: CliContext, message: string): number {
  context.stderr(`${message}\n`);
  return 1;
}

/** The optional KEY positional of get/delete, with a leading "/" removed as Consul does. */
function singleKey(flags: ParsedFlags, context: CliContext): string | number {
  if (flags.positionals.length > 1) {
    return fail(context, `Too many arguments (expected 1, got ${flags.positionals.length})`);
  }
  return (flags.positionals[0] ?? "").replace(/^\//, "");
}

/** `consulate kv get`. */
export const kvGetCommand: Command = {
  path: ["kv", "get"],
  synopsis: "Retrieves or lists data from the KV store",
  help: httpCommandHelp(
    "consulate kv get [options] [KEY_OR_PREFIX]",
    "  Prints the value stored at KEY; exits 1 when no such key exists.\n\n" +
      "      $ consulate kv get redis/config/connections\n" +
      "      $ consulate kv get -recurse redis/\n" +
      "      $ consulate kv get -keys -separator=/ redis/",
    { commandFlags: GET_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...GET_FLAGS]);
    const key = singleKey(flags, context);
    if (typeof key === "number") return key;
    const on = (name: string) => flags.values.get(name) === true;
    if (key === "" && !on("recurse") && !on("keys")) {
      return fail(context, "Error! Missing KEY argument");
    }
    const options = serverQueryOptions(flags);
    const render = (pair: KVPair) => renderPair(pair, on("detailed"), on("base64"));
    return await withClient(flags, context, "Error querying Consul agent", async (client) => {
      if (on("keys")) {
        const separator = (flags.values.get("separator") as string | undefined) ?? "/";
        const { value } = await client.kv.keys(key, { ...options, separator });
        for (const name of value) context.stdout(`${name}\n`);
      } else if (on("recurse")) {
        const { value } = await client.kv.list(key, options);
        // Detailed blocks are separated by a blank line; plain pairs print as key:value.
        const blocks = value.map((pair) =>
          on("detailed") ? render(pair) : `${pair.Key}:${render(pair)}`
        );
        if (blocks.length > 0) context.stdout(`${blocks.join(on("detailed") ? "\n\n" : "\n")}\n`);
      } else {
        const { value: pair } = await client.kv.get(key, options);
        if (!pair) return fail(context, `Error! No key exists at: ${key}`);
        context.stdout(`${render(pair)}\n`);
      }
      return 0;
    });
  },
};

function renderPair(pair: KVPair, detailed: boolean, base64: boolean): string {
  const bytes = pair.Value ?? new Uint8Array(0);
  const value = base64 ? encodeBase64(bytes) : new TextDecoder().decode(bytes);
  if (!detailed) return value;
  return formatTabbed([
    ["CreateIndex", String(pair.CreateIndex)],
    ["Flags", String(pair.Flags)],
    ["Key", pair.Key],
    ["LockIndex", String(pair.LockIndex)],
    ["ModifyIndex", String(pair.ModifyIndex)],
    ["Session", pair.Session || "-"],
    ["Value", value],
  ]).join("\n");
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const PUT_FLAGS: readonly FlagSpec[] = [
  {
    name: "acquire",
    kind: "bool",
    help: "Take the lock on the key for -session (creating the key if needed). Default false.",
  },
  BASE64_FLAG,
  {
    name: "cas",
    kind: "bool",
    help: "Check-and-set: write only if the key's ModifyIndex equals -modify-index. " +
      "Default false.",
  },
  {
    name: "flags",
    kind: "int",
    valueName: "<uint>",
    help: "Unsigned number stored with the key for clients' own use. Default 0.",
  },
  {
    name: "modify-index",
    kind: "int",
    valueName: "<uint>",
    help: "The ModifyIndex the key must have, with -cas.",
  },
  {
    name: "release",
    kind: "bool",
    help: "Give up -session's lock on the key. Default false.",
  },
  {
    name: "session",
    kind: "string",
    valueName: "<id>",
    help: "Session ID for -acquire and -release.",
  },
];

/** `consulate kv put`. */
export const kvPutCommand: Command = {
  path: ["kv", "put"],
  synopsis: "Sets or updates data in the KV store",
  help: httpCommandHelp(
    "consulate kv put [options] KEY [DATA]",
    "  Writes DATA at KEY. DATA may be given inline, read from a file with @path, read from\n" +
      "  standard input with -, or left out to store an empty value.\n\n" +
      "      $ consulate kv put config/redis/maxconns 5\n" +
      "      $ consulate kv put config/program/license @license.lic\n" +
      "      $ echo 5 | consulate kv put config/redis/maxconns -\n" +
      "      $ consulate kv put -cas -modify-index=844 config/redis/maxconns 6",
    { commandFlags: PUT_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...PUT_FLAGS]);
    const on = (name: string) => flags.values.get(name) === true;
    const count = (name: string) => (flags.values.get(name) as number | undefined) ?? 0;
    const input = await dataFromArgs(flags.positionals, context, on("base64"));
    if (typeof input === "string") return fail(context, `Error! ${input}`);
    const session = (flags.values.get("session") as string | undefined) ?? "";
    if ((on("acquire") || on("release")) && session === "") {
      return fail(context, "Error! Missing -session (required with -acquire and -release)");
    }
    if (count("flags") < 0 || count("modify-index") < 0) {
      return fail(context, "Error! -flags and -modify-index must be unsigned integers");
    }
    if (on("cas") && count("modify-index") === 0) {
      return fail(context, "Must specify -modify-index with -cas!");
    }
    const { key, data } = input;
    const flagsValue = count("flags");
    const prefix = on("cas") ? `Error! Did not write to ${key}` : "Error! Failed writing data";
    return await withClient(flags, context, prefix, async (client) => {
      if (on("cas")) {
        if (!await client.kv.put(key, data, { flags: flagsValue, cas: count("modify-index") })) {
          return fail(context, `Error! Did not write to ${key}: CAS failed`);
        }
        context.stdout(`Success! Data written to: ${key}\n`);
      } else if (on("acquire")) {
        if (!await client.kv.put(key, data, { flags: flagsValue, acquire: session })) {
          return fail(context, "Error! Did not acquire lock");
        }
        context.stdout(`Success! Lock acquired on: ${key}\n`);
      } else if (on("release")) {
        if (!await client.kv.put(key, data, { flags: flagsValue, release: session })) {
          return fail(context, "Error! Did not release lock");
        }
        context.stdout(`Success! Lock released on: ${key}\n`);
      } else {
        await client.kv.put(key, data, { flags: flagsValue });
        context.stdout(`Success! Data written to: ${key}\n`);
      }
      return 0;
    });
  },
};

/** KEY and DATA from the positionals; a string is an error message (without "Error! "). */
async function dataFromArgs(
  positionals: readonly string[],
  context: CliContext,
  base64: boolean,
): Promise<{ key: string; data: Uint8Array | string } | string> {
  if (positionals.length === 0) return "Missing KEY argument";
  if (positionals.length > 2) {
    return `Too many arguments (expected 1 or 2, got ${positionals.length})`;
  }
  const [key, raw = ""] = positionals;
  let data: Uint8Array | string = raw;
  if (raw.startsWith("@")) {
    try {
      data = await context.runtime.fs.readFile(raw.slice(1));
    } catch (error) {
      return `Failed to read file: ${(error as Error).message}`;
    }
  } else if (raw === "-") {
    try {
      data = await context.runtime.process.readStdin(MAX_STDIN_BYTES);
    } catch (error) {
      return `Failed to read stdin: ${(error as Error).message}`;
    }
  }
  if (!base64) return { key, data };
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  try {
    return { key, data: Uint8Array.from(atob(text.trim()), (char) => char.charCodeAt(0)) };
  } catch (error) {
    return `Cannot base 64 decode data: ${(error as Error).message}`;
  }
}

const DELETE_FLAGS: readonly FlagSpec[] = [
  {
    name: "cas",
    kind: "bool",
    help: "Check-and-set: delete only if the key's ModifyIndex equals -modify-index. " +
      "Default false.",
  },
  {
    name: "modify-index",
    kind: "int",
    valueName: "<uint>",
    help: "The ModifyIndex the key must have, with -cas.",
  },
  {
    name: "recurse",
    kind: "bool",
    help: "Delete every key under the prefix. Default false.",
  },
];

/** `consulate kv delete`. */
export const kvDeleteCommand: Command = {
  path: ["kv", "delete"],
  synopsis: "Removes data from the KV store",
  help: httpCommandHelp(
    "consulate kv delete [options] KEY_OR_PREFIX",
    "  Removes KEY; with -recurse every key that starts with the prefix. Deleting a key\n" +
      "  that does not exist succeeds.\n\n" +
      "      $ consulate kv delete -recurse config/",
    { commandFlags: DELETE_FLAGS, serverFlags: true },
  ),
  async run(args, context) {
    const flags = parseFlags(args, [...HTTP_FLAGS, ...DELETE_FLAGS]);
    const key = singleKey(flags, context);
    if (typeof key === "number") return key;
    const cas = flags.values.get("cas") === true;
    const recurse = flags.values.get("recurse") === true;
    const modifyIndex = (flags.values.get("modify-index") as number | undefined) ?? 0;
    if (key === "" && !recurse) return fail(context, "Error! Missing KEY argument");
    if (modifyIndex < 0) return fail(context, "Error! -modify-index must be an unsigned integer");
    if (cas && modifyIndex === 0) {
      return fail(
        context,
        "Cannot delete a key that does not exist. Provide a -modify-index greater than 0.",
      );
    }
    if (modifyIndex !== 0 && !cas) {
      return fail(context, "Cannot specify -modify-index without -cas!");
    }
    if (recurse && cas) return fail(context, "Cannot specify both -cas and -recurse!");
    const prefix = recurse
      ? `Error! Did not delete prefix ${key}`
      : cas
      ? `Error! Did not delete key ${key}`
      : `Error deleting key ${key}`;
    return await withClient(flags, context, prefix, async (client) => {
      if (recurse) {
        await client.kv.delete(key, { recurse: true });
        context.stdout(`Success! Deleted keys with prefix: ${key}\n`);
        return 0;
      }
      if (!await client.kv.delete(key, cas ? { cas: modifyIndex } : {})) {
        return fail(context, `Error! Did not delete key ${key}: CAS failed`);
      }
      context.stdout(`Success! Deleted key: ${key}\n`);
      return 0;
    });
  },
};
