/**
 * Gossip encryption as memberlist does it, applied as a {@linkcode GossipTransport} wrapper: the
 * SWIM core never sees ciphertext and the transport below never sees plaintext.
 *
 * Every packet, and every frame of a stream, becomes one encrypted message: a version byte, a
 * 12-byte random nonce, then AES-GCM ciphertext with its 16-byte tag (key size picks AES-128,
 * -192 or -256). Version 1 (what we send) has no padding; version 0 (older memberlist) carries
 * PKCS#7 padding, which is accepted and removed. Decryption tries every key of the
 * {@linkcode Keyring}, primary first. Anything that does not decrypt is dropped and counted: a
 * packet is ignored, a stream is closed.
 *
 * Uses WebCrypto (`crypto.subtle`), present in both runtimes. Nonces come from the `Random`
 * port, so production must pass the OS-backed one (a seeded one is for tests only).
 *
 * @module
 */

import type { Conn, Random } from "../runtime/ports.ts";
import { ByteReader } from "../runtime/streams.ts";
import { CounterSet } from "./_counters.ts";
import { frame, GossipFrameTooLargeError } from "./_stream_frame.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";
import { MAX_STREAM_MESSAGE_BYTES } from "./messages.ts";
import type { Keyring } from "./keyring.ts";
import type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";

/** The encryption version this implementation sends (memberlist's, without padding). */
export const ENCRYPTION_VERSION = 1;
/** AES-GCM nonce length. */
export const NONCE_BYTES = 12;
/** AES-GCM tag length. */
export const TAG_BYTES = 16;
/** Bytes encryption adds to a message: version, nonce and tag. */
export const ENCRYPTION_OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES;
/** Largest encrypted stream frame accepted (the largest message plus overhead and padding). */
export const MAX_ENCRYPTED_FRAME_BYTES = MAX_STREAM_MESSAGE_BYTES + ENCRYPTION_OVERHEAD_BYTES + 16;

const PADDED_VERSION = 0;
const AES_BLOCK_BYTES = 16;
const FRAME_HEADER_BYTES = 4;

/** Raised when no key of the keyring decrypts a message, or the message is malformed. */
export class GossipDecryptError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "GossipDecryptError";
  }
}

const cryptoKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function cryptoKey(raw: Uint8Array): Promise<CryptoKey> {
  let key = cryptoKeys.get(raw);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", raw as BufferSource, "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    cryptoKeys.set(raw, key);
  }
  return key;
}

/** Encrypts `plain` with `key` (raw AES key) and a fresh nonce from `random`. */
export async function encryptPayload(
  key: Uint8Array,
  plain: Uint8Array,
  random: Random,
): Promise<Uint8Array> {
  const nonce = random.bytes(NONCE_BYTES);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce as BufferSource, tagLength: TAG_BYTES * 8 },
    await cryptoKey(key),
    plain as BufferSource,
  );
  const out = new Uint8Array(1 + NONCE_BYTES + sealed.byteLength);
  out[0] = ENCRYPTION_VERSION;
  out.set(nonce, 1);
  out.set(new Uint8Array(sealed), 1 + NONCE_BYTES);
  return out;
}

/**
 * Decrypts a message with the first of `keys` that authenticates it.
 * @throws {GossipDecryptError} when it is too short, of an unknown version, or no key fits.
 */
export async function decryptPayload(
  keys: readonly Uint8Array[],
  message: Uint8Array,
): Promise<Uint8Array> {
  if (message.byteLength < ENCRYPTION_OVERHEAD_BYTES) {
    throw new GossipDecryptError("Payload is too small to decrypt");
  }
  const version = message[0];
  if (version !== ENCRYPTION_VERSION && version !== PADDED_VERSION) {
    throw new GossipDecryptError(`Unsupported encryption version ${version}`);
  }
  const nonce = message.subarray(1, 1 + NONCE_BYTES);
  const sealed = message.subarray(1 + NONCE_BYTES);
  for (const key of keys) {
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: nonce as BufferSource, tagLength: TAG_BYTES * 8 },
          await cryptoKey(key),
          sealed as BufferSource,
        ),
      );
    } catch {
      continue;
    }
    return version === PADDED_VERSION ? removePadding(plain) : plain;
  }
  throw new GossipDecryptError("No installed keys could decrypt the message");
}

function removePadding(plain: Uint8Array): Uint8Array {
  const pad = plain.byteLength === 0 ? 0 : plain[plain.byteLength - 1];
  if (pad < 1 || pad > AES_BLOCK_BYTES || pad > plain.byteLength) {
    throw new GossipDecryptError("Encrypted message has invalid padding");
  }
  return plain.subarray(0, plain.byteLength - pad);
}

/** Counter names of an {@linkcode EncryptedTransport}. */
export type EncryptionCounter =
  | "packetsDecrypted"
  | "packetDecryptFailures"
  | "framesDecrypted"
  | "streamDecryptFailures";

const COUNTER_NAMES: readonly EncryptionCounter[] = [
  "packetsDecrypted",
  "packetDecryptFailures",
  "framesDecrypted",
  "streamDecryptFailures",
];

