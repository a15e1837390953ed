/**
 * The gossip wire format: SWIM messages (Ping, PingReq, Ack, Nack, Suspect, Alive, Dead), the
 * compound packet that carries several of them, and the stream messages (PushPull, stream Ping
 * and Ack). Everything is MessagePack with positional arrays; decoding checks every field and
 * bound and throws only {@linkcode GossipDecodeError}.
 *
 * @module
 */

import { decode, encode } from "@msgpack/msgpack";
import type { GossipAddr, MemberState } from "./member.ts";
import {
  addr,
  checkVersion,
  encodedTagsBytes,
  GOSSIP_PROTOCOL_VERSION,
  GossipDecodeError,
  MAX_HOSTNAME_CHARS,
  MAX_NAME_CHARS,
  MAX_TAGS,
  MAX_TAGS_BYTES,
  name,
  type NodeRef,
  ref,
  tagMap,
  tuple,
  uint32,
} from "./_wire_fields.ts";

export {
  encodedTagsBytes,
  GOSSIP_PROTOCOL_VERSION,
  GossipDecodeError,
  MAX_HOSTNAME_CHARS,
  MAX_NAME_CHARS,
  MAX_TAGS,
  MAX_TAGS_BYTES,
  type NodeRef,
};

/** Largest packet accepted (the largest UDP payload, rounded up). */
export const MAX_PACKET_BYTES = 65_536;
/** Largest stream message accepted (matches the 4 MiB gossip frame cap over gateways). */
export const MAX_STREAM_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Most messages one compound packet may carry. */
export const MAX_MESSAGES_PER_PACKET = 256;
/** Most member entries one push/pull state may carry. */
export const MAX_PUSH_PULL_MEMBERS = 10_000;

/** Direct probe. `target` is the name the sender means to reach (refused by anyone else). */
export interface PingMessage {
  readonly type: "ping";
  readonly seq: number;
  readonly target: string;
  readonly source: NodeRef;
}
/** Ask the receiver to probe `target` and relay the ack (and a nack, if wanted). */
export interface PingReqMessage {
  readonly type: "ping-req";
  readonly seq: number;
  readonly target: NodeRef;
  readonly source: NodeRef;
  readonly wantNack: boolean;
}
/** Answer to a Ping with the same `seq`. */
export interface AckMessage {
  readonly type: "ack";
  readonly seq: number;
}
/** An indirect prober's "I could not reach the target either" for `seq`. */
export interface NackMessage {
  readonly type: "nack";
  readonly seq: number;
}
/** `from` suspects `node` at `incarnation`. */
export interface SuspectMessage {
  readonly type: "suspect";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}
