/**
 * Issuing agent leaf certificates (what `consulate tls cert create` writes): server, client
 * and CLI certificates signed by the agent CA, with Consul's names and usages.
 *
 * @module
 */
import * as pkijs from "pkijs";
import type { Clock, Random } from "../runtime/ports.ts";
import { parseIpAddress } from "./ip_address.ts";
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  buildName,
  certificateTime,
  CRYPTO_ENGINE,
  extKeyUsageExtension,
  KEY_USAGE_BITS,
  keyUsageExtension,
  OID,
  parseCertificateDer,
  randomSerial,
  signCertificate,
  subjectAltNameExtension,
  subjectKeyIdExtension,
  validityWindow,
} from "./_x509.ts";
import type { CertificateAndKey } from "./ca.ts";
import { TlsMaterialError } from "./errors.ts";
import { type CertificateInfo, inspectCertificate, verifyChain } from "./inspect.ts";
import {
  exportSec1Pem,
  exportSpki,
  generateEcKeyPair,
  importEcPrivateKeyPem,
  keyIdentifier,
  spkiOfPrivateKey,
} from "./keys.ts";
import {
  serverSni,
  trimDomain,
  validateDatacenter,
  validateDomain,
  validateNodeName,
  validateSanDnsName,
} from "./naming.ts";
import { bytesEqual, decodeFirstPem, encodePem } from "./pem.ts";

/** Which agent role a certificate is for. */
export type LeafKind = "server" | "client" | "cli";

/** Days a leaf certificate is valid for unless told otherwise (one year, as in Consul). */
export const DEFAULT_LEAF_DAYS = 365;

/** Options for {@linkcode createLeafCert}. */
export interface CreateLeafCertOptions {
  readonly kind: LeafKind;
  /** Datacenter, e.g. `"dc1"`. */
  readonly dc: string;
  /** Cluster domain, e.g. `"consul"` (a trailing dot is ignored). */
  readonly domain: string;
  /** Server node name; adds `<node>.server.<dc>.<domain>`. Servers only. */
  readonly node?: string;
  /** DNS SANs placed before the standard ones. Blank entries are skipped. */
  readonly additionalDnsNames?: readonly string[];
  /** IP SANs placed before the standard ones. Blank entries are skipped. */
  readonly additionalIps?: readonly string[];
  /** Validity in days from now. Default {@linkcode DEFAULT_LEAF_DAYS}. */
  readonly days?: number;
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly clock: Clock;
  readonly random: Random;
}

/** The names and usages a leaf certificate gets, decided before any key exists. */
export interface LeafProfile {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  /** IP addresses as given (text). */
  readonly ipAddresses: readonly string[];
  /** Extended key usage OIDs, in order; empty means no extension. */
  readonly extKeyUsage: readonly string[];
}

/**
 * Works out CN, SANs and EKUs the way `consul tls cert create` does: additional names first,
 * then `<node>.server.<dc>.<domain>` (servers with a node), the CN, `localhost`; additional IPs
 * then `127.0.0.1` (not for CLI certs). Unlike Consul, additional DNS names are kept for CLI
 * certificates instead of being silently dropped.
 *
 * @throws {TlsMaterialError} for an invalid dc, domain, node or SAN, or a node on a non-server.
 */
export function leafProfile(
  options: Pick<
    CreateLeafCertOptions,
    "kind" | "dc" | "domain" | "node" | "additionalDnsNames" | "additionalIps"
  >,
): LeafProfile {
  const { kind, dc, node } = options;
  validateDatacenter(dc);
  validateDomain(options.domain);
  const domain = trimDomain(options.domain);
  if (node !== undefined && node !== "") {
    if (kind !== "server") {
      throw new TlsMaterialError("A node name can only be given for server certificates");
    }
    validateNodeName(node);
  }
  const extraDns = (options.additionalDnsNames ?? []).map((s) => s.trim()).filter(Boolean);
  const extraIps = (options.additionalIps ?? []).map((s) => s.trim()).filter(Boolean);
  extraDns.forEach(validateSanDnsName);
  extraIps.forEach(parseIpAddress);
  const commonName = kind === "server" ? serverSni(dc, domain) : `${kind}.${dc}.${domain}`;
  const nodeName = kind === "server" && node ? [serverSni(dc, domain, node)] : [];
  return {
    commonName,
    dnsNames: [...extraDns, ...nodeName, commonName, "localhost"],
    ipAddresses: kind === "cli" ? extraIps : [...extraIps, "127.0.0.1"],
    extKeyUsage: kind === "server"
      ? [OID.serverAuth, OID.clientAuth]
      : kind === "client"
      ? [OID.clientAuth, OID.serverAuth]
      : [],
  };
}

