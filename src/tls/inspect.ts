/**
 * Reading certificates back: what a PEM certificate says (names, validity, usages) and whether
 * it chains to a CA for a given time and name. Used to check our own output before saving it
 * and by tests; connection-time verification is done by `node:tls` in the runtime adapters.
 *
 * @module
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { formatIpAddress } from "./ip_address.ts";
import { CRYPTO_ENGINE, KEY_USAGE_NAMES, OID, parseCertificateDer } from "./_x509.ts";
import { CertificateVerificationError, TlsMaterialError } from "./errors.ts";
import { anyDnsNameMatches, dnsNameWithinConstraint } from "./naming.ts";
import { bytesEqual, bytesToHex, decodeFirstPem, decodePem } from "./pem.ts";

/** Short names of the subject attributes we report. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  [OID.country]: "C",
  [OID.province]: "ST",
  [OID.locality]: "L",
  [OID.streetAddress]: "street",
  [OID.postalCode]: "postalCode",
  [OID.organization]: "O",
  [OID.commonName]: "CN",
};

const PURPOSE_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
};

/** What a certificate says, decoded. */
export interface CertificateInfo {
  /** Subject common name, `""` when absent. */
  readonly commonName: string;
  /** Subject attributes by short name (C, ST, L, street, postalCode, O, CN; else the OID). */
  readonly subject: Readonly<Record<string, string>>;
  /** Issuer common name, `""` when absent. */
  readonly issuerCommonName: string;
  /** DNS subject alternative names, in certificate order. */
  readonly dnsNames: readonly string[];
  /** IP subject alternative names as text, in certificate order. */
  readonly ipAddresses: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** BasicConstraints cA flag. */
  readonly isCa: boolean;
  readonly serial: bigint;
  /** KeyUsage bits by name (e.g. `"digitalSignature"`), empty when the extension is absent. */
  readonly keyUsage: readonly string[];
  /** Extended key usages (`"serverAuth"`, `"clientAuth"`, else the OID), in order. */
  readonly extKeyUsage: readonly string[];
  /** Permitted DNS name constraints, empty when none. */
  readonly permittedDnsDomains: readonly string[];
  /** Subject key identifier as lower-case hex, `null` when absent. */
  readonly subjectKeyId: string | null;
  /** Authority key identifier as lower-case hex, `null` when absent. */
  readonly authorityKeyId: string | null;
  /** OIDs of the extensions marked critical. */
  readonly criticalExtensions: readonly string[];
}

/** Options for {@linkcode verifyChain}. */
export interface VerifyChainOptions {
  /** The certificate must hold a DNS SAN covering this name (wildcards honoured). */
  readonly dnsName?: string;
  /** The instant to check validity at, in Unix milliseconds or as a Date. */
  readonly now: number | Date;
  /** When the leaf lists extended key usages, one must be this. */
  readonly usage?: "serverAuth" | "clientAuth";
}

/**
 * Decodes the first certificate in `pem`.
 *
 * @throws {TlsMaterialError} when `pem` holds no parsable certificate.
 */
export function inspectCertificate(pem: string): CertificateInfo {
  const block = decodeFirstPem(pem, { labels: ["CERTIFICATE"], what: "a certificate" });
  return describe(parseCertificateDer(block.der));
}

/**
 * Checks that the first certificate in `leafPem` was signed by a CA in `caPem` and, at `now`,
 * both are valid, the leaf obeys the CA's DNS name constraints, and (when asked) it holds
 * `dnsName` and allows `usage`.
 *
 * @throws {CertificateVerificationError} saying which check failed.
 * @throws {TlsMaterialError} when either PEM holds no parsable certificate.
 */
export async function verifyChain(
  leafPem: string,
  caPem: string,
  options: VerifyChainOptions,
): Promise<void> {
  const leaf = parseCertificateDer(
    decodeFirstPem(leafPem, { labels: ["CERTIFICATE"], what: "a certificate" }).der,
  );
  const cas = decodePem(caPem)
    .filter((block) => block.label === "CERTIFICATE")
    .map((block) => parseCertificateDer(block.der));
  if (cas.length === 0) throw new TlsMaterialError("The CA PEM holds no CERTIFICATE block");
  const info = describe(leaf);
  const ca = await findIssuer(leaf, info, cas);
  const caInfo = describe(ca);
  const nowMs = typeof options.now === "number" ? options.now : options.now.getTime();
  checkValidity(caInfo, nowMs, "CA certificate");
  checkValidity(info, nowMs, "certificate");
  for (const name of info.dnsNames) {
    const permitted = caInfo.permittedDnsDomains;
    if (permitted.length > 0 && !permitted.some((c) => dnsNameWithinConstraint(name, c))) {
      throw new CertificateVerificationError(
        `Certificate name "${name}" is outside the CA's name constraints ` +
          `(${permitted.join(", ")})`,
      );
    }
  }
  if (options.dnsName !== undefined && !anyDnsNameMatches(info.dnsNames, options.dnsName)) {
    throw new CertificateVerificationError(
      `Certificate is valid for ${info.dnsNames.join(", ") || "no DNS names"}, ` +
        `not ${options.dnsName}`,
    );
  }
  if (options.usage && info.extKeyUsage.length > 0 && !info.extKeyUsage.includes(options.usage)) {
    throw new CertificateVerificationError(
      `Certificate allows ${info.extKeyUsage.join(", ")}, not ${options.usage}`,
    );
  }
}

