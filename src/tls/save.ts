/**
 * Saving a certificate and its key through the {@linkcode FileSystem} port without ever
 * overwriting an existing file or leaving a certificate without its key.
 *
 * @module
 */
import type { FileSystem } from "../runtime/ports.ts";
import type { CertificateAndKey } from "./ca.ts";

/** Permissions of private key files: owner read/write only. */
export const KEY_FILE_MODE = 0o600;
/** Permissions of certificate files: public material, readable by all. */
export const CERT_FILE_MODE = 0o644;

/** Where to save a certificate and its key. */
export interface SavePaths {
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * Writes the certificate, then the key (mode 0600), each only if no file exists there yet.
 * When the key cannot be written the certificate just written is removed again.
 *
 * @throws the file system's error (e.g. the file already exists); nothing is left behind.
 */
export async function saveCertificateAndKey(
  fs: FileSystem,
  material: CertificateAndKey,
  paths: SavePaths,
): Promise<void> {
  await fs.writeFile(paths.certPath, material.certPem, { exclusive: true, mode: CERT_FILE_MODE });
  try {
    await fs.writeFile(paths.keyPath, material.keyPem, { exclusive: true, mode: KEY_FILE_MODE });
  } catch (error) {
    await fs.remove(paths.certPath).catch(() => {});
    throw error;
  }
}
