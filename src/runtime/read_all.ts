/**
 * Reading a whole byte source into one buffer with a size limit: HTTP bodies (both ways), the
 * output of a child process, standard input. Pure; the caller words the error.
 *
 * @module
 */

/** Joins `chunks` into one buffer of `total` bytes (default: their combined length). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  const out = new Uint8Array(total ?? chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= out.byteLength) break;
    const part = chunk.subarray(0, out.byteLength - offset);
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Reads `source` to its end. Once more than `maxBytes` have arrived it stops reading (a
 * `ReadableStream` is cancelled) and throws `tooLarge(bytesSeen)`.
 */
export async function readAllBounded(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  tooLarge: (bytesSeen: number) => Error,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    // Leaving the loop early cancels the source, so the rest is never read.
    if (total > maxBytes) throw tooLarge(total);
    chunks.push(chunk);
  }
  return concatBytes(chunks, total);
}
