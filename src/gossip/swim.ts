/**
 * The SWIM membership core: a synchronous state machine with no I/O and no clock. Callers feed
 * it time (`tick`), packets and stream messages, and carry out the packets, stream exchanges
 * and events it returns.
 *
 * @module
 */

import type { Random } from "../runtime/ports.ts";
import { Awareness } from "./awareness.ts";
import { BroadcastQueue } from "./broadcast_queue.ts";
import { type MemberRecord, Membership, snapshotMember } from "./_membership.ts";
import { Outbox, type SwimOutputs } from "./_outbox.ts";
import { ProbeRounds } from "./_probe.ts";
import { type GossipAddr, type GossipTarget, type Member } from "./member.ts";
import {
  decodePacket,
  decodeStreamMessage,
  encodeStreamMessage,
  GossipDecodeError,
  type GossipMessage,
  type StreamMessage,
} from "./messages.ts";
import { type SwimConfig, validateSwimConfig } from "./presets.ts";
import { validateSelf, validateTags } from "./_identity.ts";

/** Above this many members the push/pull interval grows with log2(n). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/** The local member's identity. */
export interface SwimSelf {
  /** Unique in the pool (WAN: `<node>.<dc>`). */
  readonly name: string;
  /** The address other members reach this one at. */
  readonly addr: GossipAddr;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Everything a core needs; time and randomness come only from here and later calls. */
export interface SwimOptions {
  readonly self: SwimSelf;
  readonly config: SwimConfig;
  readonly random: Random;
  /** The caller's clock now; later calls must not pass smaller values. */
  readonly nowMs: number;
  /**
   * Members never sent a TCP fallback ping, whatever `tcpFallbackPing` says (memberlist's
   * `DisableTcpPingsForNode`): Consul's WAN pool skips members of other datacenters when it
   * reaches them through mesh gateways, where every packet already travels over TCP.
   */
  readonly disableTcpPingsFor?: (memberName: string) => boolean;
}

/** A stream exchange's result: outputs, plus the reply frame to write back (if any). */
export interface SwimStreamOutputs extends SwimOutputs {
  readonly reply: Uint8Array | null;
}

/** Counters of input the core refused, for metrics and tests. */
export interface SwimCounters {
  malformedPackets: number;
  malformedStreams: number;
  misaddressedPings: number;
  addressConflicts: number;
  tableFull: number;
  relaysDropped: number;
  /** Probe rounds started by this member. */
  probesStarted: number;
  /** Probe rounds that ended without an ack (each raised or confirmed a suspicion). */
  probesFailed: number;
}

/**
 * One member's SWIM protocol engine (probe, indirect probe, Lifeguard suspicion and local
 * health, refutation, piggybacked broadcasts, push/pull, reconnect and reap).
 *
 * @example
 * ```ts
 * const swim = new Swim({ self: { name: "a", addr }, config: presets.lan, random, nowMs: 0 });
 * let out = swim.join([{ hostname: "10.0.0.2", port: 8301 }], 0);
 * out = swim.tick(1000); // send out.packets, run out.streams, report out.events
 * ```
 */
export class Swim {
  readonly #config: SwimConfig;
  readonly #random: Random;
  readonly #name: string;
  readonly #queue = new BroadcastQueue();
  readonly #awareness: Awareness;
  readonly #outbox: Outbox;
  readonly #members: Membership;
  readonly #probes: ProbeRounds;
  readonly #counters: SwimCounters = {
    malformedPackets: 0,
    malformedStreams: 0,
    misaddressedPings: 0,
    addressConflicts: 0,
    tableFull: 0,
    relaysDropped: 0,
    probesStarted: 0,
    probesFailed: 0,
  };
  #nowMs: number;
  #leaving = false;
  #nextGossipAtMs: number;
  #nextPushPullAtMs: number;
  #nextReconnectAtMs: number;

