/**
 * Source positions of parsed values. Parsers record, per object or array they create, the line
 * of each key or element; lookups follow a key path through the value tree.
 *
 * @module
 */

/** Where a key or element appeared. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Lines of the keys (objects) and elements (arrays) of every container a parser created. */
export type PositionIndex = WeakMap<object, Map<string | number, SourcePosition>>;

/** A parsed config file: its value tree and where each key came from. */
export interface ParsedDocument {
  readonly value: Record<string, unknown>;
  readonly positions: PositionIndex;
}

/** Records the position of `key` in `container`; a later record of the same key wins. */
export function recordPosition(
  positions: PositionIndex,
  container: object,
  key: string | number,
  position: SourcePosition,
): void {
  let entries = positions.get(container);
  if (!entries) {
    entries = new Map();
    positions.set(container, entries);
  }
  entries.set(key, position);
}

/**
 * Finds the line of the key at `path` in `root`. HCL blocks decode to one-element lists of
 * objects, so a string segment met at such a list steps into its only element, as the schema
 * does. Returns the line of the deepest key that could be found.
 */
export function lineAt(
  document: ParsedDocument,
  path: readonly PropertyKey[],
): number | undefined {
  let current: unknown = document.value;
  let line: number | undefined;
  for (const segment of path) {
    if (typeof segment === "symbol") return line;
    if (Array.isArray(current) && typeof segment === "string" && current.length === 1) {
      current = current[0];
    }
    if (current === null || typeof current !== "object") return line;
    const found = document.positions.get(current)?.get(segment);
    if (found) line = found.line;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return line;
}
