/**
 * PEM armour (RFC 7468) and small DER byte helpers.
 *
 * @module
 */
import { TlsMaterialError } from "./errors.ts";

/** One decoded PEM block: its label (e.g. `"CERTIFICATE"`) and DER bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Base64 characters per PEM body line, as RFC 7468 requires. */
const PEM_LINE_CHARS = 64;

/** Refuse PEM text larger than this: no certificate bundle we handle comes close. */
export const MAX_PEM_BYTES = 1024 * 1024;

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Encodes DER bytes as one PEM block with 64-character lines and a trailing newline.
 *
 * @example
 * ```ts
 * encodePem("CERTIFICATE", der); // "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"
 * ```
 */
export function encodePem(label: string, der: Uint8Array): string {
  const base64 = bytesToBase64(der);
  const lines: string[] = [];
  for (let offset = 0; offset < base64.length; offset += PEM_LINE_CHARS) {
    lines.push(base64.slice(offset, offset + PEM_LINE_CHARS));
  }
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * Decodes every PEM block in `text`, in order; text between blocks is ignored.
 *
 * @throws {TlsMaterialError} when a block's BEGIN and END labels differ, its body is not
 *   base64, or the text is larger than {@linkcode MAX_PEM_BYTES}.
 */
export function decodePem(text: string): PemBlock[] {
  if (text.length > MAX_PEM_BYTES) {
    throw new TlsMaterialError(
      `PEM text is ${text.length} bytes; at most ${MAX_PEM_BYTES} bytes are accepted`,
    );
  }
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK_RE)) {
    const [, begin, body, end] = match;
    if (begin !== end) {
      throw new TlsMaterialError(`PEM block "BEGIN ${begin}" ends with "END ${end}"`);
    }
    // Headers such as "Proc-Type:" belong to encrypted legacy keys, which we do not read.
    if (body.includes(":")) {
      throw new TlsMaterialError(
        `PEM block "${begin}" has headers; encrypted keys are not supported, decrypt it first`,
      );
    }
    blocks.push({ label: begin, der: base64ToBytes(body.replace(/\s+/g, ""), begin) });
  }
  return blocks;
}

/**
 * Decodes the first PEM block whose label is one of `expected.labels`.
 *
 * @param expected.what How to name the wanted material in the error, e.g. "a certificate".
 * @throws {TlsMaterialError} when there is no such block; the message names what was expected.
 */
export function decodeFirstPem(
  text: string,
  expected: { readonly labels: readonly string[]; readonly what: string },
): PemBlock {
  const { labels, what } = expected;
  const blocks = decodePem(text);
  const block = blocks.find((candidate) => labels.includes(candidate.label));
  if (block) return block;
  const found = blocks.length === 0
    ? "no PEM blocks"
    : `only ${blocks.map((b) => `"${b.label}"`).join(", ")}`;
  throw new TlsMaterialError(
    `Expected ${what} as a PEM "${labels.join('" or "')}" block but found ${found}`,
  );
}

/** Copies `bytes` into a fresh `ArrayBuffer` (what WebCrypto and asn1js want). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** Lower-case hex of `bytes`, optionally joined with `separator` (e.g. `":"`). */
export function bytesToHex(bytes: Uint8Array, separator = ""): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(separator);
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Standard base64 (with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64ToBytes(base64: string, label: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new TlsMaterialError(`PEM block "${label}" does not hold valid base64`);
  }
  const binary = atob(base64);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
