/**
 * Private X.509 building blocks shared by CA and leaf issuance: OIDs, serials, times, names,
 * extensions and signing. Encodings follow what Go's `crypto/x509` emits for Consul, so our
 * certificates look like Consul's to any tool that inspects them.
 *
 * @module
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { Clock, Random } from "../runtime/ports.ts";
import { TlsMaterialError } from "./errors.ts";
import { toArrayBuffer } from "./pem.ts";

/** Object identifiers used by Consulate certificates. */
export const OID = {
  country: "2.5.4.6",
  province: "2.5.4.8",
  locality: "2.5.4.7",
  streetAddress: "2.5.4.9",
  postalCode: "2.5.4.17",
  organization: "2.5.4.10",
  commonName: "2.5.4.3",
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  authorityKeyId: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** KeyUsage bit positions (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

/** Names of the KeyUsage bits, by position, for reporting. */
export const KEY_USAGE_NAMES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

/** Random bytes in a serial number: 128 bits, as Consul uses. */
const SERIAL_BYTES = 16;
const MS_PER_DAY = 86_400_000;
/** Certificates valid for longer than this are refused: a typo guard, not a policy. */
export const MAX_VALIDITY_DAYS = 100 * 365;
/** First year RFC 5280 encodes as GeneralizedTime instead of UTCTime. */
const GENERALIZED_TIME_FROM_YEAR = 2050;

/** The crypto engine pkijs uses; built on the WebCrypto present in both runtimes. */
export const CRYPTO_ENGINE: pkijs.ICryptoEngine = new pkijs.CryptoEngine({
  name: "webcrypto",
  crypto: globalThis.crypto,
});

/** A serial number as DER INTEGER content bytes and as a number. */
export interface Serial {
  readonly value: bigint;
  readonly integer: asn1js.Integer;
}

/** A random positive 128-bit serial number, drawn from the `Random` port. */
export function randomSerial(random: Random): Serial {
  const bytes = random.bytes(SERIAL_BYTES);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  // Zero is not a valid serial (RFC 5280 §4.1.2.2); the chance is 2^-128 but cost is nil.
  if (value === 0n) value = 1n;
  return { value, integer: integerFromBigInt(value) };
}

/** Encodes a non-negative bigint as a minimal DER INTEGER. */
export function integerFromBigInt(value: bigint): asn1js.Integer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // A leading 1 bit would make the INTEGER negative, so DER needs a 0x00 byte in front.
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const bytes = Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
  return new asn1js.Integer({ valueHex: toArrayBuffer(bytes) });
}

/** NotBefore/NotAfter for a certificate issued now and valid for `days` days. */
export function validityWindow(clock: Clock, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALIDITY_DAYS) {
    throw new TlsMaterialError(
      `Validity of ${days} days is not allowed; give a whole number of days from 1 to ` +
        `${MAX_VALIDITY_DAYS}`,
    );
  }
  // X.509 times have one-second resolution; truncating keeps NotBefore at or before now.
  const nowMs = Math.floor(clock.now() / 1000) * 1000;
  return { notBefore: new Date(nowMs), notAfter: new Date(nowMs + days * MS_PER_DAY) };
}

/** A pkijs Time in the encoding RFC 5280 requires for that year. */
export function certificateTime(date: Date): pkijs.Time {
  const type = date.getUTCFullYear() >= GENERALIZED_TIME_FROM_YEAR
    ? pkijs.TimeType.GeneralizedTime
    : pkijs.TimeType.UTCTime;
  return new pkijs.Time({ type, value: date });
}

/**
 * Builds a distinguished name with one attribute per RDN, in the order given. (pkijs would put
 * all attributes into a single multi-valued RDN, which is not what Go or OpenSSL write.)
 */
