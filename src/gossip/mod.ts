/**
 * SWIM gossip membership (memberlist-style, with Lifeguard): who is in the pool, who is alive,
 * who failed and who left, spread by piggybacked gossip and periodic full-state push/pull.
 *
 * Like etcd-raft, the library is only the protocol. {@linkcode Swim} is a synchronous core: the
 * caller brings the network and the time. It calls `tick(nowMs)` when `nextDeadlineMs()` comes,
 * hands in packets (`receivePacket`) and stream frames (`receiveStream`), and carries out the
 * returned outputs: packets to send, stream exchanges to run, membership events to report. The
 * core never reads a clock, never opens a socket and draws randomness only from the
 * {@linkcode Random} port it is given, so a seed replays a run exactly.
 *
 * What it is not: a transport (see {@linkcode GossipTransport}; UDP+TCP and mesh-gateway tunnels
 * implement it elsewhere), an encryption layer, or Consul's catalog. {@linkcode GossipDriver}
 * is the thin piece that runs a core over a transport and a `Clock`; {@linkcode SimNetwork}
 * runs many cores on a simulated network in virtual time for tests and simulations.
 *
 * @example
 * ```ts
 * const net = new SimNetwork({ seed: 7, config: presets.sim });
 * for (const name of ["a", "b", "c"]) net.addMember(name);
 * net.join("b", ["a"]);
 * net.join("c", ["a"]);
 * net.runUntil((n) => n.allSee(["a", "b", "c"], "alive"), 10_000);
 * ```
 *
 * @module
 */

import type { Random } from "../runtime/ports.ts";

export {
  formatGossipAddr,
  type GossipAddr,
  type GossipTarget,
  type Member,
  type MemberState,
  MemberStatus,
  type MemberStatusCode,
  memberStatusCode,
  memberStatusName,
} from "./member.ts";
export { presets, type SwimConfig, SwimConfigError, validateSwimConfig } from "./presets.ts";
export {
  type AckMessage,
  type AliveMessage,
  type DeadMessage,
  decodeMessage,
  decodePacket,
  decodeStreamMessage,
  encodeMessage,
  encodePacket,
  encodeStreamMessage,
  GOSSIP_PROTOCOL_VERSION,
  GossipDecodeError,
  type GossipMessage,
  MAX_MESSAGES_PER_PACKET,
  MAX_NAME_CHARS,
  MAX_PACKET_BYTES,
  MAX_PUSH_PULL_MEMBERS,
  MAX_STREAM_MESSAGE_BYTES,
  MAX_TAGS,
  MAX_TAGS_BYTES,
  type NackMessage,
  type NodeRef,
  type PingMessage,
  type PingReqMessage,
  type PushPullEntry,
  type PushPullMessage,
  type StreamMessage,
  type SuspectMessage,
} from "./messages.ts";
export { BroadcastQueue, MAX_QUEUED_BROADCASTS, retransmitLimit } from "./broadcast_queue.ts";
export { Suspicion, suspicionMinTimeoutMs, suspicionTimeoutMs } from "./suspicion.ts";
export { Awareness } from "./awareness.ts";
export { MAX_MEMBERS, type MemberEvent, type MemberEventType } from "./_membership.ts";
export type { OutgoingPacket, OutgoingStream, StreamPurpose, SwimOutputs } from "./_outbox.ts";
export { MAX_PENDING_RELAYS } from "./_probe.ts";
export {
  PUSH_PULL_SCALE_THRESHOLD,
  pushPullScaleMs,
  Swim,
  type SwimCounters,
  type SwimOptions,
  type SwimSelf,
  type SwimStreamOutputs,
} from "./swim.ts";
export type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";
export {
  DEFAULT_STREAM_TIMEOUT_MS,
  GossipDriver,
  type GossipDriverOptions,
  MAX_CONCURRENT_STREAMS,
} from "./driver.ts";
export { GossipFrameTooLargeError } from "./_stream_frame.ts";
export {
  MAX_IN_FLIGHT_DELIVERIES,
  SIM_GOSSIP_PORT,
  SimNetwork,
  type SimNetworkOptions,
  type SimTraceEntry,
} from "./sim_network.ts";

/** Re-exported so callers of this module name the randomness port without reaching into runtime. */
export type { Random };
export {
  DEFAULT_STREAM_READ_TIMEOUT_MS,
  MAX_BIND_ATTEMPTS,
  MAX_PENDING_STREAMS,
  MAX_QUEUED_PACKETS,
  MAX_QUEUED_STREAMS,
  MAX_STREAM_FRAME_BYTES,
  MAX_UDP_PACKET_BYTES,
  NetTransport,
  type NetTransportCounter,
  NetTransportError,
  type NetTransportOptions,
} from "./net_transport.ts";
export {
  decodeGossipKey,
  encodeGossipKey,
  GOSSIP_KEY_SIZES_BYTES,
  GossipKeyError,
  Keyring,
  KeyringError,
  type KeyringListing,
  MAX_KEYRING_KEYS,
} from "./keyring.ts";
export {
  decryptPayload,
  EncryptedTransport,
  ENCRYPTION_OVERHEAD_BYTES,
  ENCRYPTION_VERSION,
  type EncryptionCounter,
  encryptPayload,
  GossipDecryptError,
  MAX_ENCRYPTED_FRAME_BYTES,
} from "./encryption.ts";
export {
  isInDatacenter,
  type ServerInfo,
  serverInfo,
  type ServerMemberView,
  serverTags,
  ServerTagsError,
  type ServerTagsOptions,
  splitWanName,
  wanName,
  WanNameError,
} from "./server_tags.ts";
export {
  DEFAULT_LEAVE_TIMEOUT_MS,
  DEFAULT_SERF_WAN_PORT,
  MAX_JOIN_ADDRESSES,
  startWanPool,
  WanPool,
} from "./wan_pool.ts";
export {
  memberName as wanMemberName,
  toWanMember,
  WanJoinError,
  type WanMember,
  WanMemberNotFoundError,
  type WanPoolCounters,
  WanPoolError,
  type WanPoolEvent,
  type WanPoolLog,
  type WanPoolOptions,
} from "./wan_pool_types.ts";
export { JoinAddressError } from "./_join_tracker.ts";
export {
  GatewayGossipTransport,
  type GatewayGossipTransportOptions,
  type GatewayTransportCounter,
  type GatewayTunnelDialer,
  GOSSIP_PACKET_MAX_BYTES,
  GOSSIP_PACKET_MAX_IDLE_MS,
  GossipPacketTooLargeError,
  MAX_IDLE_PACKET_CONNS_PER_MEMBER,
  MAX_INBOUND_PACKET_CONNS,
  MAX_OUTBOUND_PACKET_CONNS,
  PACKET_LENGTH_BYTES,
  PACKET_POOL_REAP_INTERVAL_MS,
  PACKET_WRITE_TIMEOUT_MS,
  PacketPoolClosedError,
} from "./gateway_transport.ts";
