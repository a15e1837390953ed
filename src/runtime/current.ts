/**
 * Picks the runtime adapter for the JavaScript runtime this process runs on.
 *
 * Only the entry points (CLI, tests) call this; components receive the resulting
 * {@linkcode Runtime} as a parameter.
 *
 * @module
 */

import type { Runtime } from "./ports.ts";

/** Raised when neither Deno nor Bun is detected. */
export class UnsupportedRuntimeError extends Error {
  /** Builds the error. */
  constructor() {
    super("Consulate runs on Deno or Bun; neither globalThis.Deno nor globalThis.Bun is present");
    this.name = "UnsupportedRuntimeError";
  }
}

let cached: Promise<Runtime> | null = null;

/**
 * Returns the adapter for the running runtime (created once, then shared).
 * @throws {UnsupportedRuntimeError} on anything other than Deno or Bun.
 */
export function currentRuntime(): Promise<Runtime> {
  cached ??= loadRuntime();
  return cached;
}

async function loadRuntime(): Promise<Runtime> {
  const global = globalThis as Record<string, unknown>;
  // Bun is checked first: some compatibility shims define a `Deno` global, Bun never does.
  if (global.Bun !== undefined) {
    // Literal specifiers so `bun build --compile` bundles the adapter.
    const { createBunRuntime } = await import("./bun.ts");
    return createBunRuntime();
  }
  if (global.Deno !== undefined) {
    const { createDenoRuntime } = await import("./deno.ts");
    return createDenoRuntime();
  }
  throw new UnsupportedRuntimeError();
}
