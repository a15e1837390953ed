/**
 * SWIM failure detection for one core: the probe round (direct ping, then PingReq through k
 * peers and an optional stream ping, then suspicion), Lifeguard health updates, and relaying
 * other members' indirect probes. Private to the gossip module.
 *
 * @module
 */

import type { Awareness } from "./awareness.ts";
import type { MemberRecord, Membership } from "./_membership.ts";
import type { Outbox } from "./_outbox.ts";
import type { GossipTarget } from "./member.ts";
import {
  encodeStreamMessage,
  type GossipMessage,
  type NodeRef,
  type PingReqMessage,
} from "./messages.ts";
import type { SwimConfig } from "./presets.ts";

/** Most indirect probes relayed for others at once; more are dropped (and counted). */
export const MAX_PENDING_RELAYS = 256;

interface ProbeRound {
  readonly seq: number;
  readonly target: MemberRecord;
  readonly incarnation: number;
  readonly directTimeoutAtMs: number;
  readonly deadlineMs: number;
  indirectSent: boolean;
  expectedNacks: number;
  nacks: number;
}

interface Relay {
  readonly originator: GossipTarget;
  readonly originSeq: number;
  readonly wantNack: boolean;
  readonly deadlineMs: number;
}

/** What the prober needs from its core. */
export interface ProbeDeps {
  readonly config: SwimConfig;
  readonly members: Membership;
  readonly awareness: Awareness;
  readonly outbox: Outbox;
  readonly counters: { relaysDropped: number; probesStarted: number; probesFailed: number };
  readonly nextSeq: () => number;
  /** See `SwimOptions.disableTcpPingsFor`. */
  readonly disableTcpPingsFor?: (memberName: string) => boolean;
}

/** Runs probe rounds and relays; time only arrives through `tick` and the message handlers. */
export class ProbeRounds {
  readonly #deps: ProbeDeps;
  readonly #relays = new Map<number, Relay>();
  #round: ProbeRound | null = null;
  #nextProbeAtMs = 0;

  /** Binds the prober to its core. */
  constructor(deps: ProbeDeps) {
    this.#deps = deps;
  }

  /** Sets when the first probe starts. */
  scheduleFirst(atMs: number): void {
    this.#nextProbeAtMs = atMs;
  }

