/**
 * Gossip encryption keys as Consul handles them: the `encrypt` setting is the base64 of a 16, 24
 * or 32 byte AES key; a keyring holds several keys, the first (primary) encrypts and every one
 * is tried to decrypt, which is what lets an operator rotate keys without a split: install the
 * new key everywhere, make it primary everywhere, then remove the old one.
 *
 * The keyring does no I/O: the caller persists it (Consul keeps `serf/local.keyring`, a JSON
 * array of base64 keys) by listening to `onChange` and reading `toFileText()`.
 *
 * @module
 */

/** Allowed raw key sizes: AES-128, AES-192, AES-256. */
export const GOSSIP_KEY_SIZES_BYTES: readonly number[] = [16, 24, 32];
/** Most keys one keyring holds. */
export const MAX_KEYRING_KEYS = 32;

/** Raised for a key that is not valid base64 or not of an allowed size. */
export class GossipKeyError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "GossipKeyError";
  }
}

/** Raised when a keyring operation is not allowed (unknown key, removing the primary, ...). */
export class KeyringError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes an `encrypt` key (standard base64 with padding) and checks its size.
 * @throws {GossipKeyError} "Failed to decode encryption key: ..." or "Invalid key size ...".
 */
export function decodeGossipKey(key: string): Uint8Array {
  const bad = firstBadBase64Byte(key);
  if (bad !== null) {
    throw new GossipKeyError(
      `Failed to decode encryption key: illegal base64 data at input byte ${bad}`,
    );
  }
  const raw = Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
  if (!GOSSIP_KEY_SIZES_BYTES.includes(raw.byteLength)) {
    throw new GossipKeyError(
      `Invalid key size: the key decodes to ${raw.byteLength} bytes; it must be 16, 24 or 32 ` +
        "bytes (use 32 random bytes in base64, e.g. from `consul keygen`)",
    );
  }
  return raw;
}

/** The base64 text of a raw key (the form `encrypt` and the keyring file use). */
export function encodeGossipKey(raw: Uint8Array): string {
  let text = "";
  for (const byte of raw) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Position of the first byte Go's strict base64 decoder would reject, or null when valid. */
function firstBadBase64Byte(key: string): number | null {
  if (key.length % 4 === 0 && BASE64_PATTERN.test(key)) return null;
  for (let i = 0; i < key.length; i++) {
    if (!/[A-Za-z0-9+/=]/.test(key[i])) return i;
    if (key[i] === "=" && i < key.length - 2) return i;
  }
  // Right alphabet, wrong length: Go reports the end of the last whole quantum.
  return key.length - (key.length % 4);
}

/** A snapshot of a keyring: keys in base64, primary first. */
export interface KeyringListing {
  readonly primaryKey: string;
  readonly keys: readonly string[];
}

/** Encryption keys for one gossip pool: a primary key plus keys still accepted. */
export class Keyring {
  #keys: { text: string; raw: Uint8Array }[];
  readonly #listeners = new Set<() => void>();

  private constructor(keys: { text: string; raw: Uint8Array }[]) {
    this.#keys = keys;
  }

  /**
   * Builds a keyring from base64 keys, the first becoming primary (duplicates dropped).
   * @throws {GossipKeyError} for an invalid key.
   * @throws {KeyringError} when `keys` is empty or too long.
   */
  static fromKeys(keys: readonly string[]): Keyring {
    if (keys.length === 0) throw new KeyringError("A keyring needs at least one key");
    const entries: { text: string; raw: Uint8Array }[] = [];
    for (const text of keys) {
      const raw = decodeGossipKey(text);
      const canonical = encodeGossipKey(raw);
      if (!entries.some((e) => e.text === canonical)) entries.push({ text: canonical, raw });
    }
    if (entries.length > MAX_KEYRING_KEYS) {
      throw new KeyringError(`A keyring holds at most ${MAX_KEYRING_KEYS} keys`);
    }
    return new Keyring(entries);
  }

  /**
   * Reads a keyring file (a JSON array of base64 keys, primary first).
   * @throws {KeyringError} when the text is not such an array; {@linkcode GossipKeyError}
   *   for an invalid key.
   */
  static fromFileText(text: string, fileName = "keyring file"): Keyring {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new KeyringError(`Failed to read ${fileName}: not JSON (${reason})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((k) => typeof k === "string")) {
      throw new KeyringError(`Failed to read ${fileName}: expected a JSON array of base64 keys`);
    }
    return Keyring.fromKeys(parsed);
  }

  /** The key that encrypts outgoing traffic. */
  get primaryKey(): string {
    return this.#keys[0].text;
  }

  /** Every key (base64), primary first. */
  list(): KeyringListing {
    return { primaryKey: this.primaryKey, keys: this.#keys.map((k) => k.text) };
  }

  /** Raw keys, primary first (the order decryption tries them in). */
  rawKeys(): readonly Uint8Array[] {
    return this.#keys.map((k) => k.raw);
  }

  /**
   * Adds a key that is accepted for decryption; a key already present is left as it is.
   * @throws {GossipKeyError} for an invalid key; {@linkcode KeyringError} when full.
   */
  install(key: string): void {
    const raw = decodeGossipKey(key);
    const text = encodeGossipKey(raw);
    if (this.#keys.some((k) => k.text === text)) return;
    if (this.#keys.length >= MAX_KEYRING_KEYS) {
      throw new KeyringError(
        `The keyring already holds ${MAX_KEYRING_KEYS} keys; remove one before installing`,
      );
    }
    this.#keys = [...this.#keys, { text, raw }];
    this.#changed();
  }

  /**
   * Makes an installed key the primary key.
   * @throws {KeyringError} when the key is not in the keyring.
   */
  use(key: string): void {
    const index = this.#indexOf(key);
    if (index < 0) throw new KeyringError("Requested key is not in the keyring");
    if (index === 0) return;
    const chosen = this.#keys[index];
    this.#keys = [chosen, ...this.#keys.filter((_, i) => i !== index)];
    this.#changed();
  }

  /**
   * Removes a key that is not primary; removing an absent key does nothing.
   * @throws {KeyringError} for the primary key.
   */
  remove(key: string): void {
    const index = this.#indexOf(key);
    if (index < 0) return;
    if (index === 0) throw new KeyringError("Removing the primary key is not allowed");
    this.#keys = this.#keys.filter((_, i) => i !== index);
    this.#changed();
  }

  /** The keyring file text: a JSON array of base64 keys, primary first. */
  toFileText(): string {
    return JSON.stringify(this.#keys.map((k) => k.text), null, 2) + "\n";
  }

  /** Calls `listener` after every change (to persist the keyring); returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #indexOf(key: string): number {
    const text = encodeGossipKey(decodeGossipKey(key));
    return this.#keys.findIndex((k) => k.text === text);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