export function buildName(
  attributes: readonly (readonly [oid: string, value: string])[],
): pkijs.RelativeDistinguishedNames {
  const sequence = new asn1js.Sequence({
    value: attributes.map(([type, value]) =>
      new asn1js.Set({
        value: [
          new pkijs.AttributeTypeAndValue({ type, value: directoryString(value) }).toSchema(),
        ],
      })
    ),
  });
  // Decoding from DER makes pkijs keep these exact bytes when it re-encodes the name.
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER());
}

/** PrintableString when the text allows it (as Go does), else UTF8String. */
function directoryString(value: string): asn1js.PrintableString | asn1js.Utf8String {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)
    ? new asn1js.PrintableString({ value })
    : new asn1js.Utf8String({ value });
}

/** Wraps an ASN.1 value as an extension. */
export function extension(
  extnID: string,
  critical: boolean,
  value: { toBER(): ArrayBuffer } | { toSchema(): { toBER(): ArrayBuffer } },
): pkijs.Extension {
  const schema = "toSchema" in value ? value.toSchema() : value;
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER() });
}

/** KeyUsage extension (critical) with the given bits set. */
export function keyUsageExtension(bits: readonly number[]): pkijs.Extension {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  const unusedBits = 7 - (highest % 8);
  const bitString = new asn1js.BitString({ valueHex: toArrayBuffer(bytes), unusedBits });
  return extension(OID.keyUsage, true, bitString);
}

/** BasicConstraints extension (critical), as Go marks it. */
export function basicConstraintsExtension(isCa: boolean): pkijs.Extension {
  return extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: isCa }));
}

/** ExtendedKeyUsage extension (not critical). */
export function extKeyUsageExtension(purposes: readonly string[]): pkijs.Extension {
  return extension(OID.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [...purposes] }));
}

/** SubjectKeyIdentifier extension. */
export function subjectKeyIdExtension(keyId: Uint8Array): pkijs.Extension {
  return extension(
    OID.subjectKeyId,
    false,
    new asn1js.OctetString({ valueHex: toArrayBuffer(keyId) }),
  );
}

/** AuthorityKeyIdentifier extension holding only the key identifier. */
export function authorityKeyIdExtension(keyId: Uint8Array): pkijs.Extension {
  const value = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(keyId) }),
  });
  return extension(OID.authorityKeyId, false, value);
}

/** SubjectAltName extension: DNS names first, then IP addresses, each in the order given. */
export function subjectAltNameExtension(
  dnsNames: readonly string[],
  ipAddresses: readonly Uint8Array[],
): pkijs.Extension {
  const altNames = [
    ...dnsNames.map((name) => new pkijs.GeneralName({ type: 2, value: name })),
    ...ipAddresses.map((ip) =>
      new pkijs.GeneralName({
        type: 7,
        value: new asn1js.OctetString({ valueHex: toArrayBuffer(ip) }),
      })
    ),
  ];
  return extension(OID.subjectAltName, false, new pkijs.AltName({ altNames }));
}

/** NameConstraints extension (critical) permitting only the given DNS domains. */
export function nameConstraintsExtension(permittedDns: readonly string[]): pkijs.Extension {
  const value = new pkijs.NameConstraints({
    permittedSubtrees: permittedDns.map((name) =>
      new pkijs.GeneralSubtree({ base: new pkijs.GeneralName({ type: 2, value: name }) })
    ),
  });
  return extension(OID.nameConstraints, true, value);
}

/** Signs `certificate` with ECDSA over SHA-256 and returns its DER encoding. */
export async function signCertificate(
  certificate: pkijs.Certificate,
  signingKey: CryptoKey,
): Promise<Uint8Array> {
  certificate.version = 2; // v3
  await certificate.sign(signingKey, "SHA-256", CRYPTO_ENGINE);
  return new Uint8Array(certificate.toSchema(true).toBER());
}

/** Parses a DER certificate. */
export function parseCertificateDer(der: Uint8Array): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(toArrayBuffer(der));
  } catch (error) {
    throw new TlsMaterialError(
      `The CERTIFICATE block is not a valid X.509 certificate (${(error as Error).message})`,
    );
  }
}
