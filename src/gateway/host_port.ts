/**
 * Parsing of `host:port` addresses as they appear in catalog entries and federation states.
 *
 * @module
 */

/** A dialable address split into its parts. */
export interface HostPort {
  /** Host name or IP address, without brackets for IPv6. */
  readonly hostname: string;
  readonly port: number;
}

const MAX_PORT = 65535;
const PORT_PATTERN = /^[0-9]{1,5}$/;

/**
 * Splits `host:port` or `[ipv6]:port`; returns `null` when the text is not such an address
 * or the port is outside 1–65535.
 *
 * @example
 * ```ts
 * parseHostPort("10.0.0.1:8300"); // { hostname: "10.0.0.1", port: 8300 }
 * parseHostPort("[::1]:8443");    // { hostname: "::1", port: 8443 }
 * ```
 */
export function parseHostPort(addr: string): HostPort | null {
  const colon = addr.lastIndexOf(":");
  if (colon <= 0) return null;
  let hostname = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  if (hostname.startsWith("[")) {
    if (!hostname.endsWith("]") || hostname.length < 3) return null;
    hostname = hostname.slice(1, -1);
  } else if (hostname.includes(":") || hostname.includes("]")) {
    // An unbracketed IPv6 address is ambiguous about where the port starts.
    return null;
  }
  if (/[\s\/\[]/.test(hostname) || !PORT_PATTERN.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > MAX_PORT) return null;
  return { hostname, port };
}
