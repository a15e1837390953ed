/**
 * Standard input read to its end through `node:process`, which both Deno and Bun provide: the
 * same code, and the same limit, on both runtimes.
 *
 * @module
 */
import process from "node:process";
import { readAllBounded } from "./read_all.ts";

/**
 * Reads standard input until it ends.
 *
 * @throws {Error} when it holds more than `maxBytes` bytes (reading stops there).
 */
export function readNodeStdin(maxBytes: number): Promise<Uint8Array> {
  const chunks = async function* () {
    for await (const chunk of process.stdin as AsyncIterable<Uint8Array | string>) {
      yield typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    }
  };
  return readAllBounded(chunks(), maxBytes, () => {
    process.stdin.pause();
    return new Error(`standard input holds more than ${maxBytes} bytes`);
  });
}
