/**
 * The runtime layer: the ports through which Consulate touches the outside world (network,
 * files, SQLite, clock, randomness, HTTP serving, the process), their Deno and Bun adapters,
 * and pure web-stream helpers.
 *
 * Components never import an adapter: they receive a {@linkcode Runtime} (or one port) from
 * the entry point, which gets it from {@linkcode currentRuntime}. This module is not a
 * simulator; simulated networks build their own ports from {@linkcode connPair} and
 * {@linkcode createSeededRandom}.
 *
 * @example
 * ```ts
 * import { currentRuntime } from "./mod.ts";
 * const runtime = await currentRuntime();
 * const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
 * ```
 *
 * @module
 */

export type * from "./ports.ts";
export {
  ByteReader,
  CONN_PAIR_CAPACITY_BYTES,
  ConnectionClosedError,
  connPair,
  DEFAULT_MAX_READER_BUFFER_BYTES,
  pipeBoth,
  type PipeResult,
  prependBytes,
  prependToReadable,
  ReaderBufferLimitError,
  replaceReadable,
  UnexpectedEofError,
} from "./streams.ts";
export { createSeededRandom } from "./random.ts";
export { currentRuntime, UnsupportedRuntimeError } from "./current.ts";
export { TlsHandshakeError } from "./_node_tls.ts";
