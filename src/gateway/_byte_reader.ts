/**
 * A bounds-checked cursor over a byte array for parsing TLS structures.
 *
 * Every read returns `null` instead of throwing when the bytes run out, so parsers of
 * untrusted input can turn a shortfall into an error result without try/catch.
 *
 * @module
 */

/** Reads big-endian integers and length-prefixed vectors from a byte array. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  /** Starts reading at the first byte of `bytes`. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** One unsigned byte, or `null` at the end. */
  u8(): number | null {
    if (this.remaining < 1) return null;
    return this.#bytes[this.#offset++];
  }

  /** A big-endian 16-bit unsigned integer, or `null` when fewer than 2 bytes remain. */
  u16(): number | null {
    if (this.remaining < 2) return null;
    const value = (this.#bytes[this.#offset] << 8) | this.#bytes[this.#offset + 1];
    this.#offset += 2;
    return value;
  }

  /** The next `length` bytes (a view, not a copy), or `null` when fewer remain. */
  take(length: number): Uint8Array | null {
    if (this.remaining < length) return null;
    const view = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return view;
  }

  /** A vector with a one-byte length prefix, or `null` when it overruns the input. */
  vector8(): Uint8Array | null {
    const length = this.u8();
    return length === null ? null : this.take(length);
  }

  /** A vector with a two-byte length prefix, or `null` when it overruns the input. */
  vector16(): Uint8Array | null {
    const length = this.u16();
    return length === null ? null : this.take(length);
  }
}
