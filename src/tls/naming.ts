/**
 * Server names in TLS: the SNI a server is dialled with, the DNS names its certificate holds,
 * and the rules for the labels they are built from.
 *
 * A server is named `<node>.server.<dc>.<domain>`, and any server of a datacenter is
 * `server.<dc>.<domain>`. Node and datacenter names are single DNS labels: Consul joins them as
 * `<node>.<dc>` for WAN gossip and splits on the dot, so neither may contain one.
 *
 * @module
 */
import { TlsMaterialError } from "./errors.ts";

/** Longest DNS label (RFC 1035). */
export const MAX_DNS_LABEL_CHARS = 63;
/** Longest DNS name in presentation form without the trailing dot (RFC 1035). */
export const MAX_DNS_NAME_CHARS = 253;

/** The label between node and datacenter in server names. */
const SERVER_LABEL = "server";

// Letters, digits, hyphen; underscore too because real node names use it and TLS stacks
// accept it in SANs. No leading or trailing hyphen.
const LABEL_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/;

/** Consul's datacenter rule (`^[a-z0-9_-]+$`), limited to one DNS label. */
const DATACENTER_RE = /^[a-z0-9_-]+$/;

/** The outcome of parsing a server SNI. `node` is absent for `server.<dc>.<domain>`. */
export interface ServerSniName {
  readonly dc: string;
  readonly node?: string;
}

/**
 * The SNI for a server: `<node>.server.<dc>.<domain>`, or `server.<dc>.<domain>` ("any server")
 * when `node` is absent, empty or `"*"`.
 *
 * @example
 * ```ts
 * serverSni("dc2", "consul", "n1"); // "n1.server.dc2.consul"
 * serverSni("dc2", "consul.");      // "server.dc2.consul"
 * ```
 */
export function serverSni(dc: string, domain: string, node?: string): string {
  const base = `${SERVER_LABEL}.${dc}.${trimDomain(domain)}`;
  return node === undefined || node === "" || node === "*" ? base : `${node}.${base}`;
}

/**
 * Parses `<node>.server.<dc>.<domain>` or `server.<dc>.<domain>`; `null` for anything else.
 * The `server` label and the domain compare case-insensitively (DNS rules); node and dc are
 * returned as written.
 */
export function parseServerSni(name: string, domain: string): ServerSniName | null {
  const normalized = name.endsWith(".") ? name.slice(0, -1) : name;
  const suffix = `.${trimDomain(domain)}`.toLowerCase();
  if (!normalized.toLowerCase().endsWith(suffix)) return null;
  const labels = normalized.slice(0, normalized.length - suffix.length).split(".");
  if (labels.length < 2 || labels.length > 3) return null;
  const dc = labels[labels.length - 1];
  if (labels[labels.length - 2].toLowerCase() !== SERVER_LABEL || !isDnsLabel(dc)) return null;
  if (labels.length === 2) return { dc };
  const node = labels[0];
  return isDnsLabel(node) ? { dc, node } : null;
}

/**
 * True when a certificate name (`pattern`, possibly `*.`-wildcarded) covers the host `name`.
 * Comparison is case-insensitive and ignores a trailing dot; a wildcard stands for exactly one
 * whole, non-empty left-most label (RFC 6125 §6.4.3), so `*.server.dc1.consul` covers
 * `n1.server.dc1.consul` but neither `server.dc1.consul` nor `a.b.server.dc1.consul`.
 */
export function dnsNameMatches(pattern: string, name: string): boolean {
  const p = canonicalDnsName(pattern);
  const n = canonicalDnsName(name);
  if (p === "" || n === "") return false;
  if (!p.startsWith("*.")) return p === n;
  const firstDot = n.indexOf(".");
  return firstDot > 0 && n.slice(firstDot) === p.slice(1);
}

/** True when any of `dnsNames` covers `name` (see {@linkcode dnsNameMatches}). */
export function anyDnsNameMatches(dnsNames: readonly string[], name: string): boolean {
  return dnsNames.some((pattern) => dnsNameMatches(pattern, name));
}

/**
 * True when `name` lies inside the permitted DNS constraint `constraint` (RFC 5280 §4.2.1.10):
 * equal to it, or ending with `.<constraint>`. A constraint with a leading dot permits only
 * subdomains.
 */
export function dnsNameWithinConstraint(name: string, constraint: string): boolean {
  const n = canonicalDnsName(name);
  const c = canonicalDnsName(constraint);
  if (c === "") return true;
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** True when `label` is one DNS label usable in a server name. */
export function isDnsLabel(label: string): boolean {
  return label.length <= MAX_DNS_LABEL_CHARS && LABEL_RE.test(label);
}

/**
 * Checks a datacenter name: Consul's rule (lower-case letters, digits, `_`, `-`) and one label.
 *
 * @throws {TlsMaterialError} naming the datacenter and what is allowed.
 */
export function validateDatacenter(dc: string): void {
  if (!DATACENTER_RE.test(dc) || !isDnsLabel(dc)) {
    throw new TlsMaterialError(
      `Datacenter "${dc}" is not valid; use 1-${MAX_DNS_LABEL_CHARS} lower-case letters, ` +
        "digits, '_' or '-' (no dots), not starting or ending with '-'",
    );
  }
}

/**
 * Checks a node name for use in `<node>.server.<dc>.<domain>`.
 *
 * @throws {TlsMaterialError} naming the node and what is allowed.
 */
export function validateNodeName(node: string): void {
  if (!isDnsLabel(node)) {
    throw new TlsMaterialError(
      `Node name "${node}" cannot be used in a server certificate name; use 1-` +
        `${MAX_DNS_LABEL_CHARS} letters, digits, '_' or '-' (no dots), not starting or ` +
        "ending with '-'",
    );
  }
}

/**
 * Checks a DNS domain such as `consul` or `example.com` (a trailing dot is allowed).
 *
 * @throws {TlsMaterialError} naming the domain and what is allowed.
 */
export function validateDomain(domain: string): void {
  const trimmed = trimDomain(domain);
  const labels = trimmed.split(".");
  if (trimmed.length > MAX_DNS_NAME_CHARS || !labels.every(isDnsLabel)) {
    throw new TlsMaterialError(
      `Domain "${domain}" is not a valid DNS name; use dot-separated labels of letters, ` +
        "digits, '_' or '-', such as consul or example.com",
    );
  }
}

/**
 * Checks a DNS name for a certificate SAN; a `*.` wildcard left-most label is allowed.
 *
 * @throws {TlsMaterialError} naming the value and what is allowed.
 */
export function validateSanDnsName(name: string): void {
  const labels = name.split(".");
  const rest = labels[0] === "*" && labels.length > 1 ? labels.slice(1) : labels;
  if (name.length > MAX_DNS_NAME_CHARS || !rest.every(isDnsLabel)) {
    throw new TlsMaterialError(
      `"${name}" is not a valid DNS name for a certificate; use dot-separated labels of ` +
        "letters, digits, '_' or '-', optionally starting with '*.'",
    );
  }
}

/** Strips the trailing dot Consul tolerates in `domain` settings. */
export function trimDomain(domain: string): string {
  return domain.endsWith(".") ? domain.slice(0, -1) : domain;
}

function canonicalDnsName(name: string): string {
  return (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase();
}