  /**
   * Creates a core whose pool holds only itself.
   * @throws {SwimConfigError} for an unusable config, name, address or tag set.
   */
  constructor(options: SwimOptions) {
    validateSwimConfig(options.config);
    validateSelf(options.self);
    this.#config = options.config;
    this.#random = options.random;
    this.#name = options.self.name;
    this.#nowMs = options.nowMs;
    this.#awareness = new Awareness(options.config.awarenessMaxMultiplier);
    this.#outbox = new Outbox(this.#queue, {
      budgetBytes: options.config.packetBudgetBytes,
      retransmitMult: options.config.retransmitMult,
    });
    this.#members = new Membership(
      {
        selfName: this.#name,
        config: this.#config,
        random: this.#random,
        queue: this.#queue,
        awareness: this.#awareness,
        emit: (event) => this.#outbox.emit(event),
        isLeaving: () => this.#leaving,
        countRejected: (reason) =>
          reason === "table-full" ? this.#counters.tableFull++ : this.#counters.addressConflicts++,
      },
      { addr: options.self.addr, tags: { ...options.self.tags } },
      options.nowMs,
    );
    this.#probes = new ProbeRounds({
      config: this.#config,
      members: this.#members,
      awareness: this.#awareness,
      outbox: this.#outbox,
      counters: this.#counters,
      nextSeq: () => this.#nextSeq(),
      ...(options.disableTcpPingsFor === undefined
        ? {}
        : { disableTcpPingsFor: options.disableTcpPingsFor }),
    });
    // Random stagger so members started together do not act in lockstep.
    const now = options.nowMs;
    this.#probes.scheduleFirst(now + this.#random.int(this.#config.probeIntervalMs));
    this.#nextGossipAtMs = now + this.#random.int(this.#config.gossipIntervalMs);
    this.#nextPushPullAtMs = now + this.#random.int(this.#config.pushPullIntervalMs);
    this.#nextReconnectAtMs = now + this.#config.reconnectIntervalMs;
  }

  #seq = 0;
  #nextSeq(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  /** This member's name. */
  get name(): string {
    return this.#name;
  }

  /** True once `leave` was called. */
  get leaving(): boolean {
    return this.#leaving;
  }

  /**
   * True after `leave` once our leave notice has been sent its full number of times, or at
   * once when no other member is alive to hear it (as memberlist, which then does not wait).
   */
  get leaveBroadcastDone(): boolean {
    if (!this.#leaving) return false;
    return !this.#queue.has(this.#name) || this.#members.liveCount() === 0;
  }

  /** The Lifeguard local health score (0 is healthy). */
  get healthScore(): number {
    return this.#awareness.score;
  }

  /** Refused-input counters (a copy). */
  get counters(): SwimCounters {
    return { ...this.#counters };
  }

  /** Broadcasts waiting to be sent. */
  get pendingBroadcasts(): number {
    return this.#queue.size;
  }

  /** Every known member, this one included, sorted by name. */
  members(): Member[] {
    return [...this.#members.records()].map(snapshotMember).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /** One member, if known. */
  member(name: string): Member | undefined {
    const record = this.#members.get(name);
    return record === undefined ? undefined : snapshotMember(record);
  }

  /** The earliest time `tick` has something to do; the driver sleeps until then. */
  nextDeadlineMs(): number {
    let next = Math.min(
      this.#nextGossipAtMs,
      this.#members.nextDeadlineMs(),
      this.#probes.nextDeadlineMs(),
    );
    if (!this.#leaving) next = Math.min(next, this.#nextPushPullAtMs, this.#nextReconnectAtMs);
    return Math.max(next, this.#nowMs);
  }

  /** Advances time: runs probes, timeouts, suspicion expiry, gossip, push/pull, reconnect, reap. */
  tick(nowMs: number): SwimOutputs {
    this.#advance(nowMs);
    this.#probes.tick(nowMs, !this.#leaving);
    this.#members.expireSuspicions(nowMs);
    if (nowMs >= this.#nextGossipAtMs) {
      this.#gossip(nowMs);
      this.#nextGossipAtMs = nextAfter(this.#nextGossipAtMs, this.#config.gossipIntervalMs, nowMs);
    }
    if (!this.#leaving && nowMs >= this.#nextPushPullAtMs) {
      this.#pushPull();
      const interval = pushPullScaleMs(this.#config.pushPullIntervalMs, this.#members.liveCount());
      this.#nextPushPullAtMs = nowMs + interval;
    }
    if (!this.#leaving && nowMs >= this.#nextReconnectAtMs) {
      this.#reconnect();
      this.#nextReconnectAtMs = nowMs + this.#config.reconnectIntervalMs;
    }
    this.#members.reap(nowMs);
    return this.#outbox.drain();
  }

  /** Handles one received packet; malformed packets are counted and dropped. */
  receivePacket(from: GossipAddr, bytes: Uint8Array, nowMs: number): SwimOutputs {
    this.#advance(nowMs);
    let messages: GossipMessage[];
    try {
      messages = decodePacket(bytes);
    } catch (error) {
      if (!(error instanceof GossipDecodeError)) throw error;
      this.#counters.malformedPackets++;
      return this.#outbox.drain();
    }
    void from; // replies go to the address inside the message: tunnels hide the sender's.
    for (const message of messages) this.#handle(message, nowMs);
    return this.#outbox.drain();
  }

  /**
   * Handles one stream frame: a push/pull request (answered with our state), a push/pull reply,
   * a fallback ping (answered with an ack) or that ack. Malformed frames are counted; no reply.
   */
  receiveStream(from: GossipAddr, bytes: Uint8Array, nowMs: number): SwimStreamOutputs {
    this.#advance(nowMs);
    let message: StreamMessage;
    try {
      message = decodeStreamMessage(bytes);
    } catch (error) {
      if (!(error instanceof GossipDecodeError)) throw error;
      this.#counters.malformedStreams++;
      return { ...this.#outbox.drain(), reply: null };
    }
    void from;
    let reply: Uint8Array | null = null;
    if (message.type === "push-pull") {
      this.#members.mergeRemoteState(message.members, nowMs);
      if (!message.reply) reply = this.#encodeState(false, true);
    } else if (message.type === "ping") {
      if (message.target === "" || message.target === this.#name) {
        reply = encodeStreamMessage({ type: "ack", seq: message.seq });
      } else this.#counters.misaddressedPings++;
    } else {
      this.#probes.onAck(message.seq);
    }
    return { ...this.#outbox.drain(), reply };
  }

  /** Asks to join a pool through the given members: one push/pull exchange with each. */
  join(targets: readonly GossipTarget[], nowMs: number): SwimOutputs {
    this.#advance(nowMs);
    for (const to of targets) this.#outbox.openStream(to, this.#encodeState(true, false), "join");
    return this.#outbox.drain();
  }

  /** Leaves gracefully: spreads a notice that we left; wait for `leaveBroadcastDone`. */
  leave(nowMs: number): SwimOutputs {
    this.#advance(nowMs);
    if (this.#leaving) return this.#outbox.drain();
    this.#leaving = true;
    const self = this.#members.self;
    this.#members.onDead({
      type: "dead",
      incarnation: self.incarnation,
      node: this.#name,
      from: this.#name,
    }, nowMs);
    return this.#outbox.drain();
  }

  /**
   * Replaces our tags and announces them.
   * @throws {SwimConfigError} when the tags exceed the limits.
   */
  setTags(tags: Readonly<Record<string, string>>, nowMs: number): SwimOutputs {
    validateTags(tags);
    this.#advance(nowMs);
    if (!this.#leaving) this.#members.updateSelfTags({ ...tags });
    return this.#outbox.drain();
  }

  #advance(nowMs: number): void {
    if (!Number.isFinite(nowMs)) throw new RangeError(`Gossip time must be finite, got ${nowMs}`);
    // Tolerate a caller whose clock steps back: time in the core never does.
    this.#nowMs = Math.max(this.#nowMs, nowMs);
  }

  #handle(message: GossipMessage, nowMs: number): void {
    switch (message.type) {
      case "ping":
        if (message.target !== "" && message.target !== this.#name) {
          this.#counters.misaddressedPings++;
          return;
        }
        this.#send(toTarget(message.source), [{ type: "ack", seq: message.seq }]);
        return;
      case "ping-req":
        return this.#probes.onPingReq(message, nowMs);
      case "ack":
        return this.#probes.onAck(message.seq);
      case "nack":
        return this.#probes.onNack(message.seq);
      case "alive":
        return this.#members.onAlive(message, nowMs);
      case "suspect":
        return this.#members.onSuspect(message, nowMs);
      case "dead":
        return this.#members.onDead(message, nowMs);
    }
  }

  #send(to: GossipTarget, messages: GossipMessage[]): void {
    this.#outbox.sendPacket(to, messages, this.#members.size);
  }

  #gossip(nowMs: number): void {
    const targets = this.#members.randomMembers(this.#config.gossipNodes, (r) => {
      if (r.name === this.#name) return false;
      if (r.state === "alive" || r.state === "suspect") return true;
      // Keep telling recently dead members the news so they can refute it.
      return nowMs - r.stateChangeMs <= this.#config.gossipToTheDeadMs;
    });
    for (const r of targets) {
      if (!this.#outbox.sendGossip(recordTarget(r), this.#members.size)) return;
    }
  }

  #pushPull(): void {
    const [peer] = this.#members.randomMembers(
      1,
      (r) => r.name !== this.#name && r.state === "alive",
    );
    if (peer !== undefined) {
      this.#outbox.openStream(recordTarget(peer), this.#encodeState(false, false), "push-pull");
    }
  }

  /** Serf's reconnect: now and then try a failed member, likelier when many have failed. */
  #reconnect(): void {
    const failed = [...this.#members.records()].filter((r) => r.state === "dead");
    if (failed.length === 0) return;
    const live = Math.max(1, this.#members.liveCount() - 1);
    if (this.#random.float() > failed.length / live) return;
    const peer = failed[this.#random.int(failed.length)];
    this.#outbox.openStream(recordTarget(peer), this.#encodeState(false, false), "push-pull");
  }

  #encodeState(join: boolean, reply: boolean): Uint8Array {
    return encodeStreamMessage({
      type: "push-pull",
      join,
      reply,
      members: this.#members.pushPullState(),
    });
  }
}

/** The push/pull interval for `memberCount` members (longer past 32 so total load stays flat). */
export function pushPullScaleMs(intervalMs: number, memberCount: number): number {
  if (memberCount <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(memberCount) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/** Where to send to reach `record`. */
export function recordTarget(record: MemberRecord): GossipTarget {
  return { name: record.name, hostname: record.addr.hostname, port: record.addr.port };
}

function toTarget(ref: { name: string; addr: GossipAddr }): GossipTarget {
  return { name: ref.name, hostname: ref.addr.hostname, port: ref.addr.port };
}

function nextAfter(previousMs: number, intervalMs: number, nowMs: number): number {
  const next = previousMs + intervalMs;
  return next > nowMs ? next : nowMs + intervalMs;
}