async function findIssuer(
  leaf: pkijs.Certificate,
  info: CertificateInfo,
  cas: readonly pkijs.Certificate[],
): Promise<pkijs.Certificate> {
  const issuerDer = new Uint8Array(leaf.issuer.toSchema().toBER());
  const named = cas.filter((ca) =>
    bytesEqual(new Uint8Array(ca.subject.toSchema().toBER()), issuerDer)
  );
  if (named.length === 0) {
    const caNames = cas.map((ca) => `"${describe(ca).commonName}"`).join(", ");
    throw new CertificateVerificationError(
      `Certificate was issued by "${info.issuerCommonName}", not by the given CA (${caNames})`,
    );
  }
  for (const ca of named) {
    const caInfo = describe(ca);
    if (!caInfo.isCa) continue;
    if (caInfo.keyUsage.length > 0 && !caInfo.keyUsage.includes("keyCertSign")) continue;
    if (await leaf.verify(ca, CRYPTO_ENGINE)) return ca;
  }
  throw new CertificateVerificationError(
    `Certificate signature does not verify against the CA "${info.issuerCommonName}" ` +
      "(or that certificate is not allowed to sign certificates)",
  );
}

function checkValidity(info: CertificateInfo, nowMs: number, what: string): void {
  if (nowMs < info.notBefore.getTime()) {
    throw new CertificateVerificationError(
      `The ${what} "${info.commonName}" is not valid before ${info.notBefore.toISOString()}`,
    );
  }
  if (nowMs > info.notAfter.getTime()) {
    throw new CertificateVerificationError(
      `The ${what} "${info.commonName}" expired at ${info.notAfter.toISOString()}`,
    );
  }
}

function describe(certificate: pkijs.Certificate): CertificateInfo {
  const subject = nameAttributes(certificate.subject);
  const extensions = certificate.extensions ?? [];
  const parsed = (oid: string): unknown =>
    extensions.find((extension) => extension.extnID === oid)?.parsedValue;
  const altNames = parsed(OID.subjectAltName) as pkijs.AltName | undefined;
  const basic = parsed(OID.basicConstraints) as pkijs.BasicConstraints | undefined;
  const eku = parsed(OID.extKeyUsage) as pkijs.ExtKeyUsage | undefined;
  const constraints = parsed(OID.nameConstraints) as pkijs.NameConstraints | undefined;
  const ski = parsed(OID.subjectKeyId) as asn1js.OctetString | undefined;
  const aki = parsed(OID.authorityKeyId) as pkijs.AuthorityKeyIdentifier | undefined;
  const names = altNames?.altNames ?? [];
  return {
    commonName: subject.CN ?? "",
    subject,
    issuerCommonName: nameAttributes(certificate.issuer).CN ?? "",
    dnsNames: names.filter((name) => name.type === 2).map((name) => String(name.value)),
    ipAddresses: names
      .filter((name) => name.type === 7)
      .map((name) => formatIpAddress(octets(name.value as asn1js.OctetString))),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    isCa: basic?.cA === true,
    serial: BigInt(`0x${bytesToHex(certificate.serialNumber.valueBlock.valueHexView) || "0"}`),
    keyUsage: keyUsageNames(parsed(OID.keyUsage) as asn1js.BitString | undefined),
    extKeyUsage: (eku?.keyPurposes ?? []).map((oid) => PURPOSE_NAMES[oid] ?? oid),
    permittedDnsDomains: (constraints?.permittedSubtrees ?? [])
      .filter((subtree) => subtree.base.type === 2)
      .map((subtree) => String(subtree.base.value)),
    subjectKeyId: ski ? bytesToHex(octets(ski)) : null,
    authorityKeyId: aki?.keyIdentifier ? bytesToHex(octets(aki.keyIdentifier)) : null,
    criticalExtensions: extensions.filter((e) => e.critical).map((e) => e.extnID),
  };
}

function nameAttributes(name: pkijs.RelativeDistinguishedNames): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { type, value } of name.typesAndValues) {
    attributes[ATTRIBUTE_NAMES[type] ?? type] = String(value.valueBlock.value);
  }
  return attributes;
}

function keyUsageNames(bits: asn1js.BitString | undefined): string[] {
  if (!bits) return [];
  const bytes = bits.valueBlock.valueHexView;
  return KEY_USAGE_NAMES.filter((_, bit) =>
    (bytes[Math.floor(bit / 8)] ?? 0) & (0x80 >> (bit % 8))
  );
}

function octets(value: asn1js.OctetString): Uint8Array {
  return new Uint8Array(value.valueBlock.valueHexView);
}
