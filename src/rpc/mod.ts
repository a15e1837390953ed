/**
 * Server RPC wire pieces: the yamux stream multiplexer (frame codec and session), the RPC
 * message codec, the endpoint registry that serves one call per stream, and the client that
 * makes calls.
 *
 * What it is for: carrying Consulate's server-to-server RPC over one connection per peer
 * (the `consul/rpc-multi` ALPN or the RPCMultiplexV2 type byte), with flow control and
 * bounded buffers everywhere. What it is not: the port-8300 first-byte dispatcher, the TLS
 * layer, the connection pool or cross-DC forwarding; those build on these pieces. It touches
 * no sockets or timers itself: connections arrive as `Conn`s and time as a `Clock`.
 *
 * @example
 * ```ts
 * const server = new YamuxSession(serverConn, { role: "server", clock });
 * const registry = new RpcRegistry();
 * registry.register("Status.Ping", async () => true);
 * (async () => { for await (const s of server) serveStream(s, registry); })();
 *
 * const client = new RpcClient(new YamuxSession(clientConn, { role: "client", clock }), { clock });
 * await client.call("Status.Ping", {}); // true
 * ```
 *
 * @module
 */

export {
  DEFAULT_MAX_DATA_FRAME_BYTES,
  encodeDataFrame,
  encodeFrameHeader,
  type Frame,
  FrameDecoder,
  type FrameDecoderOptions,
  FrameFlag,
  type FrameHeader,
  FrameType,
  frameTypeName,
  GoAwayCode,
  HEADER_BYTES,
  INITIAL_STREAM_WINDOW_BYTES,
  writeFrameHeader,
  YAMUX_VERSION,
  YamuxProtocolError,
} from "./yamux_frame.ts";
export {
  PingTimeoutError,
  RemoteGoAwayError,
  SessionClosedError,
  StreamClosedError,
  StreamLimitError,
  StreamResetError,
} from "./yamux_errors.ts";
export { MAX_SEND_FRAME_BYTES, YamuxStream } from "./yamux_stream.ts";
export {
  CLOSE_FLUSH_TIMEOUT_MS,
  DEFAULT_ACCEPT_BACKLOG,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  DEFAULT_MAX_STREAMS,
  DEFAULT_PING_TIMEOUT_MS,
  MAX_PENDING_CONTROL_FRAMES,
  newYamuxCounters,
  type YamuxCounters,
  type YamuxSessionOptions,
} from "./yamux_config.ts";
export { MAX_PENDING_PINGS } from "./yamux_pings.ts";
export { YamuxSession } from "./yamux_session.ts";
export {
  DEFAULT_MAX_RPC_MESSAGE_BYTES,
  encodeRequest,
  encodeResponse,
  LENGTH_PREFIX_BYTES,
  MAX_METHOD_NAME_CHARS,
  type ReadMessageOptions,
  readRequest,
  readResponse,
  RpcCodecError,
  type RpcRequest,
  type RpcResponse,
} from "./codec.ts";
export {
  type BodyParser,
  illFormedMethodText,
  RpcCallError,
  type RpcContext,
  type RpcHandler,
  RpcRegistry,
  type ServeOutcome,
  serveStream,
  type ServeStreamOptions,
  unknownMethodText,
  unknownServiceText,
} from "./endpoints.ts";
export {
  DEFAULT_RPC_TIMEOUT_MS,
  type RpcCallOptions,
  RpcClient,
  type RpcClientOptions,
  RpcError,
  type RpcErrorKind,
  type StreamOpener,
} from "./client.ts";
