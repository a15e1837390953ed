/** Output capping shared by the runners. */

/** Consul's `DefaultBufSize`: the most check output kept, in bytes. */
export const DEFAULT_OUTPUT_MAX_BYTES = 4 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Byte length of `text` in UTF-8. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = encoder.encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  return decodeUtf8Prefix(bytes, maxBytes);
}

/** Decodes at most `maxBytes` of `bytes`, backing off to a character boundary. */
export function decodeUtf8Prefix(bytes: Uint8Array, maxBytes: number): string {
  let end = Math.min(maxBytes, bytes.byteLength);
  // Continuation bytes are 10xxxxxx; cutting before one would split a character.
  while (end > 0 && end < bytes.byteLength && (bytes[end] & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}
