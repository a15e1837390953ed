/**
 * Issuing the agent certificate authority (what `consulate tls ca create` writes).
 *
 * @module
 */
import * as pkijs from "pkijs";
import type { Clock, Random } from "../runtime/ports.ts";
import {
  authorityKeyIdExtension,
  basicConstraintsExtension,
  buildName,
  certificateTime,
  CRYPTO_ENGINE,
  KEY_USAGE_BITS,
  keyUsageExtension,
  nameConstraintsExtension,
  OID,
  randomSerial,
  signCertificate,
  subjectKeyIdExtension,
  validityWindow,
} from "./_x509.ts";
import { exportSec1Pem, exportSpki, generateEcKeyPair, keyIdentifier } from "./keys.ts";
import { validateDomain } from "./naming.ts";
import { encodePem } from "./pem.ts";

/** Days a CA is valid for unless told otherwise (about five years, as in Consul). */
export const DEFAULT_CA_DAYS = 1825;

/**
 * Organization in the CA subject. Consul writes "HashiCorp Inc."; we keep Consul's field
 * layout (C, ST, L, street, postal code, O, CN) but name ourselves.
 */
export const CA_ORGANIZATION = "Consulate";

/** Options for {@linkcode createCa}. */
export interface CreateCaOptions {
  /** Cluster domain, e.g. `"consul"`; used for name constraints. */
  readonly domain: string;
  /** Validity in days from now. Default {@linkcode DEFAULT_CA_DAYS}. */
  readonly days?: number;
  /** Subject CN. Default `"Consul Agent CA <serial>"` with the decimal serial number. */
  readonly commonName?: string;
  /** When true, only `domain`, `localhost` and `additionalNameConstraints` may be certified. */
  readonly nameConstraints?: boolean;
  /** Extra permitted DNS domains when `nameConstraints` is on. */
  readonly additionalNameConstraints?: readonly string[];
  readonly clock: Clock;
  readonly random: Random;
}

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  /** PEM "CERTIFICATE". */
  readonly certPem: string;
  /** PEM "EC PRIVATE KEY" (SEC 1). */
  readonly keyPem: string;
}

/**
 * Creates a self-signed EC P-256 agent CA like `consul tls ca create`.
 *
 * @throws {TlsMaterialError} for an invalid domain, constraint or validity.
 * @example
 * ```ts
 * const ca = await createCa({ domain: "consul", clock, random });
 * ca.certPem; // "-----BEGIN CERTIFICATE-----..."
 * ```
 */
export async function createCa(options: CreateCaOptions): Promise<CertificateAndKey> {
  validateDomain(options.domain);
  const constraints = options.nameConstraints
    ? [options.domain, "localhost", ...(options.additionalNameConstraints ?? [])]
    : [];
  // A leading dot (".example.com") permits only subdomains, as in RFC 5280.
  constraints.forEach((name) => validateDomain(name.startsWith(".") ? name.slice(1) : name));
  const { notBefore, notAfter } = validityWindow(options.clock, options.days ?? DEFAULT_CA_DAYS);
  const serial = randomSerial(options.random);
  const keys = await generateEcKeyPair();
  const keyId = await keyIdentifier(await exportSpki(keys.publicKey));

  const subject = buildName([
    [OID.country, "US"],
    [OID.province, "CA"],
    [OID.locality, "San Francisco"],
    [OID.streetAddress, "101 Second Street"],
    [OID.postalCode, "94105"],
    [OID.organization, CA_ORGANIZATION],
    [OID.commonName, options.commonName ?? `Consul Agent CA ${serial.value}`],
  ]);
  const certificate = new pkijs.Certificate({
    serialNumber: serial.integer,
    issuer: subject,
    subject,
    notBefore: certificateTime(notBefore),
    notAfter: certificateTime(notAfter),
  });
  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey, CRYPTO_ENGINE);
  certificate.extensions = [
    keyUsageExtension([
      KEY_USAGE_BITS.digitalSignature,
      KEY_USAGE_BITS.keyCertSign,
      KEY_USAGE_BITS.cRLSign,
    ]),
    basicConstraintsExtension(true),
    subjectKeyIdExtension(keyId),
    authorityKeyIdExtension(keyId),
    ...(constraints.length > 0 ? [nameConstraintsExtension(constraints)] : []),
  ];
  const der = await signCertificate(certificate, keys.privateKey);
  return { certPem: encodePem("CERTIFICATE", der), keyPem: await exportSec1Pem(keys.privateKey) };
}
