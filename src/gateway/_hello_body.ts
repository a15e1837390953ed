/**
 * Parses the body of a TLS ClientHello handshake message (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2)
 * down to the three extensions a gateway cares about: server_name, ALPN and
 * supported_versions. Everything else is length-checked and skipped.
 *
 * @module
 */
import { ByteReader } from "./_byte_reader.ts";
import { MAX_LABEL_BYTES, MAX_SERVER_NAME_BYTES } from "./server_name.ts";
import type { ClientHelloErrorReason } from "./client_hello.ts";

/** What a gateway learns from a ClientHello body. */
export interface HelloBody {
  readonly legacyVersion: number;
  readonly serverName: string | null;
  readonly alpnProtocols: string[];
  readonly supportedVersions?: number[];
}

/** A failed parse: the reason is a fixed label. */
export interface HelloBodyError {
  readonly error: ClientHelloErrorReason;
}

const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
const EXTENSION_SUPPORTED_VERSIONS = 43;
const SERVER_NAME_TYPE_HOST_NAME = 0;
const RANDOM_BYTES = 32;
const MAX_SESSION_ID_BYTES = 32;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

interface Extensions {
  serverName: string | null;
  alpnProtocols: string[];
  supportedVersions?: number[];
}

/** Parses a ClientHello body (the handshake message without its 4-byte header). */
export function parseHelloBody(body: Uint8Array): HelloBody | HelloBodyError {
  const reader = new ByteReader(body);
  const legacyVersion = reader.u16();
  if (legacyVersion === null || reader.take(RANDOM_BYTES) === null) {
    return { error: "truncated-hello" };
  }
  if (legacyVersion >> 8 !== 3) return { error: "bad-hello-version" };
  const sessionId = reader.vector8();
  if (sessionId === null || sessionId.length > MAX_SESSION_ID_BYTES) {
    return { error: "bad-session-id" };
  }
  const cipherSuites = reader.vector16();
  if (cipherSuites === null || cipherSuites.length < 2 || cipherSuites.length % 2 !== 0) {
    return { error: "bad-cipher-suites" };
  }
  const compression = reader.vector8();
  if (compression === null || compression.length < 1) return { error: "bad-compression-methods" };
  // A hello may end here: extensions arrived with TLS 1.0 as an optional trailer.
  if (reader.remaining === 0) return { legacyVersion, serverName: null, alpnProtocols: [] };
  const block = reader.vector16();
  if (block === null) return { error: "bad-extensions" };
  if (reader.remaining !== 0) return { error: "trailing-bytes" };
  const extensions = parseExtensions(block);
  if ("error" in extensions) return extensions;
  return { legacyVersion, ...extensions };
}

function parseExtensions(block: Uint8Array): Extensions | HelloBodyError {
  const reader = new ByteReader(block);
  const seen = new Set<number>();
  const result: Extensions = { serverName: null, alpnProtocols: [] };
  while (reader.remaining > 0) {
    const type = reader.u16();
    const data = reader.vector16();
    if (type === null || data === null) return { error: "bad-extensions" };
    // RFC 8446 §4.2: at most one extension of each type; a repeat is a forgery or a bug.
    if (seen.has(type)) return { error: "duplicate-extension" };
    seen.add(type);
    if (type === EXTENSION_SERVER_NAME) {
      const name = parseServerName(data);
      if (typeof name === "object") return name;
      result.serverName = name;
    } else if (type === EXTENSION_ALPN) {
      const protocols = parseAlpn(data);
      if (!Array.isArray(protocols)) return protocols;
      result.alpnProtocols = protocols;
    } else if (type === EXTENSION_SUPPORTED_VERSIONS) {
      const versions = parseSupportedVersions(data);
      if (!Array.isArray(versions)) return versions;
      result.supportedVersions = versions;
    }
  }
  return result;
}

/** RFC 6066 §3: a list of (name_type, name); only host_name exists, once at most. */
function parseServerName(data: Uint8Array): string | HelloBodyError {
  const outer = new ByteReader(data);
  const list = outer.vector16();
  if (list === null || outer.remaining !== 0 || list.length === 0) {
    return { error: "bad-server-name" };
  }
  const reader = new ByteReader(list);
  let hostName: string | null = null;
  while (reader.remaining > 0) {
    const nameType = reader.u8();
    const name = reader.vector16();
    if (nameType === null || name === null) return { error: "bad-server-name" };
    if (nameType !== SERVER_NAME_TYPE_HOST_NAME) continue;
    if (hostName !== null) return { error: "bad-server-name" };
    if (name.length > MAX_SERVER_NAME_BYTES) return { error: "server-name-too-long" };
    if (!isDnsNameBytes(name)) return { error: "invalid-server-name" };
    hostName = String.fromCharCode(...name);
  }
  if (hostName === null) return { error: "bad-server-name" };
  return hostName;
}

/** Checks characters and label structure on raw bytes, before any decoding. */
function isDnsNameBytes(name: Uint8Array): boolean {
  if (name.length === 0) return false;
  let labelBytes = 0;
  for (let index = 0; index < name.length; index++) {
    const byte = name[index];
    if (byte === 0x2e) {
      // An empty label is malformed, except that one trailing dot is tolerated.
      if (labelBytes === 0) return false;
      labelBytes = 0;
      continue;
    }
    if (!isLabelByte(byte) || ++labelBytes > MAX_LABEL_BYTES) return false;
  }
  return true;
}

function isLabelByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2d || byte === 0x5f; // - _
}

/** RFC 7301 §3.1: a non-empty list of non-empty protocol names. */
function parseAlpn(data: Uint8Array): string[] | HelloBodyError {
  const outer = new ByteReader(data);
  const list = outer.vector16();
  if (list === null || outer.remaining !== 0 || list.length === 0) return { error: "bad-alpn" };
  const reader = new ByteReader(list);
  const protocols: string[] = [];
  while (reader.remaining > 0) {
    const name = reader.vector8();
    if (name === null || name.length === 0) return { error: "bad-alpn" };
    try {
      protocols.push(UTF8.decode(name));
    } catch {
      // ALPN names are opaque bytes on the wire, but every name we route on is text.
      return { error: "bad-alpn" };
    }
  }
  return protocols;
}

/** RFC 8446 §4.2.1: in a ClientHello, a one-byte-length list of 2-byte versions. */
function parseSupportedVersions(data: Uint8Array): number[] | HelloBodyError {
  const outer = new ByteReader(data);
  const list = outer.vector8();
  if (list === null || outer.remaining !== 0 || list.length < 2 || list.length % 2 !== 0) {
    return { error: "bad-supported-versions" };
  }
  const reader = new ByteReader(list);
  const versions: number[] = [];
  for (let version = reader.u16(); version !== null; version = reader.u16()) {
    versions.push(version);
  }
  return versions;
}
