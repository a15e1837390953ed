/**
 * TLS settings for server-to-server RPC, built from the agent's configured CA, certificate
 * and key (`tls.internal_rpc` with `tls.defaults` filled in).
 *
 * Consulate requires mutual TLS between servers (Consul's ALPN-RPC rules, §8 of the facts):
 * - the server end always requires a client certificate that chains to the CA, whatever
 *   `verify_incoming` says, and offers Consul's ALPN list;
 * - the client end always presents its certificate and verifies the server's chain and name:
 *   `<node>.server.<dc>.<domain>`, or `server.<dc>.<domain>` when any server will do.
 *
 * The server end does not check the SNI it receives nor which datacenter the client
 * certificate names: Consul checks the chain only, and so do we. Anyone holding a certificate
 * from the agent CA (which issues only to agents) may call. This file only builds options
 * and reads files; it opens no sockets.
 *
 * @module
 */

import type { FileSystem, TlsClientOptions, TlsServerOptions } from "../runtime/ports.ts";
import { serverSni, verifyChain } from "../tls/mod.ts";
import { RPC_NEXT_PROTOS } from "./alpn.ts";

/** Consul's `limits.rpc_handshake_timeout` default: first byte plus TLS handshake. */
export const DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS = 5_000;

/** Client-side TLS handshake limit for server-to-server dials. */
export const DEFAULT_RPC_CLIENT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Largest CA bundle, certificate or key file read (PEM text). */
export const MAX_TLS_FILE_BYTES = 1024 * 1024;

/** The PEM material a server uses on both ends of server RPC. */
export interface RpcTlsMaterial {
  /** PEM CA bundle every peer certificate must chain to. */
  readonly caPem: string;
  /** PEM certificate (chain) this server presents, as server and as client. */
  readonly certPem: string;
  /** PEM private key of `certPem`. */
  readonly keyPem: string;
}

/** Where the material lives: the configured file paths (`null` when unset). */
export interface RpcTlsFiles {
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
}

/** Configured TLS material that cannot be used for server RPC; the message says what to fix. */
export class RpcTlsConfigError extends Error {
  /** Builds the error with an actionable sentence. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RpcTlsConfigError";
  }
}

const FILE_KEYS = [
  ["caFile", "ca_file"],
  ["certFile", "cert_file"],
  ["keyFile", "key_file"],
] as const;

/**
 * Reads the CA, certificate and key files.
 * @throws {RpcTlsConfigError} when a path is unset, unreadable, too large or holds no PEM.
 */
export async function loadRpcTlsMaterial(
  fs: FileSystem,
  files: RpcTlsFiles,
): Promise<RpcTlsMaterial> {
  const texts: string[] = [];
  for (const [field, key] of FILE_KEYS) {
    const path = files[field];
    if (path === null || path === "") {
      throw new RpcTlsConfigError(
        `tls.internal_rpc.${key} (or tls.defaults.${key}) is not set; Consulate servers ` +
          "talk to each other only over mutual TLS, so a server needs a CA, a certificate and a key",
      );
    }
    texts.push(await readPemFile(fs, path, key));
  }
  const [caPem, certPem, keyPem] = texts;
  return { caPem, certPem, keyPem };
}

async function readPemFile(fs: FileSystem, path: string, key: string): Promise<string> {
  const info = await fs.stat(path).catch(() => null);
  if (info === null || !info.isFile) {
    throw new RpcTlsConfigError(`tls ${key} "${path}" does not exist or is not a file`);
  }
  if (info.size > MAX_TLS_FILE_BYTES) {
    throw new RpcTlsConfigError(
      `tls ${key} "${path}" is ${info.size} bytes; PEM files above ${MAX_TLS_FILE_BYTES} bytes ` +
        "are refused",
    );
  }
  let text: string;
  try {
    text = await fs.readTextFile(path);
  } catch (error) {
    throw new RpcTlsConfigError(`Could not read tls ${key} "${path}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!text.includes("-----BEGIN ")) {
    throw new RpcTlsConfigError(`tls ${key} "${path}" holds no PEM block`);
  }
  return text;
}

/**
 * Checks that this server's certificate chains to the CA and names it as a server of `dc`
 * (`server.<dc>.<domain>`, and `<node>.server.<dc>.<domain>` when `node` is given), so a
 * misissued certificate fails at start-up instead of on every peer's handshake.
 * @throws {RpcTlsConfigError} naming the failed check.
 */
export async function checkServerCertificate(
  material: RpcTlsMaterial,
  options: { dc: string; domain: string; node?: string; nowMs: number },
): Promise<void> {
  const names = [serverSni(options.dc, options.domain)];
  if (options.node !== undefined) names.push(serverSni(options.dc, options.domain, options.node));
  for (const dnsName of names) {
    try {
      await verifyChain(material.certPem, material.caPem, { dnsName, now: options.nowMs });
    } catch (error) {
      throw new RpcTlsConfigError(
        `The server certificate cannot serve RPC as ${dnsName}: ${messageOf(error)}. ` +
          `Issue one with "consulate tls cert create -server -dc ${options.dc}` +
          `${options.node === undefined ? "" : ` -node ${options.node}`}"`,
        { cause: error },
      );
    }
  }
}

/** Server-end options of the RPC port's native TLS: forced mTLS and Consul's ALPN list. */
export function rpcServerTlsOptions(
  material: RpcTlsMaterial,
  options: { handshakeTimeoutMs?: number } = {},
): TlsServerOptions {
  return {
    caPem: material.caPem,
    certPem: material.certPem,
    keyPem: material.keyPem,
    alpnProtocols: RPC_NEXT_PROTOS,
    requireClientCert: true,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS,
  };
}

/** What a dial to another server names. */
export interface RpcDialTarget {
  /** The server's datacenter. */
  readonly dc: string;
  /** The server's node name; `""` or `"*"` accepts any server of `dc`. */
  readonly node: string;
  /** The one ALPN protocol asked for, e.g. `consul/rpc-multi`. */
  readonly alpn: string;
}

/**
 * Client-end options for dialing a server: SNI and verified name
 * `<node>.server.<dc>.<domain>` (see `serverSni`), our certificate, one ALPN protocol.
 */
export function rpcClientTlsOptions(
  material: RpcTlsMaterial,
  target: RpcDialTarget,
  options: { domain: string; handshakeTimeoutMs?: number },
): TlsClientOptions {
  return {
    caPem: material.caPem,
    certPem: material.certPem,
    keyPem: material.keyPem,
    serverName: serverSni(target.dc, options.domain, target.node),
    verifyHostname: true,
    alpnProtocols: [target.alpn],
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_RPC_CLIENT_HANDSHAKE_TIMEOUT_MS,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
