/**
 * Server-to-server RPC: the port-8300 listener that peeks the first byte and dispatches native
 * TLS by ALPN, the yamux stream multiplexer, the RPC message codec, the endpoint registry that
 * serves one call per stream, the client, the connection pool (one session per server, behind
 * a pluggable `ServerDialer` so calls can go direct or through mesh gateways), the datacenter
 * router and cross-DC forwarding with Consul's error texts.
 *
 * What it is not: the endpoints themselves (`src/endpoints/`) or who the servers of each
 * datacenter are (the WAN gossip pool feeds the router). Sockets arrive through the `Net`
 * port and time through a `Clock`.
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
export {
  ALPN_RAFT,
  ALPN_RAFT_FORWARDING,
  ALPN_RPC_GOSSIP,
  ALPN_RPC_GRPC,
  ALPN_RPC_MULTI,
  ALPN_RPC_SINGLE,
  ALPN_RPC_SNAPSHOT,
  ALPN_WAN_GOSSIP_PACKET,
  ALPN_WAN_GOSSIP_STREAM,
  alpnForRpcType,
  RPC_MAX_TYPE_VALUE,
  RPC_NEXT_PROTOS,
  RpcType,
  rpcTypeName,
  type RpcTypeValue,
  TLS_HANDSHAKE_RECORD_BYTE,
  UnroutableRpcTypeError,
} from "./alpn.ts";
export {
  checkServerCertificate,
  DEFAULT_RPC_CLIENT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_RPC_HANDSHAKE_TIMEOUT_MS,
  loadRpcTlsMaterial,
  MAX_TLS_FILE_BYTES,
  rpcClientTlsOptions,
  type RpcDialTarget,
  rpcServerTlsOptions,
  RpcTlsConfigError,
  type RpcTlsFiles,
  type RpcTlsMaterial,
} from "./rpc_tls.ts";
export {
  ACCEPT_RETRY_MAX_MS,
  ACCEPT_RETRY_MIN_MS,
  type AlpnConnHandler,
  DEFAULT_MAX_CONNS_PER_CLIENT,
  DEFAULT_MAX_RPC_CONNS,
  RPC_REJECT_REASONS,
  RpcListener,
  type RpcListenerOptions,
  type RpcListenerSnapshot,
  type RpcLogger,
  type RpcRejectReason,
} from "./rpc_listener.ts";
export {
  ConnPool,
  type ConnPoolOptions,
  type ConnPoolSnapshot,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_MAX_POOL_SESSIONS,
  DEFAULT_POOL_IDLE_MS,
  DirectServerDialer,
  POOL_REAP_INTERVAL_MS,
  PoolExhaustedError,
  type ServerDialer,
  ServerDialError,
  type ServerTarget,
} from "./conn_pool.ts";
export {
  DcRouter,
  MAX_ROUTER_DATACENTERS,
  MAX_SERVERS_PER_DATACENTER,
  type Route,
  RouterInputError,
  type RouterServer,
} from "./dc_router.ts";
export {
  BLOCKING_JITTER_FRACTION,
  datacenterOf,
  DC_NOT_AVAILABLE_TEXT,
  DEFAULT_BLOCKING_WAIT_MS,
  ForwardError,
  type ForwardErrorKind,
  type ForwarderSnapshot,
  type ForwardRequest,
  forwardTimeoutMs,
  IN_PROCESS_CALLER,
  MAX_BLOCKING_WAIT_MS,
  NO_PATH_TO_DC_TEXT,
  RpcForwarder,
  type RpcForwarderOptions,
  withoutToken,
} from "./forwarding.ts";
