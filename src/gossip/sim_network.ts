/**
 * A deterministic simulated network for SWIM cores: virtual time, per-link loss and latency,
 * partitions, killed members, all driven by one seed. The same seed replays the same run
 * exactly, which is what makes failures in tests and whole-federation simulations debuggable.
 *
 * Packets may be lost and reordered; stream exchanges are reliable (like TCP) unless a link is
 * cut or a member is down, in which case they silently fail.
 *
 * @module
 */

import { createSeededRandom } from "../runtime/random.ts";
import type { Random } from "../runtime/ports.ts";
import type { MemberEvent } from "./_membership.ts";
import type { SwimOutputs } from "./_outbox.ts";
import type { GossipAddr, GossipTarget, MemberState } from "./member.ts";
import type { SwimConfig } from "./presets.ts";
import { Swim } from "./swim.ts";

/** Most deliveries in flight at once; a run that exceeds it is broken, not busy. */
export const MAX_IN_FLIGHT_DELIVERIES = 1_000_000;
/** Port every simulated member listens on. */
export const SIM_GOSSIP_PORT = 7946;

/** One event seen by one member, stamped with virtual time. */
export interface SimTraceEntry {
  readonly atMs: number;
  readonly observer: string;
  readonly type: MemberEvent["type"];
  readonly member: string;
  readonly incarnation: number;
}

/** Network-wide settings. */
export interface SimNetworkOptions {
  readonly seed: number;
  readonly config: SwimConfig;
  /** One-way delay bounds, uniformly drawn per packet. Default 1–5 ms. */
  readonly latencyMs?: { readonly min: number; readonly max: number };
  /** Probability that any packet is lost. Default 0. */
  readonly lossRate?: number;
}

interface SimNode {
  readonly name: string;
  readonly addr: GossipAddr;
  readonly swim: Swim;
  up: boolean;
  nextDeadlineMs: number;
}

type Delivery =
  | { kind: "packet"; from: string; to: string; bytes: Uint8Array }
  | { kind: "stream-request"; from: string; to: string; bytes: Uint8Array }
  | { kind: "stream-reply"; from: string; to: string; bytes: Uint8Array };

interface Scheduled {
  readonly atMs: number;
  readonly order: number;
  readonly delivery: Delivery;
}

/** N SWIM cores on a simulated network with virtual time. */
export class SimNetwork {
  readonly #config: SwimConfig;
  readonly #random: Random;
  readonly #latency: { min: number; max: number };
  #lossRate: number;
  readonly #nodes = new Map<string, SimNode>();
  readonly #byAddr = new Map<string, SimNode>();
  readonly #linkLoss = new Map<string, number>();
  readonly #cut = new Set<string>();
  #partition: Map<string, number> | null = null;
  readonly #heap = new DeliveryHeap();
  #order = 0;
  #nowMs = 0;
  readonly #trace: SimTraceEntry[] = [];
  /** Packets sent and packets dropped (lost, cut or to a down member). */
  readonly stats = { packetsSent: 0, packetsDropped: 0, streamsOpened: 0, streamsFailed: 0 };

  /** Creates an empty network at virtual time 0. */
  constructor(options: SimNetworkOptions) {
    this.#config = options.config;
    this.#random = createSeededRandom(options.seed);
    this.#latency = { ...(options.latencyMs ?? { min: 1, max: 5 }) };
    this.#lossRate = options.lossRate ?? 0;
  }

  /** Virtual now. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Every event every member reported, in order. */
  get trace(): readonly SimTraceEntry[] {
    return this.#trace;
  }

