/**
 * IPv4/IPv6 text ⇄ bytes, for iPAddress subject alternative names.
 *
 * @module
 */
import { TlsMaterialError } from "./errors.ts";

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_GROUPS = 8;

/**
 * Parses an IPv4 or IPv6 address into its 4 or 16 network-order bytes.
 *
 * @throws {TlsMaterialError} when `text` is not an IP address.
 */
export function parseIpAddress(text: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = trimmed.includes(":") ? parseIpv6(trimmed) : parseIpv4(trimmed);
  if (!bytes) {
    throw new TlsMaterialError(
      `"${text}" is not an IP address; use dotted IPv4 (10.0.0.1) or IPv6 (fd00::1)`,
    );
  }
  return bytes;
}

/** Formats 4 or 16 address bytes as text (IPv6 compressed, lower case, RFC 5952). */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) return Array.from(bytes, (b) => b.toString(16)).join(":");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < IPV6_GROUPS; start++) {
    let length = 0;
    while (start + length < IPV6_GROUPS && groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

function parseIpv4(text: string): Uint8Array | null {
  const match = IPV4_RE.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  if (
    octets.some((octet, i) => octet > 255 || (match[i + 1].length > 1 && match[i + 1][0] === "0"))
  ) {
    return null;
  }
  return Uint8Array.from(octets);
}

function parseIpv6(text: string): Uint8Array | null {
  let body = text;
  let tailV4: Uint8Array | null = null;
  const lastColon = body.lastIndexOf(":");
  if (body.slice(lastColon + 1).includes(".")) {
    tailV4 = parseIpv4(body.slice(lastColon + 1));
    if (!tailV4) return null;
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  const missing = IPV6_GROUPS - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}
