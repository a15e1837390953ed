/**
 * Reads `-config-file` and `-config-dir` paths through the FileSystem port, as Consul does: a
 * directory contributes its `.hcl` and `.json` files (not sub-directories) in lexical order;
 * other files there are skipped with a warning. A file named directly must end in `.hcl` or
 * `.json` unless `-config-format` is given (Consul silently skips it; we say so instead).
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { ProblemList } from "./errors.ts";

/** Largest config file read; larger files are rejected rather than held in memory. */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/** Most files read from one config directory. */
export const MAX_CONFIG_DIR_FILES = 10_000;

/** The text of one config file and the format to parse it with. */
export interface ConfigFileText {
  readonly name: string;
  readonly format: "hcl" | "json";
  readonly text: string;
}

/** Format from a file name, or `null` for other extensions. */
export function formatFromExtension(name: string): "hcl" | "json" | null {
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".hcl")) return "hcl";
  return null;
}

/**
 * Reads every file named by `paths` (files or directories), in merge order. Problems are added
 * to `problems` and the path is skipped, so one run reports all of them.
 */
export async function readConfigPaths(
  fs: FileSystem,
  paths: readonly string[],
  options: { format: "hcl" | "json" | null; warnings: string[]; problems: ProblemList },
): Promise<ConfigFileText[]> {
  const files: ConfigFileText[] = [];
  for (const path of paths) {
    try {
      const info = await fs.stat(path);
      if (info === null) {
        options.problems.add({
          file: path,
          key: "",
          detail: "Config file or directory does not exist",
        });
      } else if (info.isDirectory) {
        files.push(...await readDirectory(fs, path, options));
      } else {
        const format = options.format ?? formatFromExtension(path);
        if (format === null) {
          options.problems.add({
            file: path,
            key: "",
            detail: "Config file name must end in .hcl or .json, or pass -config-format=hcl|json",
          });
        } else {
          files.push(await readOne(fs, path, format, info.size));
        }
      }
    } catch (error) {
      options.problems.add({ file: path, key: "", detail: `Cannot read: ${errorText(error)}` });
    }
  }
  return files;
}

async function readDirectory(
  fs: FileSystem,
  dir: string,
  options: { format: "hcl" | "json" | null; warnings: string[]; problems: ProblemList },
): Promise<ConfigFileText[]> {
  const names = [...await fs.readDir(dir)].sort(); // lexical, as Consul's sort.Sort(byName)
  if (names.length > MAX_CONFIG_DIR_FILES) {
    throw new Error(`directory holds more than ${MAX_CONFIG_DIR_FILES} entries`);
  }
  const files: ConfigFileText[] = [];
  for (const name of names) {
    const path = `${dir.replace(/\/+$/, "")}/${name}`;
    const info = await fs.stat(path);
    if (info === null || info.isDirectory) continue;
    const format = options.format ?? formatFromExtension(name);
    if (format === null) {
      options.warnings.push(
        `skipping file ${path}, extension must be .hcl or .json, or config format must be set`,
      );
      continue;
    }
    try {
      files.push(await readOne(fs, path, format, info.size));
    } catch (error) {
      options.problems.add({ file: path, key: "", detail: `Cannot read: ${errorText(error)}` });
    }
  }
  return files;
}

async function readOne(
  fs: FileSystem,
  path: string,
  format: "hcl" | "json",
  size: number,
): Promise<ConfigFileText> {
  if (size > MAX_CONFIG_FILE_BYTES) {
    throw new Error(
      `file is ${size} bytes; config files may hold at most ${MAX_CONFIG_FILE_BYTES}`,
    );
  }
  return { name: path, format, text: await fs.readTextFile(path) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
