/**
 * Standard input read to its end through `node:process`, which both Deno and Bun provide: the
 * same code, and the same limit, on both runtimes.
 *
 * @module
 */
import process from "node:process";

/**
 * Reads standard input until it ends.
 *
 * @throws {Error} when it holds more than `maxBytes` bytes (reading stops there).
 */
export async function readNodeStdin(maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    total += bytes.byteLength;
    if (total > maxBytes) {
      process.stdin.pause();
      throw new Error(`standard input holds more than ${maxBytes} bytes`);
    }
    chunks.push(bytes);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