  /** Names of all members ever added. */
  names(): string[] {
    return [...this.#nodes.keys()];
  }

  /** Adds a member (its own seeded randomness derives from the network seed). */
  addMember(name: string, tags: Record<string, string> = {}): Swim {
    if (this.#nodes.has(name)) throw new Error(`Simulated member ${name} already exists`);
    const addr = { hostname: `sim-${name}`, port: SIM_GOSSIP_PORT };
    const random = createSeededRandom(this.#random.int(2 ** 31));
    const swim = new Swim({
      self: { name, addr, tags },
      config: this.#config,
      random,
      nowMs: this.#nowMs,
    });
    const node: SimNode = { name, addr, swim, up: true, nextDeadlineMs: swim.nextDeadlineMs() };
    this.#nodes.set(name, node);
    this.#byAddr.set(addrKey(addr), node);
    return swim;
  }

  /** The core of a member. */
  swim(name: string): Swim {
    return this.#node(name).swim;
  }

  /** Whether a member is running. */
  isUp(name: string): boolean {
    return this.#node(name).up;
  }

  /** How `observer` currently sees `member` (undefined when unknown to it). */
  view(observer: string, member: string): MemberState | undefined {
    return this.#node(observer).swim.member(member)?.state;
  }

  /** Makes `name` join through the members named in `via`. */
  join(name: string, via: readonly string[]): void {
    const node = this.#node(name);
    const targets: GossipTarget[] = via.map((other) => ({
      name: other,
      ...this.#node(other).addr,
    }));
    this.#apply(node, node.swim.join(targets, this.#nowMs));
  }

  /** Starts a graceful leave of `name` (it keeps running until `kill`). */
  leave(name: string): void {
    const node = this.#node(name);
    this.#apply(node, node.swim.leave(this.#nowMs));
  }

  /** Stops a member: no ticks, nothing delivered to or from it. */
  kill(name: string): void {
    this.#node(name).up = false;
  }

  /** Sets the loss probability of every link without its own setting. */
  setLossRate(rate: number): void {
    this.#lossRate = rate;
  }

  /** Sets the loss probability of the link from `from` to `to` (one direction). */
  setLinkLoss(from: string, to: string, rate: number): void {
    this.#linkLoss.set(`${from}>${to}`, rate);
  }

  /** Cuts both directions between `a` and `b` (packets and streams). */
  cutLink(a: string, b: string): void {
    this.#cut.add(`${a}>${b}`).add(`${b}>${a}`);
  }

  /** Restores a cut link. */
  restoreLink(a: string, b: string): void {
    this.#cut.delete(`${a}>${b}`);
    this.#cut.delete(`${b}>${a}`);
  }

  /** Splits the network: members in different groups cannot reach each other; others are unaffected. */
  partition(groups: readonly (readonly string[])[]): void {
    this.#partition = new Map();
    groups.forEach((group, index) => group.forEach((name) => this.#partition!.set(name, index)));
  }

  /** Removes the partition. */
  heal(): void {
    this.#partition = null;
  }

  /** Runs the next due deliveries and ticks; false when nothing will ever happen again. */
  step(limitMs = Infinity): boolean {
    const nextDelivery = this.#heap.peek()?.atMs ?? Infinity;
    let nextTick = Infinity;
    for (const node of this.#nodes.values()) {
      if (node.up) nextTick = Math.min(nextTick, node.nextDeadlineMs);
    }
    const next = Math.min(nextDelivery, nextTick);
    if (next === Infinity || next > limitMs) return false;
    this.#nowMs = Math.max(this.#nowMs, next);
    while ((this.#heap.peek()?.atMs ?? Infinity) <= this.#nowMs) {
      this.#deliver(this.#heap.pop()!.delivery);
    }
    for (const node of this.#nodes.values()) {
      if (node.up && node.nextDeadlineMs <= this.#nowMs) {
        this.#apply(node, node.swim.tick(this.#nowMs));
      }
    }
    return true;
  }

  /** Runs for `durationMs` of virtual time. */
  runFor(durationMs: number): void {
    const until = this.#nowMs + durationMs;
    while (this.step(until));
    this.#nowMs = Math.max(this.#nowMs, until);
  }

  /**
   * Runs until `predicate` holds (checked after every step) or `maxMs` of virtual time pass.
   * @returns the virtual time it took, or null when it never held.
   */
  runUntil(predicate: (net: SimNetwork) => boolean, maxMs: number): number | null {
    const start = this.#nowMs;
    const until = start + maxMs;
    if (predicate(this)) return 0;
    while (this.step(until)) {
      if (predicate(this)) return this.#nowMs - start;
    }
    this.#nowMs = Math.max(this.#nowMs, until);
    return predicate(this) ? this.#nowMs - start : null;
  }

  /** True when every running member sees every name in `members` in `state`. */
  allSee(members: readonly string[], state: MemberState, observers?: readonly string[]): boolean {
    const who = observers ?? this.names().filter((name) => this.isUp(name));
    return who.every((observer) => members.every((m) => this.view(observer, m) === state));
  }

  #node(name: string): SimNode {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new Error(`No simulated member named ${name}`);
    return node;
  }

  #apply(node: SimNode, outputs: SwimOutputs): void {
    for (const event of outputs.events) {
      this.#trace.push({
        atMs: this.#nowMs,
        observer: node.name,
        type: event.type,
        member: event.member.name,
        incarnation: event.member.incarnation,
      });
    }
    for (const packet of outputs.packets) this.#send("packet", node, packet.to, packet.bytes);
    for (const stream of outputs.streams) {
      this.#send("stream-request", node, stream.to, stream.bytes);
    }
    node.nextDeadlineMs = node.swim.nextDeadlineMs();
  }

  #send(
    kind: "packet" | "stream-request" | "stream-reply",
    from: SimNode,
    to: GossipAddr,
    bytes: Uint8Array,
  ): void {
    const target = this.#byAddr.get(addrKey(to));
    if (kind === "packet") this.stats.packetsSent++;
    if (kind === "stream-request") this.stats.streamsOpened++;
    if (target === undefined || !this.#reachable(from.name, target.name)) {
      this.#countDrop(kind);
      return;
    }
    if (kind === "packet" && this.#random.float() < this.#loss(from.name, target.name)) {
      this.stats.packetsDropped++;
      return;
    }
    const { min, max } = this.#latency;
    const atMs = this.#nowMs + min + this.#random.float() * (max - min);
    if (this.#heap.size >= MAX_IN_FLIGHT_DELIVERIES) {
      throw new Error("Simulated network overflowed");
    }
    this.#heap.push({
      atMs,
      order: this.#order++,
      delivery: { kind, from: from.name, to: target.name, bytes },
    });
  }

  #deliver(delivery: Delivery): void {
    const to = this.#nodes.get(delivery.to)!;
    const from = this.#nodes.get(delivery.from)!;
    if (!to.up || !this.#reachable(from.name, to.name)) {
      this.#countDrop(delivery.kind);
      return;
    }
    if (delivery.kind === "packet") {
      this.#apply(to, to.swim.receivePacket(from.addr, delivery.bytes, this.#nowMs));
    } else if (delivery.kind === "stream-request") {
      const result = to.swim.receiveStream(from.addr, delivery.bytes, this.#nowMs);
      this.#apply(to, result);
      if (result.reply !== null) this.#send("stream-reply", to, from.addr, result.reply);
    } else {
      this.#apply(to, to.swim.receiveStream(from.addr, delivery.bytes, this.#nowMs));
    }
  }

  #countDrop(kind: Delivery["kind"]): void {
    if (kind === "packet") this.stats.packetsDropped++;
    else this.stats.streamsFailed++;
  }

  #reachable(from: string, to: string): boolean {
    if (!this.#nodes.get(from)!.up) return false;
    if (this.#cut.has(`${from}>${to}`)) return false;
    if (this.#partition !== null) {
      const a = this.#partition.get(from), b = this.#partition.get(to);
      if (a !== undefined && b !== undefined && a !== b) return false;
    }
    return true;
  }

  #loss(from: string, to: string): number {
    return this.#linkLoss.get(`${from}>${to}`) ?? this.#lossRate;
  }
}

function addrKey(addr: GossipAddr): string {
  return `${addr.hostname}:${addr.port}`;
}

/** A binary min-heap of deliveries ordered by time, then by send order (for determinism). */
class DeliveryHeap {
  #items: Scheduled[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Scheduled | undefined {
    return this.#items[0];
  }

  push(item: Scheduled): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Scheduled | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let best = i;
        if (l < items.length && before(items[l], items[best])) best = l;
        if (r < items.length && before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}
