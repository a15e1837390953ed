/**
 * Merges checked sources the way Consul does: in order, a later scalar replaces an earlier one,
 * lists are appended, blocks are merged key by key. Remembers which source (and line) set each
 * key last, so cross-field errors can point at the file to change.
 *
 * @module
 */
import type { CheckedSource } from "./check_source.ts";
import { isPlainObject, type SourceConfig } from "./schema.ts";

/** Where the value of a key came from. */
export interface Origin {
  readonly file: string;
  readonly line?: number;
}

/** The merged configuration and the origin of each key. */
export interface MergedConfig {
  readonly config: SourceConfig;
  /** Origin of a dotted key such as `connect.enabled`; `undefined` when no source set it. */
  originOf(key: string): Origin | undefined;
}

/** Merges `sources` in order (later wins, lists appended). */
export function mergeSources(sources: readonly CheckedSource[]): MergedConfig {
  const merged: Record<string, unknown> = {};
  const origins = new Map<string, Origin>();
  for (const source of sources) {
    mergeInto(merged, source.config as Record<string, unknown>, [], source, origins);
  }
  return { config: merged as SourceConfig, originOf: (key) => origins.get(key) };
}

function mergeInto(
  target: Record<string, unknown>,
  from: Record<string, unknown>,
  path: string[],
  source: CheckedSource,
  origins: Map<string, Origin>,
): void {
  for (const [key, value] of Object.entries(from)) {
    if (value === undefined) continue;
    const keyPath = [...path, key];
    const existing = target[key];
    if (isPlainObject(value)) {
      const into = isPlainObject(existing) ? existing : {};
      target[key] = into;
      mergeInto(into, value, keyPath, source, origins);
      continue;
    }
    if (Array.isArray(value)) {
      target[key] = [...(Array.isArray(existing) ? existing : []), ...value];
      if (value.length === 0) continue;
    } else {
      target[key] = value;
    }
    const line = source.lineOf(keyPath);
    origins.set(
      keyPath.join("."),
      line === undefined ? { file: source.name } : { file: source.name, line },
    );
  }
}
