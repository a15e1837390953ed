/**
 * Checks of endpoint arguments. RPC bodies arrive as decoded msgpack of unknown shape, so
 * every field is checked before use; a wrong one is a `bad_request` naming the field.
 *
 * @module
 */

import { badRequest } from "./errors.ts";
import type { QueryOptions, StringMap } from "./types.ts";

/** A decoded argument object. */
export type Args = Readonly<Record<string, unknown>>;

/** The body as an object. @throws {EndpointError} when it is not one. */
export function argsOf(body: unknown, what: string): Args {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    badRequest(`Invalid argument: ${what} must be an object`);
  }
  return body as Args;
}

/** An optional string field ("" when absent). */
export function optStr(args: Args, field: string): string {
  const value = args[field];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") badRequest(`Invalid argument: ${field} must be a string`);
  return value;
}

/** An optional non-negative integer field (0 when absent). */
export function optUint(args: Args, field: string): number {
  const value = args[field];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    badRequest(`Invalid argument: ${field} must be a non-negative integer`);
  }
  return value;
}

/** An optional boolean field (false when absent). */
export function optBool(args: Args, field: string): boolean {
  const value = args[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") badRequest(`Invalid argument: ${field} must be a boolean`);
  return value;
}

/** An optional list of strings (empty when absent). */
export function optStrList(args: Args, field: string): string[] {
  const value = args[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    badRequest(`Invalid argument: ${field} must be a list of strings`);
  }
  return value as string[];
}

/** An optional string-to-string map (undefined when absent or empty). */
export function optStrMap(args: Args, field: string): StringMap | undefined {
  const value = args[field];
  if (value === undefined || value === null) return undefined;
  const ok = typeof value === "object" && !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string");
  if (!ok) badRequest(`Invalid argument: ${field} must be a map of strings`);
  return Object.keys(value as object).length === 0 ? undefined : value as StringMap;
}

/** An optional nested object (undefined when absent). */
export function optObj(args: Args, field: string): Args | undefined {
  const value = args[field];
  if (value === undefined || value === null) return undefined;
  return argsOf(value, field);
}

/** The query options embedded in a read request, checked. */
export function queryOptionsOf(args: Args): QueryOptions {
  const filter = optStr(args, "Filter");
  const maxQueryTime = optUint(args, "MaxQueryTime");
  const maxStale = optUint(args, "MaxStaleDuration");
  return {
    Token: optStr(args, "Token"),
    MinQueryIndex: optUint(args, "MinQueryIndex"),
    ...(maxQueryTime > 0 ? { MaxQueryTime: maxQueryTime } : {}),
    AllowStale: optBool(args, "AllowStale"),
    RequireConsistent: optBool(args, "RequireConsistent"),
    ...(maxStale > 0 ? { MaxStaleDuration: maxStale } : {}),
    ...(filter === "" ? {} : { Filter: filter }),
  };
}

/** A required non-empty string field. @throws {EndpointError} with `message` when empty. */
export function requireStr(args: Args, field: string, message: string): string {
  const value = optStr(args, field);
  if (value === "") badRequest(message);
  return value;
}