  /** The earliest probe or relay deadline. */
  nextDeadlineMs(): number {
    let next = this.#nextProbeAtMs;
    const round = this.#round;
    if (round !== null) {
      next = Math.min(next, round.indirectSent ? round.deadlineMs : round.directTimeoutAtMs);
    }
    for (const relay of this.#relays.values()) next = Math.min(next, relay.deadlineMs);
    return next;
  }

  /** Handles due timeouts and, when `probing`, starts the next probe round. */
  tick(nowMs: number, probing: boolean): void {
    for (const [seq, relay] of this.#relays) {
      if (relay.deadlineMs > nowMs) continue;
      this.#relays.delete(seq);
      if (relay.wantNack) this.#send(relay.originator, [{ type: "nack", seq: relay.originSeq }]);
    }
    const round = this.#round;
    if (round !== null && !round.indirectSent && nowMs >= round.directTimeoutAtMs) {
      this.#probeIndirectly(round);
    }
    if (round !== null && nowMs >= round.deadlineMs) this.#failRound(round, nowMs);
    if (nowMs < this.#nextProbeAtMs) return;
    const intervalMs = this.#deps.awareness.scaleTimeoutMs(this.#deps.config.probeIntervalMs);
    this.#nextProbeAtMs = nowMs + intervalMs;
    if (probing && this.#round === null) this.#startRound(nowMs, intervalMs);
  }

  /** An ack for `seq`: completes our probe or is relayed to whoever asked for it. */
  onAck(seq: number): void {
    const round = this.#round;
    if (round !== null && round.seq === seq) {
      this.#round = null;
      this.#deps.awareness.applyDelta(-1);
      return;
    }
    const relay = this.#relays.get(seq);
    if (relay === undefined) return;
    this.#relays.delete(seq);
    this.#send(relay.originator, [{ type: "ack", seq: relay.originSeq }]);
  }

  /** A nack for our probe: a peer could not reach the target either, so we are not the problem. */
  onNack(seq: number): void {
    if (this.#round !== null && this.#round.seq === seq) this.#round.nacks++;
  }

  /** Probes a member on another's behalf and relays the outcome. */
  onPingReq(message: PingReqMessage, nowMs: number): void {
    if (this.#relays.size >= MAX_PENDING_RELAYS) {
      this.#deps.counters.relaysDropped++;
      return;
    }
    const seq = this.#deps.nextSeq();
    this.#relays.set(seq, {
      originator: refTarget(message.source),
      originSeq: message.seq,
      wantNack: message.wantNack,
      deadlineMs: nowMs + this.#deps.config.probeTimeoutMs,
    });
    this.#send(refTarget(message.target), [{
      type: "ping",
      seq,
      target: message.target.name,
      source: this.#selfRef(),
    }]);
  }

  #startRound(nowMs: number, intervalMs: number): void {
    const target = this.#deps.members.nextProbeTarget();
    if (target === null) return;
    const seq = this.#deps.nextSeq();
    const ping: GossipMessage = { type: "ping", seq, target: target.name, source: this.#selfRef() };
    const messages: GossipMessage[] = [ping];
    if (target.state !== "alive") {
      // Tell a suspect it is suspected so it can refute at once.
      const self = this.#deps.members.self.name;
      messages.push({
        type: "suspect",
        incarnation: target.incarnation,
        node: target.name,
        from: self,
      });
    }
    this.#send(recordTarget(target), messages);
    this.#deps.counters.probesStarted++;
    this.#round = {
      seq,
      target,
      incarnation: target.incarnation,
      directTimeoutAtMs: nowMs + this.#deps.config.probeTimeoutMs,
      deadlineMs: nowMs + intervalMs,
      indirectSent: false,
      expectedNacks: 0,
      nacks: 0,
    };
  }

  #probeIndirectly(round: ProbeRound): void {
    round.indirectSent = true;
    const { config, members } = this.#deps;
    const selfName = members.self.name;
    const peers = members.randomMembers(
      config.indirectChecks,
      (r) => r.name !== selfName && r.name !== round.target.name && r.state === "alive",
    );
    const request: PingReqMessage = {
      type: "ping-req",
      seq: round.seq,
      target: { name: round.target.name, addr: { ...round.target.addr } },
      source: this.#selfRef(),
      wantNack: true,
    };
    for (const peer of peers) this.#send(recordTarget(peer), [request]);
    round.expectedNacks = peers.length;
    if (config.tcpFallbackPing && !this.#deps.disableTcpPingsFor?.(round.target.name)) {
      const ping = {
        type: "ping" as const,
        seq: round.seq,
        target: round.target.name,
        source: this.#selfRef(),
      };
      this.#deps.outbox.openStream(recordTarget(round.target), encodeStreamMessage(ping), "ping");
    }
  }

  #failRound(round: ProbeRound, nowMs: number): void {
    this.#round = null;
    this.#deps.counters.probesFailed++;
    // Missing nacks mean our own links are the likelier culprit: slow down before accusing.
    const missingNacks = Math.max(0, round.expectedNacks - round.nacks);
    this.#deps.awareness.applyDelta(round.expectedNacks > 0 ? missingNacks : 1);
    this.#deps.members.onSuspect({
      type: "suspect",
      incarnation: round.incarnation,
      node: round.target.name,
      from: this.#deps.members.self.name,
    }, nowMs);
  }

  #selfRef(): NodeRef {
    const self = this.#deps.members.self;
    return { name: self.name, addr: { ...self.addr } };
  }

  #send(to: GossipTarget, messages: GossipMessage[]): void {
    this.#deps.outbox.sendPacket(to, messages, this.#deps.members.size);
  }
}

function recordTarget(record: MemberRecord): GossipTarget {
  return { name: record.name, hostname: record.addr.hostname, port: record.addr.port };
}

function refTarget(ref: NodeRef): GossipTarget {
  return { name: ref.name, hostname: ref.addr.hostname, port: ref.addr.port };
}