/** A transport wrapper that encrypts everything sent and decrypts everything received. */
export class EncryptedTransport implements GossipTransport {
  readonly #inner: GossipTransport;
  readonly #keyring: Keyring;
  readonly #random: Random;
  readonly #counters = new CounterSet<EncryptionCounter>(COUNTER_NAMES);

  /** Wraps `inner`; keys are read from `keyring` on every message, so rotation is immediate. */
  constructor(inner: GossipTransport, options: { keyring: Keyring; random: Random }) {
    this.#inner = inner;
    this.#keyring = options.keyring;
    this.#random = options.random;
  }

  /** The wrapped transport's address. */
  get localAddr(): GossipAddr {
    return this.#inner.localAddr;
  }

  /** Decryption counters. */
  get counters(): { snapshot(): Readonly<Record<EncryptionCounter, number>> } {
    return this.#counters;
  }

  /** Encrypts with the primary key and sends. */
  async sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    await this.#inner.sendPacket(to, await this.#seal(bytes));
  }

  /** Received packets that decrypt; the rest are counted and dropped. */
  async *packets(): AsyncIterable<GossipPacket> {
    for await (const packet of this.#inner.packets()) {
      let plain: Uint8Array;
      try {
        plain = await decryptPayload(this.#keyring.rawKeys(), packet.bytes);
      } catch (error) {
        if (!(error instanceof GossipDecryptError)) throw error;
        this.#counters.add("packetDecryptFailures");
        continue;
      }
      this.#counters.add("packetsDecrypted");
      yield { from: packet.from, bytes: plain };
    }
  }

  /** Dials through the inner transport and encrypts the stream's frames. */
  async dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn> {
    return this.#wrap(await this.#inner.dialStream(to, timeoutMs));
  }

  /** Accepted streams, with frames decrypted. */
  async *streams(): AsyncIterable<GossipStream> {
    for await (const stream of this.#inner.streams()) {
      yield { from: stream.from, conn: this.#wrap(stream.conn) };
    }
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  #seal(plain: Uint8Array): Promise<Uint8Array> {
    return encryptPayload(this.#keyring.rawKeys()[0], plain, this.#random);
  }

  #wrap(conn: Conn): Conn {
    return {
      readable: this.#decryptingReadable(conn),
      writable: this.#encryptingWritable(conn),
      localAddr: conn.localAddr,
      remoteAddr: conn.remoteAddr,
      close: () => conn.close(),
      closed: conn.closed,
    };
  }

  #decryptingReadable(conn: Conn): ReadableStream<Uint8Array> {
    let reader: ByteReader | null = null;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        reader ??= new ByteReader(conn.readable, {
          maxBufferBytes: FRAME_HEADER_BYTES + MAX_ENCRYPTED_FRAME_BYTES,
        });
        if (await reader.atEof()) return controller.close();
        const header = await reader.readExactly(FRAME_HEADER_BYTES);
        const size = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
        try {
          if (size > MAX_ENCRYPTED_FRAME_BYTES) throw new GossipFrameTooLargeError(size);
          const sealed = (await reader.readExactly(size)).slice();
          const plain = await decryptPayload(this.#keyring.rawKeys(), sealed);
          this.#counters.add("framesDecrypted");
          controller.enqueue(frame(plain));
        } catch (error) {
          this.#counters.add("streamDecryptFailures");
          conn.close();
          throw error;
        }
      },
      cancel: async (reason) => {
        if (reader !== null) await reader.cancel(reason);
        else await conn.readable.cancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  #encryptingWritable(conn: Conn): WritableStream<Uint8Array> {
    const splitter = new FrameSplitter();
    let writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
    const inner = () => writer ??= conn.writable.getWriter();
    return new WritableStream<Uint8Array>({
      write: async (chunk) => {
        for (const message of splitter.push(chunk)) {
          await inner().write(frame(await this.#seal(message)));
        }
      },
      close: async () => {
        if (splitter.bufferedBytes > 0) {
          throw new Error("Gossip stream closed in the middle of a frame");
        }
        await inner().close();
      },
      abort: async (reason) => {
        await inner().abort(reason);
      },
    });
  }
}

/** Cuts a byte stream into the payloads of its length-prefixed frames. */
class FrameSplitter {
  #buffer = new Uint8Array(0);

  /** Bytes of an incomplete frame held back. */
  get bufferedBytes(): number {
    return this.#buffer.byteLength;
  }

  /**
   * Adds bytes; returns the payloads of the frames they complete.
   * @throws {GossipFrameTooLargeError} when a frame announces more than the stream limit.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.#buffer.byteLength + chunk.byteLength);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.byteLength);
    const payloads: Uint8Array[] = [];
    let offset = 0;
    while (joined.byteLength - offset >= FRAME_HEADER_BYTES) {
      const size = new DataView(joined.buffer, offset, 4).getUint32(0);
      if (size > MAX_STREAM_MESSAGE_BYTES) throw new GossipFrameTooLargeError(size);
      if (joined.byteLength - offset < FRAME_HEADER_BYTES + size) break;
      const start = offset + FRAME_HEADER_BYTES;
      payloads.push(joined.subarray(start, start + size));
      offset = start + size;
    }
    this.#buffer = joined.slice(offset);
    return payloads;
  }
}
