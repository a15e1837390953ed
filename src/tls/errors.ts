/**
 * Typed errors for TLS material that came from outside (files, flags, peers).
 *
 * @module
 */

/** PEM, DER, key or name input that cannot be used; the message says what to fix. */
export class TlsMaterialError extends Error {
  override readonly name = "TlsMaterialError";
}

/** A certificate that does not verify against a CA, a time or a name. */
export class CertificateVerificationError extends Error {
  override readonly name = "CertificateVerificationError";
}
