/**
 * Rules for the DNS names a gateway accepts in SNI and in its route table.
 *
 * @module
 */

/** Longest DNS name in bytes (RFC 1035 §2.3.4); longer SNI values are rejected. */
export const MAX_SERVER_NAME_BYTES = 255;

/** Longest DNS label in bytes (RFC 1035 §2.3.4). */
export const MAX_LABEL_BYTES = 63;

/**
 * Letters, digits, hyphen and underscore. Underscore is not a host-name character but is
 * legal in DNS names (RFC 2181 §11), and Consul only warns about it in node names, so a server
 * named `db_1` must still be reachable as `db_1.server.dc1.consul`.
 */
const LABEL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Whether `label` is one non-empty DNS label made of allowed characters. */
export function isValidLabel(label: string): boolean {
  return label.length >= 1 && label.length <= MAX_LABEL_BYTES && LABEL_PATTERN.test(label);
}

/**
 * Whether `name` is a DNS name a gateway can route: labels of allowed characters separated by
 * single dots, at most {@linkcode MAX_SERVER_NAME_BYTES} bytes, one trailing dot tolerated.
 */
export function isValidServerName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_SERVER_NAME_BYTES) return false;
  const body = name.endsWith(".") ? name.slice(0, -1) : name;
  if (body.length === 0) return false;
  return body.split(".").every(isValidLabel);
}

/**
 * The comparable form of a DNS name: lower case, without a trailing dot.
 *
 * @example
 * ```ts
 * normalizeServerName("S1.Server.DC1.Consul."); // "s1.server.dc1.consul"
 * ```
 */
export function normalizeServerName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}
