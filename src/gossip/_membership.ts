/**
 * The member table and SWIM's rules for applying Alive, Suspect and Dead news to it: incarnation
 * ordering, refutation, Lifeguard suspicion, address reclaim, left versus failed, reaping.
 * Private to the gossip module; `swim.ts` drives it.
 *
 * @module
 */

import type { Random } from "../runtime/ports.ts";
import type { Awareness } from "./awareness.ts";
import type { BroadcastQueue } from "./broadcast_queue.ts";
import type { GossipAddr, Member, MemberState } from "./member.ts";
import {
  type AliveMessage,
  type DeadMessage,
  encodeMessage,
  MAX_PUSH_PULL_MEMBERS,
  type PushPullEntry,
  type SuspectMessage,
} from "./messages.ts";
import type { SwimConfig } from "./presets.ts";
import { Suspicion, suspicionMinTimeoutMs } from "./suspicion.ts";

/** Most members one core tracks (so a full state always fits one push/pull). */
export const MAX_MEMBERS = MAX_PUSH_PULL_MEMBERS;

/** What happened to a member, as reported to the caller. */
export type MemberEventType = "join" | "update" | "leave" | "fail" | "reap";

/** A membership change seen by this member. */
export interface MemberEvent {
  readonly type: MemberEventType;
  readonly member: Member;
}

/** A member with its running suspicion. */
export interface MemberRecord {
  name: string;
  addr: GossipAddr;
  tags: Readonly<Record<string, string>>;
  incarnation: number;
  state: MemberState;
  stateChangeMs: number;
  suspicion: Suspicion | null;
}

/** What the table needs from its owner. */
export interface MembershipDeps {
  readonly selfName: string;
  readonly config: SwimConfig;
  readonly random: Random;
  readonly queue: BroadcastQueue;
  readonly awareness: Awareness;
  readonly emit: (event: MemberEvent) => void;
  readonly isLeaving: () => boolean;
  readonly countRejected: (reason: "address-conflict" | "table-full") => void;
}

/** Returns an immutable snapshot of a record. */
export function snapshotMember(record: MemberRecord): Member {
  return Object.freeze({
    name: record.name,
    addr: { ...record.addr },
    tags: { ...record.tags },
    incarnation: record.incarnation,
    state: record.state,
    stateChangeMs: record.stateChangeMs,
  });
}

/** The member table plus SWIM's state-transition rules. */
export class Membership {
  readonly #deps: MembershipDeps;
  readonly #records = new Map<string, MemberRecord>();
  #probeOrder: string[] = [];
  #probeIndex = 0;

  /** Creates the table holding only the local member, alive at incarnation 1. */
  constructor(
    deps: MembershipDeps,
    self: { addr: GossipAddr; tags: Record<string, string> },
    nowMs: number,
  ) {
    this.#deps = deps;
    const record: MemberRecord = {
      name: deps.selfName,
      addr: { ...self.addr },
      tags: { ...self.tags },
      incarnation: 1,
      state: "alive",
      stateChangeMs: nowMs,
      suspicion: null,
    };
    this.#records.set(record.name, record);
    this.#probeOrder.push(record.name);
    this.#broadcastAlive(record);
  }

  /** Members known, including the local one and those dead or left but not yet reaped. */
  get size(): number {
    return this.#records.size;
  }

  /** The local member's record. */
  get self(): MemberRecord {
    const self = this.#records.get(this.#deps.selfName);
    if (self === undefined) throw new Error("Local member missing from its own table");
    return self;
  }

  /** One member's record. */
  get(name: string): MemberRecord | undefined {
    return this.#records.get(name);
  }

  /** All records, in insertion order. */
  records(): IterableIterator<MemberRecord> {
    return this.#records.values();
  }

  /** Members not dead or left (the local member included). */
  liveCount(): number {
    let count = 0;
    for (const r of this.#records.values()) {
      if (r.state === "alive" || r.state === "suspect") count++;
    }
    return count;
  }

