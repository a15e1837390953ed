/**
 * Consulate's TLS tooling: issuing the agent CA and server/client/CLI certificates the way
 * `consul tls ca create` and `consul tls cert create` do (EC P-256, Consul's names, SANs and
 * usages), reading certificates back, verifying them against a CA, and the server-name rules
 * (`<node>.server.<dc>.<domain>`) shared by dialers, gateways and certificates.
 *
 * Built on pkijs and asn1js over WebCrypto, so it runs unchanged on Deno and Bun. It is not a
 * TLS implementation and opens no sockets: connections use `node:tls` inside the runtime
 * adapters, and the only I/O here is {@linkcode saveCertificateAndKey} through the
 * `FileSystem` port.
 *
 * @example
 * ```ts
 * import { createCa, createLeafCert, verifyChain } from "./mod.ts";
 * const ca = await createCa({ domain: "consul", clock, random });
 * const server = await createLeafCert({
 *   kind: "server", dc: "dc1", domain: "consul", node: "n1",
 *   caCertPem: ca.certPem, caKeyPem: ca.keyPem, clock, random,
 * });
 * await verifyChain(server.certPem, ca.certPem, { dnsName: "n1.server.dc1.consul", now: clock.now() });
 * ```
 *
 * @module
 */
export { CertificateVerificationError, TlsMaterialError } from "./errors.ts";
export {
  CA_ORGANIZATION,
  type CertificateAndKey,
  createCa,
  type CreateCaOptions,
  DEFAULT_CA_DAYS,
} from "./ca.ts";
export {
  createLeafCert,
  type CreateLeafCertOptions,
  DEFAULT_LEAF_DAYS,
  type LeafKind,
  type LeafProfile,
  leafProfile,
} from "./cert.ts";
export {
  type CertificateInfo,
  inspectCertificate,
  verifyChain,
  type VerifyChainOptions,
} from "./inspect.ts";
export { exportSec1Pem, generateEcKeyPair, importEcPrivateKeyPem, keyIdentifier } from "./keys.ts";
export {
  anyDnsNameMatches,
  dnsNameMatches,
  dnsNameWithinConstraint,
  isDnsLabel,
  parseServerSni,
  serverSni,
  type ServerSniName,
  trimDomain,
  validateDatacenter,
  validateDomain,
  validateNodeName,
  validateSanDnsName,
} from "./naming.ts";
export { decodePem, encodePem, type PemBlock } from "./pem.ts";
export { formatIpAddress, parseIpAddress } from "./ip_address.ts";
export { CERT_FILE_MODE, KEY_FILE_MODE, saveCertificateAndKey, type SavePaths } from "./save.ts";
