/**
 * A sorted set of strings with prefix range scans, ordered by Unicode code point (the order
 * of UTF-8 bytes, which is how Consul's radix tree orders keys).
 *
 * @module
 */

/** Compares strings by code point rather than UTF-16 unit, matching UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (an astral code point) sorts after every BMP unit above it.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Sorted, duplicate-free strings; insert and delete are a binary search and a splice. */
export class SortedKeys {
  readonly #keys: string[] = [];

  /** Number of keys. */
  get size(): number {
    return this.#keys.length;
  }

  /** Adds `key` if absent. */
  insert(key: string): void {
    const at = this.#lowerBound(key);
    if (this.#keys[at] !== key) this.#keys.splice(at, 0, key);
  }

  /** Removes `key` if present. */
  delete(key: string): void {
    const at = this.#lowerBound(key);
    if (this.#keys[at] === key) this.#keys.splice(at, 1);
  }

  /** Yields, in order, every key starting with `prefix`. */
  *withPrefix(prefix: string): Generator<string> {
    for (let at = this.#lowerBound(prefix); at < this.#keys.length; at++) {
      const key = this.#keys[at];
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }

  #lowerBound(key: string): number {
    let low = 0;
    let high = this.#keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareKeys(this.#keys[mid], key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