  /** Applies an Alive message: new members join, higher incarnations win, we refute stale news about us. */
  onAlive(message: AliveMessage, nowMs: number): void {
    const { selfName, config } = this.#deps;
    const isSelf = message.node === selfName;
    if (isSelf && this.#deps.isLeaving()) return;
    let record = this.#records.get(message.node);
    const fresh = record === undefined;
    let reclaims = false;
    if (record === undefined) {
      if (this.#records.size >= MAX_MEMBERS) return this.#deps.countRejected("table-full");
      record = this.#insert(message, nowMs);
    } else if (!sameAddr(record.addr, message.addr)) {
      const canReclaim = config.deadNodeReclaimTimeMs > 0 &&
        nowMs - record.stateChangeMs > config.deadNodeReclaimTimeMs;
      reclaims = record.state === "left" || (record.state === "dead" && canReclaim);
      if (!reclaims) return this.#deps.countRejected("address-conflict");
    }
    if (!fresh && !isSelf && !reclaims && message.incarnation <= record.incarnation) return;
    if (isSelf) {
      if (message.incarnation < record.incarnation) return;
      const same = message.incarnation === record.incarnation &&
        sameAddr(record.addr, message.addr) &&
        sameTags(record.tags, message.tags);
      if (!same) this.refute(message.incarnation);
      return;
    }
    record.suspicion = null;
    const oldState = record.state;
    const changed = !sameTags(record.tags, message.tags) || !sameAddr(record.addr, message.addr);
    this.#deps.queue.enqueue(message.node, encodeMessage(message));
    record.incarnation = message.incarnation;
    record.tags = { ...message.tags };
    record.addr = { ...message.addr };
    if (record.state !== "alive") {
      record.state = "alive";
      record.stateChangeMs = nowMs;
    }
    if (fresh || oldState === "dead" || oldState === "left") this.#emit("join", record);
    else if (changed) this.#emit("update", record);
  }

  /** Applies a Suspect message: starts or confirms a Lifeguard suspicion, or refutes one about us. */
  onSuspect(message: SuspectMessage, nowMs: number): void {
    const record = this.#records.get(message.node);
    if (record === undefined || message.incarnation < record.incarnation) return;
    if (record.suspicion !== null) {
      if (record.suspicion.confirm(message.from)) {
        this.#deps.queue.enqueue(message.node, encodeMessage(message));
      }
      return;
    }
    if (record.state !== "alive") return;
    if (record.name === this.#deps.selfName) {
      if (!this.#deps.isLeaving()) this.refute(message.incarnation);
      return;
    }
    this.#deps.queue.enqueue(message.node, encodeMessage(message));
    record.incarnation = message.incarnation;
    record.state = "suspect";
    record.stateChangeMs = nowMs;
    record.suspicion = this.#newSuspicion(message.from, nowMs);
  }

  /** Applies a Dead message: failed, or left when a member declares itself dead. */
  onDead(message: DeadMessage, nowMs: number): void {
    const record = this.#records.get(message.node);
    if (record === undefined || message.incarnation < record.incarnation) return;
    record.suspicion = null;
    if (record.state === "dead" || record.state === "left") return;
    const isSelf = record.name === this.#deps.selfName;
    if (isSelf && !this.#deps.isLeaving()) {
      this.refute(message.incarnation);
      return;
    }
    this.#deps.queue.enqueue(message.node, encodeMessage(message));
    record.incarnation = message.incarnation;
    record.state = message.node === message.from ? "left" : "dead";
    record.stateChangeMs = nowMs;
    if (!isSelf) this.#emit(record.state === "left" ? "leave" : "fail", record);
  }

  /** Merges a peer's full state; its dead members only become suspect here (they may refute). */
  mergeRemoteState(entries: readonly PushPullEntry[], nowMs: number): void {
    for (const e of entries) {
      const base = { incarnation: e.incarnation, node: e.name };
      if (e.state === "alive") {
        this.onAlive({ type: "alive", ...base, addr: e.addr, tags: e.tags }, nowMs);
      } else if (e.state === "left") {
        this.onDead({ type: "dead", ...base, from: e.name }, nowMs);
      } else {
        this.onSuspect({ type: "suspect", ...base, from: this.#deps.selfName }, nowMs);
      }
    }
  }

  /** Our full state for a push/pull. */
  pushPullState(): PushPullEntry[] {
    return [...this.#records.values()].map((r) => ({
      name: r.name,
      addr: { ...r.addr },
      tags: { ...r.tags },
      incarnation: r.incarnation,
      state: r.state,
    }));
  }

  /** Bumps our incarnation past `accusedIncarnation` and broadcasts that we are alive. */
  refute(accusedIncarnation: number): void {
    const self = this.self;
    self.incarnation = Math.max(self.incarnation, accusedIncarnation) + 1;
    this.#deps.awareness.applyDelta(1);
    this.#broadcastAlive(self);
  }

  /** Changes our tags and announces them with a new incarnation. */
  updateSelfTags(tags: Record<string, string>): void {
    const self = this.self;
    self.tags = { ...tags };
    self.incarnation++;
    this.#broadcastAlive(self);
  }

  /** Declares dead every suspect whose suspicion ran out. */
  expireSuspicions(nowMs: number): void {
    for (const r of this.#records.values()) {
      if (r.state === "suspect" && r.suspicion !== null && r.suspicion.deadlineMs <= nowMs) {
        this.onDead({
          type: "dead",
          incarnation: r.incarnation,
          node: r.name,
          from: this.#deps.selfName,
        }, nowMs);
      }
    }
  }

  /** Forgets failed and left members whose reconnect or tombstone time is over. */
  reap(nowMs: number): void {
    for (const r of [...this.#records.values()]) {
      const due = this.#reapAtMs(r);
      if (due !== null && due <= nowMs) {
        this.#records.delete(r.name);
        this.#emit("reap", r);
      }
    }
  }

  /** The earliest suspicion expiry or reap time, or Infinity. */
  nextDeadlineMs(): number {
    let next = Infinity;
    for (const r of this.#records.values()) {
      if (r.suspicion !== null) next = Math.min(next, r.suspicion.deadlineMs);
      const reapAt = this.#reapAtMs(r);
      if (reapAt !== null) next = Math.min(next, reapAt);
    }
    return next;
  }

  /** The next member to probe, round-robin over a shuffled order; null when nobody is live. */
  nextProbeTarget(): MemberRecord | null {
    for (let checked = 0; checked <= this.#probeOrder.length; checked++) {
      if (this.#probeIndex >= this.#probeOrder.length) this.#reshuffle();
      const record = this.#records.get(this.#probeOrder[this.#probeIndex++]);
      if (record === undefined || record.name === this.#deps.selfName) continue;
      if (record.state === "alive" || record.state === "suspect") return record;
    }
    return null;
  }

  /** Up to `k` distinct random records that pass `accept`. */
  randomMembers(k: number, accept: (record: MemberRecord) => boolean): MemberRecord[] {
    const pool = [...this.#records.values()].filter(accept);
    shuffle(pool, this.#deps.random);
    return pool.slice(0, k);
  }

  #insert(message: AliveMessage, nowMs: number): MemberRecord {
    const record: MemberRecord = {
      name: message.node,
      addr: { ...message.addr },
      tags: { ...message.tags },
      incarnation: message.incarnation,
      state: "dead",
      stateChangeMs: nowMs,
      suspicion: null,
    };
    this.#records.set(record.name, record);
    // A random slot keeps the detection bound low: appending would probe newcomers last.
    const offset = this.#deps.random.int(this.#probeOrder.length + 1);
    this.#probeOrder.push(record.name);
    const last = this.#probeOrder.length - 1;
    [this.#probeOrder[offset], this.#probeOrder[last]] = [
      this.#probeOrder[last],
      this.#probeOrder[offset],
    ];
    return record;
  }

  #reshuffle(): void {
    this.#probeOrder = [...this.#records.keys()];
    shuffle(this.#probeOrder, this.#deps.random);
    this.#probeIndex = 0;
  }

  #newSuspicion(from: string, nowMs: number): Suspicion {
    const { config } = this.#deps;
    const n = this.liveCount();
    // Aim for the nominal timeout two probe intervals early; small pools cannot confirm.
    let wanted = config.suspicionMult - 2;
    if (n - 2 < wanted) wanted = 0;
    const minMs = suspicionMinTimeoutMs(config.suspicionMult, n, config.probeIntervalMs);
    const maxMs = config.suspicionMaxTimeoutMult * minMs;
    return new Suspicion(from, { startMs: nowMs, wanted, minMs, maxMs });
  }

  #reapAtMs(record: MemberRecord): number | null {
    if (record.name === this.#deps.selfName) return null;
    if (record.state === "dead") return record.stateChangeMs + this.#deps.config.reconnectTimeoutMs;
    if (record.state === "left") return record.stateChangeMs + this.#deps.config.tombstoneTimeoutMs;
    return null;
  }

  #broadcastAlive(record: MemberRecord): void {
    const alive: AliveMessage = {
      type: "alive",
      incarnation: record.incarnation,
      node: record.name,
      addr: record.addr,
      tags: record.tags,
    };
    this.#deps.queue.enqueue(record.name, encodeMessage(alive));
  }

  #emit(type: MemberEventType, record: MemberRecord): void {
    if (record.name !== this.#deps.selfName) {
      this.#deps.emit({ type, member: snapshotMember(record) });
    }
  }
}

function sameAddr(a: GossipAddr, b: GossipAddr): boolean {
  return a.hostname === b.hostname && a.port === b.port;
}

function sameTags(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** Fisher–Yates with the injected randomness. */
export function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}
