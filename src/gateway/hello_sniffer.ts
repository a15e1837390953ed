/**
 * Accumulates a connection's first reads until its ClientHello is complete, keeping every
 * byte so the proxy can replay them to the chosen target unchanged.
 *
 * @module
 */
import assert from "node:assert";
import {
  type ClientHelloResult,
  MAX_CLIENT_HELLO_BYTES,
  parseClientHello,
} from "./client_hello.ts";

const INITIAL_CAPACITY_BYTES = 1024;

/**
 * Feeds reads to {@linkcode parseClientHello}, re-parsing only once enough bytes arrived to
 * possibly change the answer.
 *
 * Buffering is bounded: while the answer is `need-more` the buffer holds fewer than
 * {@linkcode MAX_CLIENT_HELLO_BYTES}, so it never exceeds that plus one read.
 *
 * @example
 * ```ts
 * const sniffer = new ClientHelloSniffer();
 * let result = sniffer.push(chunk);
 * // ... push more chunks while result.kind === "need-more"
 * const replay = sniffer.bytes(); // forward these first
 * ```
 */
export class ClientHelloSniffer {
  #buffer = new Uint8Array(INITIAL_CAPACITY_BYTES);
  #length = 0;
  #parseAtBytes = 1;
  #result: ClientHelloResult = { kind: "need-more", bytesNeeded: 1 };

  /** The latest answer; `need-more` until a hello or an error was seen. */
  get result(): ClientHelloResult {
    return this.#result;
  }

  /**
   * Adds one read and returns the answer so far.
   *
   * Pushing after a `hello` or `error` answer is a bug in the caller and fails an assertion.
   */
  push(chunk: Uint8Array): ClientHelloResult {
    assert(this.#result.kind === "need-more", "ClientHelloSniffer.push after a final result");
    this.#append(chunk);
    if (this.#length < this.#parseAtBytes) {
      const bytesNeeded = this.#parseAtBytes - this.#length;
      this.#result = { kind: "need-more", bytesNeeded };
      return this.#result;
    }
    const result = parseClientHello(this.#buffer.subarray(0, this.#length));
    if (result.kind === "need-more") {
      assert(this.#length < MAX_CLIENT_HELLO_BYTES, "parser asked for more past its bound");
      this.#parseAtBytes = this.#length + result.bytesNeeded;
    }
    this.#result = result;
    return result;
  }

  /** Every byte pushed so far (a view valid until the next push). */
  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }
}
