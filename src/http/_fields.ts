/**
 * Typed, case-insensitive reads from a JSON object, as Go's decoders match field names. Each
 * wrong type becomes a 400 naming the field.
 */

import { badRequest } from "./errors.ts";

/** A JSON value as it arrives in a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonRecord = { [key: string]: Json };

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads fields of one JSON object by any of their names, ignoring case. */
export class Fields {
  readonly #byLower = new Map<string, [string, Json]>();
  readonly #what: string;

  /**
   * @param what Named in errors ("Request decode failed: <what> ...").
   * @throws {HttpError} 400 when `value` is not an object.
   */
  constructor(value: unknown, what: string) {
    if (!isRecord(value)) throw badRequest(`Request decode failed: ${what} must be a JSON object`);
    this.#what = what;
    for (const [key, field] of Object.entries(value)) {
      this.#byLower.set(key.toLowerCase(), [key, field]);
    }
  }

  #entry(names: readonly string[]): [string, Json] | undefined {
    for (const name of names) {
      const entry = this.#byLower.get(name.toLowerCase());
      if (entry && entry[1] !== null) return entry;
    }
    return undefined;
  }

  #fail(key: string, expected: string): never {
    throw badRequest(`Request decode failed: ${this.#what} field "${key}" must be ${expected}`);
  }

  /** True when one of the names is present with a non-null value. */
  has(...names: string[]): boolean {
    return this.#entry(names) !== undefined;
  }

  /** The raw value, or undefined. */
  raw(...names: string[]): Json | undefined {
    return this.#entry(names)?.[1];
  }

  string(...names: string[]): string {
    const entry = this.#entry(names);
    if (!entry) return "";
    if (typeof entry[1] !== "string") this.#fail(entry[0], "a string");
    return entry[1];
  }

  bool(...names: string[]): boolean {
    const entry = this.#entry(names);
    if (!entry) return false;
    if (typeof entry[1] !== "boolean") this.#fail(entry[0], "true or false");
    return entry[1];
  }

  /** A whole number in [min, max]. */
  int(names: string | readonly string[], min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const entry = this.#entry(typeof names === "string" ? [names] : names);
    if (!entry) return 0;
    const value = entry[1];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.#fail(entry[0], `a whole number from ${min} to ${max}`);
    }
    return value;
  }

  strings(...names: string[]): string[] | undefined {
    const entry = this.#entry(names);
    if (!entry) return undefined;
    const value = entry[1];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      this.#fail(entry[0], "an array of strings");
    }
    return value as string[];
  }

  stringMap(...names: string[]): Record<string, string> | undefined {
    const entry = this.#entry(names);
    if (!entry) return undefined;
    const value = entry[1];
    if (!isRecord(value) || !Object.values(value).every((item) => typeof item === "string")) {
      this.#fail(entry[0], "an object of string values");
    }
    return { ...value } as Record<string, string>;
  }

  object(...names: string[]): JsonRecord | undefined {
    const entry = this.#entry(names);
    if (!entry) return undefined;
    if (!isRecord(entry[1])) this.#fail(entry[0], "a JSON object");
    return entry[1];
  }

  array(...names: string[]): Json[] | undefined {
    const entry = this.#entry(names);
    if (!entry) return undefined;
    if (!Array.isArray(entry[1])) this.#fail(entry[0], "an array");
    return entry[1];
  }
}
