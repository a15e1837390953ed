/**
 * The protocol names of the server RPC port: Consul's first-byte RPC types and the ALPN
 * protocol names a native-TLS connection negotiates instead.
 *
 * The values are wire facts from Consul (`agent/pool/conn.go`); they are shared by the port
 * dispatcher, the dialers and (later) the mesh gateway, so they live in one place.
 *
 * @module
 */

/** First-byte protocol types on the RPC port (Consul's `pool.RPCType`). */
export const RpcType = {
  /** A single msgpack net/rpc stream on the raw connection. */
  Consul: 0,
  /** Raft transport. */
  Raft: 1,
  /** The retired muxado multiplexer. */
  Multiplex: 2,
  /** TLS upgrade: a second type byte follows inside TLS. */
  Tls: 3,
  /** A yamux session whose streams each carry one RPC. */
  MultiplexV2: 4,
  /** Snapshot save/restore. */
  Snapshot: 5,
  /** Network-area gossip (Consul Enterprise). */
  Gossip: 6,
  /** TLS without client certificates (auto-encrypt bootstrap only). */
  TlsInsecure: 7,
  /** Internal gRPC. */
  Grpc: 8,
  /** Raft forwarding. */
  RaftForwarding: 9,
} as const;

/** One RPC type byte value. */
export type RpcTypeValue = typeof RpcType[keyof typeof RpcType];

/**
 * Highest RPC type value (Consul's `RPCMaxTypeValue`). A larger first byte means the client
 * started a native TLS handshake (a TLS record starts with 22); RFC 7983 leaves 0–19 free.
 */
export const RPC_MAX_TYPE_VALUE = 9;

/** First byte of a TLS handshake record (content type 22, RFC 8446 §5.1). */
export const TLS_HANDSHAKE_RECORD_BYTE = 0x16;

/** ALPN for {@linkcode RpcType.Consul}. */
export const ALPN_RPC_SINGLE = "consul/rpc-single";
/** ALPN for {@linkcode RpcType.Raft}. */
export const ALPN_RAFT = "consul/raft";
/** ALPN for {@linkcode RpcType.MultiplexV2}: yamux-multiplexed RPC, what Consulate speaks. */
export const ALPN_RPC_MULTI = "consul/rpc-multi";
/** ALPN for {@linkcode RpcType.Snapshot}. */
export const ALPN_RPC_SNAPSHOT = "consul/rpc-snapshot";
/** ALPN for {@linkcode RpcType.Gossip}. */
export const ALPN_RPC_GOSSIP = "consul/rpc-gossip";
/** ALPN for {@linkcode RpcType.Grpc}. */
export const ALPN_RPC_GRPC = "consul/rpc-grpc";
/** ALPN for {@linkcode RpcType.RaftForwarding}. */
export const ALPN_RAFT_FORWARDING = "consul/raft-forwarding";
/** WAN gossip packets (memberlist's UDP) carried over TLS through mesh gateways. */
export const ALPN_WAN_GOSSIP_PACKET = "consul/wan-gossip/packet";
/** WAN gossip streams (memberlist's TCP) carried over TLS through mesh gateways. */
export const ALPN_WAN_GOSSIP_STREAM = "consul/wan-gossip/stream";

/**
 * The ALPN protocols the RPC port offers on native TLS, in Consul's order (`RPCNextProtos`).
 * A client offering only protocols absent here gets no ALPN and is closed.
 */
export const RPC_NEXT_PROTOS: readonly string[] = Object.freeze([
  ALPN_RPC_SINGLE,
  ALPN_RAFT,
  ALPN_RPC_MULTI,
  ALPN_RPC_SNAPSHOT,
  ALPN_RPC_GOSSIP,
  ALPN_RPC_GRPC,
  ALPN_RAFT_FORWARDING,
  ALPN_WAN_GOSSIP_PACKET,
  ALPN_WAN_GOSSIP_STREAM,
]);

const ALPN_BY_TYPE: ReadonlyMap<number, string> = new Map<number, string>([
  [RpcType.Consul, ALPN_RPC_SINGLE],
  [RpcType.Raft, ALPN_RAFT],
  [RpcType.MultiplexV2, ALPN_RPC_MULTI],
  [RpcType.Snapshot, ALPN_RPC_SNAPSHOT],
  [RpcType.Gossip, ALPN_RPC_GOSSIP],
  [RpcType.Grpc, ALPN_RPC_GRPC],
  [RpcType.RaftForwarding, ALPN_RAFT_FORWARDING],
]);

const TYPE_NAMES: readonly string[] = [
  "RPCConsul",
  "RPCRaft",
  "RPCMultiplex",
  "RPCTLS",
  "RPCMultiplexV2",
  "RPCSnapshot",
  "RPCGossip",
  "RPCTLSInsecure",
  "RPCGRPC",
  "RPCRaftForwarding",
];

/** Raised for an RPC type that has no ALPN name and so cannot cross a mesh gateway. */
export class UnroutableRpcTypeError extends Error {
  /** Builds the error with Consul's text. */
  constructor(type: number) {
    super(`rpc type ${type} cannot be routed through a mesh gateway`);
    this.name = "UnroutableRpcTypeError";
  }
}

/**
 * The ALPN name for an RPC type byte, as a dialer through a mesh gateway needs it.
 * @throws {UnroutableRpcTypeError} for TLS, TLS-insecure, the old multiplexer or unknown types.
 */
export function alpnForRpcType(type: number): string {
  const alpn = ALPN_BY_TYPE.get(type);
  if (alpn === undefined) throw new UnroutableRpcTypeError(type);
  return alpn;
}

/** Consul's name for an RPC type byte (`RPCMultiplexV2`), or `unknown(<n>)`. */
export function rpcTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown(${type})`;
}
