/**
 * Collects what one core call wants done, piggybacking queued broadcasts on every packet.
 * Private to the gossip module.
 *
 * @module
 */

import { type BroadcastQueue, retransmitLimit } from "./broadcast_queue.ts";
import type { MemberEvent } from "./_membership.ts";
import type { GossipTarget } from "./member.ts";
import {
  encodeMessage,
  encodePacket,
  type GossipMessage,
  packetOverheadBytes,
} from "./messages.ts";

/** A packet the driver must send (UDP, or a framed packet through a gateway tunnel). */
export interface OutgoingPacket {
  readonly to: GossipTarget;
  readonly bytes: Uint8Array;
}

/** Why a stream is opened. */
export type StreamPurpose = "join" | "push-pull" | "ping";

/**
 * A stream exchange the driver must perform: open a stream to `to`, send `bytes` as one frame,
 * read one reply frame and hand it to `Swim.receiveStream`. A failure needs no report.
 */
export interface OutgoingStream {
  readonly to: GossipTarget;
  readonly bytes: Uint8Array;
  readonly purpose: StreamPurpose;
}

/** Everything one call into the core asks of its caller, in the order it arose. */
export interface SwimOutputs {
  readonly packets: OutgoingPacket[];
  readonly streams: OutgoingStream[];
  readonly events: MemberEvent[];
}

/** Per-message framing allowance inside a packet (a bin8/bin16 header). */
const PER_MESSAGE_OVERHEAD_BYTES = 3;
/** Allowance for the packet's own header: fixarray, version, array-of-parts header. */
const PACKET_HEADER_BYTES = packetOverheadBytes(0) + 4;

/** Accumulates outputs for one call. */
export class Outbox {
  readonly #queue: BroadcastQueue;
  readonly #budgetBytes: number;
  readonly #retransmitMult: number;
  #outputs: SwimOutputs = { packets: [], streams: [], events: [] };

  /** Piggybacks from `queue` within `budgetBytes` per packet. */
  constructor(queue: BroadcastQueue, options: { budgetBytes: number; retransmitMult: number }) {
    this.#queue = queue;
    this.#budgetBytes = options.budgetBytes;
    this.#retransmitMult = options.retransmitMult;
  }

  /** Sends `messages` to `to`, filling the rest of the packet with broadcasts. */
  sendPacket(to: GossipTarget, messages: readonly GossipMessage[], memberCount: number): void {
    const encoded = messages.map(encodeMessage);
    const used = PACKET_HEADER_BYTES +
      encoded.reduce((sum, bytes) => sum + bytes.byteLength + PER_MESSAGE_OVERHEAD_BYTES, 0);
    encoded.push(...this.#takeBroadcasts(this.#budgetBytes - used, memberCount));
    this.#outputs.packets.push({ to, bytes: encodePacket(encoded) });
  }

  /** Sends a packet of broadcasts only; false when none was waiting. */
  sendGossip(to: GossipTarget, memberCount: number): boolean {
    const broadcasts = this.#takeBroadcasts(this.#budgetBytes - PACKET_HEADER_BYTES, memberCount);
    if (broadcasts.length === 0) return false;
    this.#outputs.packets.push({ to, bytes: encodePacket(broadcasts) });
    return true;
  }

  /** Asks for a stream exchange. */
  openStream(to: GossipTarget, bytes: Uint8Array, purpose: StreamPurpose): void {
    this.#outputs.streams.push({ to, bytes, purpose });
  }

  /** Reports a membership event. */
  emit(event: MemberEvent): void {
    this.#outputs.events.push(event);
  }

  /** Returns everything collected and starts afresh. */
  drain(): SwimOutputs {
    const outputs = this.#outputs;
    this.#outputs = { packets: [], streams: [], events: [] };
    return outputs;
  }

  #takeBroadcasts(budgetBytes: number, memberCount: number): Uint8Array[] {
    const limit = retransmitLimit(this.#retransmitMult, memberCount);
    return this.#queue.take(budgetBytes, PER_MESSAGE_OVERHEAD_BYTES, limit);
  }
}