/**
 * Issues a new EC P-256 leaf certificate signed by the agent CA and checks it against the CA
 * (signature, validity, and that it holds its CN name, `server.<dc>.<domain>` for servers)
 * before returning it.
 *
 * @throws {TlsMaterialError} for unusable CA material or invalid names.
 * @throws {CertificateVerificationError} when the new certificate does not verify, e.g. because
 *   the CA's name constraints exclude one of its names.
 * @example
 * ```ts
 * const server = await createLeafCert({
 *   kind: "server", dc: "dc1", domain: "consul", node: "n1",
 *   caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock, random,
 * });
 * ```
 */
export async function createLeafCert(options: CreateLeafCertOptions): Promise<CertificateAndKey> {
  const profile = leafProfile(options);
  const { notBefore, notAfter } = validityWindow(options.clock, options.days ?? DEFAULT_LEAF_DAYS);
  const { ca, caInfo, caKey } = await loadCa(options.caCertPem, options.caKeyPem);
  const keys = await generateEcKeyPair();
  const certificate = new pkijs.Certificate({
    serialNumber: randomSerial(options.random).integer,
    issuer: ca.subject,
    subject: buildName([[OID.commonName, profile.commonName]]),
    notBefore: certificateTime(notBefore),
    notAfter: certificateTime(notAfter),
  });
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey, CRYPTO_ENGINE);
  certificate.extensions = [
    keyUsageExtension([KEY_USAGE_BITS.digitalSignature, KEY_USAGE_BITS.keyEncipherment]),
    ...(profile.extKeyUsage.length > 0 ? [extKeyUsageExtension(profile.extKeyUsage)] : []),
    basicConstraintsExtension(false),
    subjectKeyIdExtension(await keyIdentifier(await exportSpki(keys.publicKey))),
    ...(caInfo.subjectKeyId ? [authorityKeyIdExtension(hexToBytes(caInfo.subjectKeyId))] : []),
    subjectAltNameExtension(profile.dnsNames, profile.ipAddresses.map(parseIpAddress)),
  ];
  const certPem = encodePem("CERTIFICATE", await signCertificate(certificate, caKey));
  await verifyChain(certPem, options.caCertPem, {
    dnsName: profile.commonName,
    now: options.clock.now(),
  });
  return { certPem, keyPem: await exportSec1Pem(keys.privateKey) };
}

/** Parses the CA certificate and key and checks that they belong together and may sign. */
async function loadCa(
  caCertPem: string,
  caKeyPem: string,
): Promise<{ ca: pkijs.Certificate; caInfo: CertificateInfo; caKey: CryptoKey }> {
  const ca = parseCertificateDer(
    decodeFirstPem(caCertPem, { labels: ["CERTIFICATE"], what: "a CA certificate" }).der,
  );
  const info = inspectCertificate(caCertPem);
  if (!info.isCa) {
    throw new TlsMaterialError(
      `"${info.commonName}" is not a CA certificate (BasicConstraints CA is not set); ` +
        "pass the file written by `consulate tls ca create`",
    );
  }
  const caKey = await importEcPrivateKeyPem(caKeyPem);
  const caSpki = new Uint8Array(ca.subjectPublicKeyInfo.toSchema().toBER());
  if (!bytesEqual(await spkiOfPrivateKey(caKey), caSpki)) {
    throw new TlsMaterialError(
      `The CA key does not belong to the CA certificate "${info.commonName}"; ` +
        "pass the key file created together with it",
    );
  }
  return { ca, caInfo: info, caKey };
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