/** `node` is alive at `incarnation`, at `addr`, with `tags`. */
export interface AliveMessage {
  readonly type: "alive";
  readonly incarnation: number;
  readonly node: string;
  readonly addr: GossipAddr;
  readonly tags: Readonly<Record<string, string>>;
}
/** `from` declares `node` dead; when `from === node` the member left gracefully. */
export interface DeadMessage {
  readonly type: "dead";
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

/** Any message that travels in a packet. */
export type GossipMessage =
  | PingMessage
  | PingReqMessage
  | AckMessage
  | NackMessage
  | SuspectMessage
  | AliveMessage
  | DeadMessage;

/** One member in a push/pull state exchange. */
export interface PushPullEntry {
  readonly name: string;
  readonly addr: GossipAddr;
  readonly tags: Readonly<Record<string, string>>;
  readonly incarnation: number;
  readonly state: MemberState;
}

/** Full-state exchange: the initiator sends its state, the receiver replies with its own. */
export interface PushPullMessage {
  readonly type: "push-pull";
  /** True when the initiator is joining (the receiver may treat it as a join request). */
  readonly join: boolean;
  /** True on the receiver's answer, which must not be answered again. */
  readonly reply: boolean;
  readonly members: readonly PushPullEntry[];
}

/** Any message that travels over a stream: a push/pull, or a fallback ping and its ack. */
export type StreamMessage = PushPullMessage | PingMessage | AckMessage;

const CODE = {
  ping: 1,
  "ping-req": 2,
  ack: 3,
  nack: 4,
  suspect: 5,
  alive: 6,
  dead: 7,
  "push-pull": 8,
};
const STATE_CODES: readonly MemberState[] = ["alive", "suspect", "dead", "left"];

/** Encodes one packet message (to queue as a broadcast or to put in a packet). */
export function encodeMessage(message: GossipMessage): Uint8Array {
  return encode(messageToArray(message));
}

/** Encodes a compound packet from already-encoded messages. */
export function encodePacket(encodedMessages: readonly Uint8Array[]): Uint8Array {
  return encode([GOSSIP_PROTOCOL_VERSION, encodedMessages]);
}

/** Upper bound of the bytes a packet adds around `messageCount` encoded messages. */
export function packetOverheadBytes(messageCount: number): number {
  // fixarray(2) + version fixint + array header + one bin8/bin16 header per message (packets
  // stay under 64 KiB, so bin32 never occurs).
  return 2 + arrayHeaderBytes(messageCount) + 3 * messageCount;
}

/**
 * Decodes a compound packet into its messages.
 * @throws {GossipDecodeError} for anything malformed, oversized or of another version.
 */
export function decodePacket(bytes: Uint8Array): GossipMessage[] {
  if (bytes.byteLength > MAX_PACKET_BYTES) {
    throw new GossipDecodeError(
      `Gossip packet of ${bytes.byteLength} bytes exceeds ${MAX_PACKET_BYTES}`,
    );
  }
  const root = safeDecode(bytes, MAX_PACKET_BYTES);
  const [version, parts] = tuple(root, 2, "packet");
  checkVersion(version);
  if (!Array.isArray(parts) || parts.length === 0 || parts.length > MAX_MESSAGES_PER_PACKET) {
    throw new GossipDecodeError(
      `Gossip packet must hold 1 to ${MAX_MESSAGES_PER_PACKET} messages`,
    );
  }
  return parts.map((part) => {
    if (!(part instanceof Uint8Array)) {
      throw new GossipDecodeError("Gossip packet part is not bytes");
    }
    return decodeMessage(part);
  });
}

/**
 * Decodes one packet message.
 * @throws {GossipDecodeError} for anything malformed.
 */
export function decodeMessage(bytes: Uint8Array): GossipMessage {
  const message = arrayToMessage(safeDecode(bytes, MAX_PACKET_BYTES));
  if (message.type === "push-pull") {
    throw new GossipDecodeError("Push/pull is only valid on a stream");
  }
  return message;
}

/** Encodes a stream message. */
export function encodeStreamMessage(message: StreamMessage): Uint8Array {
  return encode([GOSSIP_PROTOCOL_VERSION, messageToArray(message)]);
}

/**
 * Decodes a stream message.
 * @throws {GossipDecodeError} for anything malformed, oversized or of another version.
 */
export function decodeStreamMessage(bytes: Uint8Array): StreamMessage {
  if (bytes.byteLength > MAX_STREAM_MESSAGE_BYTES) {
    throw new GossipDecodeError(
      `Gossip stream message of ${bytes.byteLength} bytes exceeds ${MAX_STREAM_MESSAGE_BYTES}`,
    );
  }
  const [version, body] = tuple(safeDecode(bytes, MAX_STREAM_MESSAGE_BYTES), 2, "stream message");
  checkVersion(version);
  const message = arrayToMessage(body);
  if (message.type !== "push-pull" && message.type !== "ping" && message.type !== "ack") {
    throw new GossipDecodeError(`A ${message.type} message is not valid on a stream`);
  }
  return message;
}

function messageToArray(m: GossipMessage | PushPullMessage): unknown[] {
  switch (m.type) {
    case "ping":
      return [CODE.ping, m.seq, m.target, ...refToArray(m.source)];
    case "ping-req":
      return [
        CODE["ping-req"],
        m.seq,
        ...refToArray(m.target),
        ...refToArray(m.source),
        m.wantNack,
      ];
    case "ack":
    case "nack":
      return [CODE[m.type], m.seq];
    case "suspect":
    case "dead":
      return [CODE[m.type], m.incarnation, m.node, m.from];
    case "alive":
      return [CODE.alive, m.incarnation, m.node, m.addr.hostname, m.addr.port, m.tags];
    case "push-pull":
      return [CODE["push-pull"], m.join, m.reply, m.members.map(entryToArray)];
  }
}

function refToArray(ref: NodeRef): unknown[] {
  return [ref.name, ref.addr.hostname, ref.addr.port];
}

function entryToArray(e: PushPullEntry): unknown[] {
  const stateCode = STATE_CODES.indexOf(e.state);
  return [e.name, e.addr.hostname, e.addr.port, e.tags, e.incarnation, stateCode];
}

function arrayToMessage(value: unknown): GossipMessage | PushPullMessage {
  if (!Array.isArray(value) || value.length === 0) {
    throw new GossipDecodeError("Gossip message must be a non-empty array");
  }
  const code = value[0];
  switch (code) {
    case CODE.ping: {
      const [, seq, target, n, h, p] = tuple(value, 6, "ping");
      return {
        type: "ping",
        seq: uint32(seq, "seq"),
        target: name(target, true),
        source: ref(n, h, p),
      };
    }
    case CODE["ping-req"]: {
      const [, seq, tn, th, tp, sn, sh, sp, wantNack] = tuple(value, 9, "ping-req");
      if (typeof wantNack !== "boolean") {
        throw new GossipDecodeError("PingReq wantNack must be a boolean");
      }
      return {
        type: "ping-req",
        seq: uint32(seq, "seq"),
        target: ref(tn, th, tp),
        source: ref(sn, sh, sp),
        wantNack,
      };
    }
    case CODE.ack:
    case CODE.nack: {
      const [, seq] = tuple(value, 2, "ack");
      return { type: code === CODE.ack ? "ack" : "nack", seq: uint32(seq, "seq") };
    }
    case CODE.suspect:
    case CODE.dead: {
      const [, inc, node, from] = tuple(value, 4, "suspect/dead");
      const type = code === CODE.suspect ? "suspect" : "dead";
      return { type, incarnation: uint32(inc, "incarnation"), node: name(node), from: name(from) };
    }
    case CODE.alive: {
      const [, inc, node, h, p, tags] = tuple(value, 6, "alive");
      return {
        type: "alive",
        incarnation: uint32(inc, "incarnation"),
        node: name(node),
        addr: addr(h, p),
        tags: tagMap(tags),
      };
    }
    case CODE["push-pull"]:
      return pushPullFromArray(value);
    default:
      throw new GossipDecodeError(`Unknown gossip message code ${String(code)}`);
  }
}

function pushPullFromArray(value: unknown[]): PushPullMessage {
  const [, join, reply, entries] = tuple(value, 4, "push-pull");
  if (typeof join !== "boolean" || typeof reply !== "boolean") {
    throw new GossipDecodeError("Push/pull join and reply flags must be booleans");
  }
  if (!Array.isArray(entries) || entries.length > MAX_PUSH_PULL_MEMBERS) {
    throw new GossipDecodeError(`Push/pull must list at most ${MAX_PUSH_PULL_MEMBERS} members`);
  }
  const members = entries.map((entry): PushPullEntry => {
    const [n, h, p, tags, inc, stateCode] = tuple(entry, 6, "push-pull member");
    const state = typeof stateCode === "number" ? STATE_CODES[stateCode] : undefined;
    if (state === undefined) throw new GossipDecodeError("Push/pull member state code is unknown");
    return {
      name: name(n),
      addr: addr(h, p),
      tags: tagMap(tags),
      incarnation: uint32(inc, "incarnation"),
      state,
    };
  });
  return { type: "push-pull", join, reply, members };
}

function safeDecode(bytes: Uint8Array, maxBytes: number): unknown {
  try {
    return decode(bytes, {
      maxStrLength: maxBytes,
      maxBinLength: maxBytes,
      maxArrayLength: Math.max(MAX_PUSH_PULL_MEMBERS, MAX_MESSAGES_PER_PACKET),
      maxMapLength: MAX_TAGS,
      maxExtLength: 0,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GossipDecodeError(`Gossip bytes are not valid MessagePack: ${reason}`);
  }
}

function arrayHeaderBytes(count: number): number {
  return count < 16 ? 1 : count < 65_536 ? 3 : 5;
}
