/**
 * Helpers shared by the writers: freezing rows, comparing them without their indexes, and
 * checking the field types of command input.
 *
 * @module
 */

import { StateError } from "./errors.ts";

/** Freezes `value` and everything reachable from it (byte arrays are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  return value;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (key === "CreateIndex" || key === "ModifyIndex") continue;
    out[key] = canonical((value as Record<string, unknown>)[key]);
  }
  return out;
}

/** True when two rows hold the same data, ignoring CreateIndex/ModifyIndex. */
export function sameContent(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function invalid(field: string, expected: string): StateError {
  return new StateError("invalid_input", `${field} must be ${expected}`);
}

/** A required non-empty string. */
export function requireName(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw invalid(field, "a non-empty string");
  return value;
}

/** An optional string, "" when absent. */
export function optString(value: unknown, field: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw invalid(field, "a string");
  return value;
}

/** An optional non-negative safe integer, `fallback` when absent. */
export function optCount(value: unknown, field: string, fallback = 0): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw invalid(field, "a non-negative integer");
  }
  return value as number;
}

/** A required finite number. */
export function requireNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(field, "a number");
  return value;
}

/** An optional boolean, false when absent. */
export function optBool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalid(field, "true or false");
  return value;
}

/** An optional array of strings, copied; [] when absent. */
export function optStrings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw invalid(field, "an array of strings");
  }
  return [...value];
}

/** An optional string-to-string map, copied; {} when absent. */
export function optStringMap(value: unknown, field: string): Record<string, string> {
  const map = optObject(value, field) ?? {};
  for (const item of Object.values(map)) {
    if (typeof item !== "string") throw invalid(field, "an object of string values");
  }
  return { ...map } as Record<string, string>;
}

/** An optional plain JSON object, deep-copied; null when absent. */
export function optObject(value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid(field, "an object");
  return structuredClone(value) as Record<string, unknown>;
}
