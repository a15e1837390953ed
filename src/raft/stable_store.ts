/**
 * A small durable key/value store for the Raft state that must survive restarts outside the
 * log: `currentTerm` and `votedFor`. Every update rewrites one JSON file atomically.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import { crc32c } from "./_crc32c.ts";
import { StorageError } from "./errors.ts";

/** Largest encoded stable-store file; it holds a handful of scalars. */
export const MAX_STABLE_STORE_BYTES = 64 * 1024;
/** The `format` value written into the file. */
export const STABLE_STORE_FORMAT = "consulate-raft-stable";
const STABLE_STORE_VERSION = 1;

/** What a stable key can hold. */
export type StableValue = string | number | boolean | null;

/** Durable scalars by key, e.g. `currentTerm` and `votedFor`. */
export interface StableStore {
  /** The value last set for `key`, or `undefined`. */
  get(key: string): StableValue | undefined;
  /**
   * Sets several keys in one durable write, so `currentTerm` and `votedFor` change together.
   *
   * @throws {StorageError} `too_large` when the encoded store would pass the limit.
   */
  set(values: Readonly<Record<string, StableValue>>): Promise<void>;
}

/**
 * Opens the stable store kept in the file `path`, reading its current values.
 *
 * @throws {StorageError} `bad_format` when the file is unreadable or fails its checksum.
 * @example
 * ```ts
 * const stable = await openStableStore(runtime.fs, `${dataDir}/raft/stable.json`);
 * await stable.set({ currentTerm: 3, votedFor: "server-2" });
 * ```
 */
export async function openStableStore(fs: FileSystem, path: string): Promise<StableStore> {
  const values = await fs.stat(path) === null
    ? new Map<string, StableValue>()
    : parseStableFile(path, await fs.readTextFile(path));
  return new StoredValues(values, async (snapshot) => {
    const encoded = encodeStableFile(snapshot);
    if (encoded.length > MAX_STABLE_STORE_BYTES) {
      throw new StorageError(
        "too_large",
        `The stable store would grow to ${encoded.length} bytes; the limit is ` +
          `${MAX_STABLE_STORE_BYTES}. It is meant for a few scalars such as currentTerm.`,
      );
    }
    await fs.writeFileAtomic(path, encoded);
  });
}

/** A stable store that keeps its values in memory (dev mode, simulations). */
export function createMemoryStableStore(): StableStore {
  return new StoredValues(new Map(), () => Promise.resolve());
}

class StoredValues implements StableStore {
  #values: Map<string, StableValue>;
  readonly #persist: (values: Map<string, StableValue>) => Promise<void>;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    values: Map<string, StableValue>,
    persist: (v: Map<string, StableValue>) => Promise<void>,
  ) {
    this.#values = values;
    this.#persist = persist;
  }

  get(key: string): StableValue | undefined {
    return this.#values.get(key);
  }

  set(values: Readonly<Record<string, StableValue>>): Promise<void> {
    const run = this.#queue.then(async () => {
      const next = new Map(this.#values);
      for (const [key, value] of Object.entries(values)) next.set(key, checkValue(key, value));
      // Readers see the new values only once they are durable.
      await this.#persist(next);
      this.#values = next;
    });
    this.#queue = run.catch(() => {});
    return run;
  }
}

function checkValue(key: string, value: StableValue): StableValue {
  const ok = value === null || typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
  if (!ok) {
    throw new StorageError(
      "invalid_entry",
      `Stable key ${JSON.stringify(key)} cannot hold ${String(value)}; use a string, a finite ` +
        "number, a boolean or null.",
    );
  }
  return value;
}

function encodeStableFile(values: Map<string, StableValue>): string {
  const body = JSON.stringify(Object.fromEntries([...values].sort(([a], [b]) => a < b ? -1 : 1)));
  const checksum = crc32c(new TextEncoder().encode(body));
  const file = { format: STABLE_STORE_FORMAT, version: STABLE_STORE_VERSION, checksum, body };
  return `${JSON.stringify(file)}\n`;
}

function parseStableFile(path: string, text: string): Map<string, StableValue> {
  const fail = (what: string): never => {
    throw new StorageError(
      "bad_format",
      `Stable store file ${path} ${what}. Restore it from a backup; deleting it would let ` +
        "this server vote twice in one term.",
    );
  };
  let file: { format?: unknown; version?: unknown; checksum?: unknown; body?: unknown };
  try {
    file = JSON.parse(text) ?? {};
  } catch {
    return fail("is not valid JSON");
  }
  if (file.format !== STABLE_STORE_FORMAT || file.version !== STABLE_STORE_VERSION) {
    return fail(`is not ${STABLE_STORE_FORMAT} version ${STABLE_STORE_VERSION}`);
  }
  if (typeof file.body !== "string") return fail("has no body");
  if (file.checksum !== crc32c(new TextEncoder().encode(file.body))) {
    return fail("fails its checksum");
  }
  return new Map(Object.entries(JSON.parse(file.body) as Record<string, StableValue>));
}
