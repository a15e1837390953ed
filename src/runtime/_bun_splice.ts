/**
 * The native splice between two Bun TCP Conns made by `_bun_tcp.ts`: bytes go from one
 * socket's data callback straight into the other socket, with no web streams in between.
 * Any other pair of Conns is handed to `pipeBoth`.
 *
 * @module
 */

import { type BunSocketState, bunSocketState, type SpliceLeg } from "./_bun_tcp.ts";
import type { Conn, SpliceDirection, SpliceOptions, SpliceResult } from "./ports.ts";
import { pipeBoth } from "./streams.ts";

/**
 * A native splice of two Bun sockets: each chunk Bun delivers is written straight to the
 * other socket, and a partial write pauses the source until the destination drains, so at
 * most about one chunk per direction waits in memory.
 */
export class BunSplice {
  readonly #a: BunSocketState;
  readonly #b: BunSocketState;
  readonly #onBytes: SpliceOptions["onBytes"];
  readonly #counts = { aToB: 0, bToA: 0 };
  readonly #ended = { aToB: false, bToA: false };
  #finished = false;
  #error: unknown = undefined;
  #failed = false;
  #resolve!: (result: SpliceResult) => void;
  /** Settles when both directions ended or one failed; both sockets are closed then. */
  readonly done: Promise<SpliceResult>;

  /** Takes over both sockets at once; both must pass `canSplice()`. */
  constructor(a: BunSocketState, b: BunSocketState, options: SpliceOptions) {
    this.#a = a;
    this.#b = b;
    this.#onBytes = options.onBytes;
    this.done = new Promise((resolve) => this.#resolve = resolve);
    a.startSplice(this.#leg(a, b, "aToB"));
    b.startSplice(this.#leg(b, a, "bToA"));
  }

  #leg(from: BunSocketState, to: BunSocketState, direction: SpliceDirection): SpliceLeg {
    return {
      onData: (chunk) => {
        if (this.#finished || this.#ended[direction]) return;
        try {
          to.writeSpliced(chunk, from);
        } catch (error) {
          return this.#finish(error);
        }
        this.#counts[direction] += chunk.byteLength;
        this.#onBytes?.(direction, chunk.byteLength);
      },
      onEnd: () => {
        if (this.#finished || this.#ended[direction]) return;
        to.shutdownSpliced(() => {
          this.#ended[direction] = true;
          if (this.#ended.aToB && this.#ended.bToA) this.#finish(undefined);
        });
      },
      // A socket gone for good ends the splice: nothing more can go in or out of it.
      onClose: (error) => this.#finish(error),
    };
  }

  #finish(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    if (error !== undefined) {
      this.#failed = true;
      this.#error = error;
    }
    this.#a.close();
    this.#b.close();
    this.#resolve(this.#failed ? { ...this.#counts, error: this.#error } : { ...this.#counts });
  }
}

/** Splices two Conns: natively between two untouched Bun TCP Conns, else with `pipeBoth`. */
export function spliceBun(a: Conn, b: Conn, options: SpliceOptions = {}): Promise<SpliceResult> {
  const stateA = bunSocketState(a);
  const stateB = bunSocketState(b);
  if (!stateA?.canSplice() || !stateB?.canSplice()) return pipeBoth(a, b, options);
  return new BunSplice(stateA, stateB, options).done;
}
