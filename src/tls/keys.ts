/**
 * EC P-256 keys: generation through WebCrypto and the SEC 1 ("EC PRIVATE KEY") PEM form that
 * Consul writes and that both runtimes' `node:tls` read.
 *
 * WebCrypto only speaks PKCS#8 and JWK, so this file converts: SEC 1 out via the JWK fields,
 * SEC 1 in by wrapping it in a PKCS#8 envelope.
 *
 * @module
 */
import * as asn1js from "asn1js";
import { TlsMaterialError } from "./errors.ts";
import { decodeFirstPem, encodePem, toArrayBuffer } from "./pem.ts";

/** OID of `id-ecPublicKey`. */
const EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1";
/** OID of the P-256 curve (`prime256v1` / `secp256r1`). */
export const P256_CURVE_OID = "1.2.840.10045.3.1.7";
/** Bytes in a P-256 private scalar. */
const P256_SCALAR_BYTES = 32;

const EC_ALGORITHM: EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };

/** A freshly generated signing key pair (private key extractable so it can be saved). */
export interface EcKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** Generates a new ECDSA P-256 key pair. */
export async function generateEcKeyPair(): Promise<EcKeyPair> {
  const pair = await crypto.subtle.generateKey(EC_ALGORITHM, true, ["sign", "verify"]);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The DER SubjectPublicKeyInfo of a public key. */
export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
}

/**
 * Consul's key identifier: SHA-256 over the DER SubjectPublicKeyInfo. RFC 5280 suggests SHA-1
 * over the key bits only; Consul's choice is kept so identifiers match across tools.
 */
export async function keyIdentifier(spkiDer: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", toArrayBuffer(spkiDer)));
}

/** The DER SubjectPublicKeyInfo belonging to a P-256 private key (to match it to a cert). */
export async function spkiOfPrivateKey(privateKey: CryptoKey): Promise<Uint8Array> {
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, EC_ALGORITHM, true, [
    "verify",
  ]);
  return exportSpki(publicKey);
}

/** Encodes a P-256 private key as a PEM "EC PRIVATE KEY" (SEC 1, with curve and public key). */
export async function exportSec1Pem(privateKey: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (jwk.crv !== "P-256" || !jwk.d || !jwk.x || !jwk.y) {
    throw new Error(`exportSec1Pem needs a P-256 private key, got curve ${jwk.crv}`);
  }
  const point = new Uint8Array(1 + 2 * P256_SCALAR_BYTES);
  point[0] = 0x04; // uncompressed point
  point.set(base64UrlToBytes(jwk.x), 1);
  point.set(base64UrlToBytes(jwk.y), 1 + P256_SCALAR_BYTES);
  const sec1 = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(base64UrlToBytes(jwk.d)) }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.ObjectIdentifier({ value: P256_CURVE_OID })],
      }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [new asn1js.BitString({ valueHex: toArrayBuffer(point), unusedBits: 0 })],
      }),
    ],
  });
  return encodePem("EC PRIVATE KEY", new Uint8Array(sec1.toBER()));
}

/**
 * Imports a P-256 signing key from PEM: "EC PRIVATE KEY" (SEC 1) or "PRIVATE KEY" (PKCS#8).
 *
 * @throws {TlsMaterialError} when the PEM holds no such key, or a key on another curve.
 */
export async function importEcPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const block = decodeFirstPem(pem, {
    labels: ["EC PRIVATE KEY", "PRIVATE KEY"],
    what: "an EC private key",
  });
  const pkcs8 = block.label === "PRIVATE KEY" ? block.der : wrapSec1InPkcs8(block.der);
  try {
    return await crypto.subtle.importKey("pkcs8", toArrayBuffer(pkcs8), EC_ALGORITHM, true, [
      "sign",
    ]);
  } catch (error) {
    throw new TlsMaterialError(
      `The private key is not a usable EC P-256 key (${(error as Error).message}); ` +
        "Consulate signs with P-256 keys such as those from `consulate tls ca create`",
    );
  }
}

/** Builds the PKCS#8 PrivateKeyInfo around a SEC 1 ECPrivateKey so WebCrypto can import it. */
function wrapSec1InPkcs8(sec1Der: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(toArrayBuffer(sec1Der));
  const sequence = parsed.result;
  if (parsed.offset === -1 || !(sequence instanceof asn1js.Sequence)) {
    throw new TlsMaterialError("The EC PRIVATE KEY block is not valid DER");
  }
  const params = sequence.valueBlock.value.find((item) =>
    item.idBlock.tagClass === 3 && item.idBlock.tagNumber === 0
  );
  const curve = params instanceof asn1js.Constructed ? params.valueBlock.value[0] : undefined;
  if (curve instanceof asn1js.ObjectIdentifier && curve.valueBlock.toString() !== P256_CURVE_OID) {
    throw new TlsMaterialError(
      `The EC private key uses curve ${curve.valueBlock.toString()}; only P-256 ` +
        `(${P256_CURVE_OID}) is supported`,
    );
  }
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: EC_PUBLIC_KEY_OID }),
          new asn1js.ObjectIdentifier({ value: P256_CURVE_OID }),
        ],
      }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(sec1Der) }),
    ],
  });
  return new Uint8Array(info.toBER());
}

function base64UrlToBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}
