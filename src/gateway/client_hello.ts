/**
 * Reads the TLS ClientHello a client sends first, without decrypting anything, to learn the
 * SNI and ALPN a gateway routes on.
 *
 * The parser is a pure function of "all bytes received so far", so a driver can feed it after
 * every read: it answers `need-more` (with a lower bound on the bytes still missing), `hello`,
 * or `error` with a reason fit for a counter label. It never throws on any input.
 *
 * @module
 */
import { parseHelloBody } from "./_hello_body.ts";

/**
 * Most bytes of TLS records (5-byte headers included) that may carry one ClientHello.
 *
 * 16 KiB is plenty: real hellos are 200–600 bytes, about 1.8 KiB with a post-quantum
 * (X25519MLKEM768) key share, and a few KiB more with large resumption tickets. It is also the
 * largest plaintext of a single TLS record (2^14), so any honest hello fits while a peer that
 * trickles endless fragments is cut off after a small, fixed amount of buffering.
 */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

/** Largest TLS record payload allowed by RFC 8446 §5.1 (2^14 bytes). */
export const MAX_RECORD_PAYLOAD_BYTES = 16 * 1024;

const RECORD_HEADER_BYTES = 5;
const HANDSHAKE_HEADER_BYTES = 4;
const CONTENT_TYPE_HANDSHAKE = 0x16;
const HANDSHAKE_TYPE_CLIENT_HELLO = 1;

/** Why a ClientHello was refused; each value is a stable counter label. */
export type ClientHelloErrorReason =
  | "sslv2-hello"
  | "not-handshake-record"
  | "bad-record-version"
  | "empty-record"
  | "record-too-long"
  | "hello-too-large"
  | "not-client-hello"
  | "truncated-hello"
  | "bad-hello-version"
  | "bad-session-id"
  | "bad-cipher-suites"
  | "bad-compression-methods"
  | "bad-extensions"
  | "trailing-bytes"
  | "duplicate-extension"
  | "bad-server-name"
  | "server-name-too-long"
  | "invalid-server-name"
  | "bad-alpn"
  | "bad-supported-versions";

/** The bytes so far are a valid prefix; at least `bytesNeeded` more must arrive. */
export interface NeedMoreResult {
  readonly kind: "need-more";
  readonly bytesNeeded: number;
}

/** A complete, well-formed ClientHello. */
export interface HelloResult {
  readonly kind: "hello";
  /** The SNI host_name exactly as sent (case kept), or `null` when the client sent none. */
  readonly serverName: string | null;
  /** ALPN protocols offered, in the client's order; empty when none. */
  readonly alpnProtocols: string[];
  /** `ClientHello.legacy_version`, e.g. 0x0303. */
  readonly legacyVersion: number;
  /** The supported_versions extension, when present (TLS 1.3 capable clients). */
  readonly supportedVersions?: number[];
  /** Bytes of the records that carried the hello, headers included. */
  readonly recordBytes: number;
}

/** The bytes are not a ClientHello a gateway will route. */
export interface HelloErrorResult {
  readonly kind: "error";
  readonly reason: ClientHelloErrorReason;
}

/** What {@linkcode parseClientHello} concluded from the bytes so far. */
export type ClientHelloResult = NeedMoreResult | HelloResult | HelloErrorResult;

type RecordStep =
  | NeedMoreResult
  | HelloErrorResult
  | { readonly kind: "record"; readonly payload: Uint8Array; readonly end: number };

/**
 * Parses the first bytes a client sent as TLS records carrying a ClientHello, which may be
 * fragmented across several records and across reads. Bytes after the hello are ignored.
 *
 * @param bytes everything received on the connection so far.
 * @example
 * ```ts
 * const result = parseClientHello(firstBytes);
 * if (result.kind === "hello") console.log(result.serverName, result.alpnProtocols);
 * ```
 */
export function parseClientHello(bytes: Uint8Array): ClientHelloResult {
  const fragments: Uint8Array[] = [];
  let have = 0;
  let total = -1; // handshake header + body, once the header is known
  let offset = 0;
  for (;;) {
    const step = readRecord(bytes, offset);
    if (step.kind === "error") return step;
    if (step.kind === "need-more") return step;
    fragments.push(step.payload);
    have += step.payload.length;
    offset = step.end;
    if (total < 0 && have >= HANDSHAKE_HEADER_BYTES) {
      const header = concat(fragments, HANDSHAKE_HEADER_BYTES);
      if (header[0] !== HANDSHAKE_TYPE_CLIENT_HELLO) return fail("not-client-hello");
      total = HANDSHAKE_HEADER_BYTES + ((header[1] << 16) | (header[2] << 8) | header[3]);
      if (total + RECORD_HEADER_BYTES > MAX_CLIENT_HELLO_BYTES) return fail("hello-too-large");
    } else if (total < 0 && fragments[0][0] !== HANDSHAKE_TYPE_CLIENT_HELLO) {
      return fail("not-client-hello");
    }
    if (total >= 0 && have >= total) {
      const body = concat(fragments, total).subarray(HANDSHAKE_HEADER_BYTES);
      const parsed = parseHelloBody(body);
      if ("error" in parsed) return fail(parsed.error);
      return { kind: "hello", ...parsed, recordBytes: offset };
    }
    const missing = total >= 0 ? total - have : HANDSHAKE_HEADER_BYTES - have;
    if (bytes.length === offset) {
      return { kind: "need-more", bytesNeeded: RECORD_HEADER_BYTES + missing };
    }
  }
}

/** Validates the record header at `offset` as far as it has arrived, then the whole record. */
function readRecord(bytes: Uint8Array, offset: number): RecordStep {
  const available = bytes.length - offset;
  if (available >= 1) {
    const type = bytes[offset];
    // No TLS content type has the high bit set; an SSLv2-style hello starts with its length.
    if (type & 0x80) return fail("sslv2-hello");
    if (type !== CONTENT_TYPE_HANDSHAKE) return fail("not-handshake-record");
  }
  if (available >= 2 && bytes[offset + 1] !== 3) return fail("bad-record-version");
  if (available >= 3 && (bytes[offset + 2] < 1 || bytes[offset + 2] > 4)) {
    return fail("bad-record-version");
  }
  if (available < RECORD_HEADER_BYTES) {
    return { kind: "need-more", bytesNeeded: RECORD_HEADER_BYTES - available };
  }
  const length = (bytes[offset + 3] << 8) | bytes[offset + 4];
  // RFC 8446 §5.1: zero-length handshake fragments are forbidden; refusing them also bounds
  // the number of records a peer can make us walk.
  if (length === 0) return fail("empty-record");
  if (length > MAX_RECORD_PAYLOAD_BYTES) return fail("record-too-long");
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > MAX_CLIENT_HELLO_BYTES) return fail("hello-too-large");
  if (bytes.length < end) return { kind: "need-more", bytesNeeded: end - bytes.length };
  return { kind: "record", payload: bytes.subarray(offset + RECORD_HEADER_BYTES, end), end };
}

/** The first `length` bytes of the concatenated fragments. */
function concat(fragments: readonly Uint8Array[], length: number): Uint8Array {
  if (fragments[0].length >= length) return fragments[0].subarray(0, length);
  const out = new Uint8Array(length);
  let filled = 0;
  for (const fragment of fragments) {
    const part = fragment.subarray(0, length - filled);
    out.set(part, filled);
    filled += part.length;
    if (filled === length) break;
  }
  return out;
}

function fail(reason: ClientHelloErrorReason): HelloErrorResult {
  return { kind: "error", reason };
}
