/**
 * The WAN gossip pool of Consul servers (serf's WAN pool): every server of every datacenter is a
 * member named `<node>.<dc>`, carrying Consul's server tags, so each server learns which servers
 * exist in which datacenter and whether they are alive.
 *
 * {@linkcode startWanPool} composes the pieces: a transport (UDP+TCP on the serf WAN port by
 * default, or any {@linkcode GossipTransport}, e.g. the mesh-gateway one), optional encryption
 * with a {@linkcode Keyring}, the SWIM core and its driver. On top it adds what serf adds to
 * memberlist: joins that report how many members answered (with Consul's error texts), the
 * retry-join loop (`retry_join_wan`), force-leave (spread to the pool as an intent), graceful
 * leave, Consul's member JSON (`/v1/agent/members?wan=1`) and the alive servers per datacenter.
 *
 * What it is not: the LAN pool, flood-join (the agent decides whom to join), or the DC router
 * (it consumes {@linkcode WanPool.servers}).
 *
 * @module
 */

import type { Clock } from "../runtime/ports.ts";
import { GossipDriver } from "./driver.ts";
import { EncryptedTransport } from "./encryption.ts";
import { Keyring } from "./keyring.ts";
import { JoinTracker, parseJoinAddress } from "./_join_tracker.ts";
import type { MemberEvent } from "./_membership.ts";
import { type Member, MemberStatus, type MemberStatusCode, memberStatusCode } from "./member.ts";
import type { GossipAddr, GossipTarget } from "./member.ts";
import { NetTransport } from "./net_transport.ts";
import { type ForceLeaveIntent, IntentMux } from "./_pool_intents.ts";
import { presets } from "./presets.ts";
import { isInDatacenter, type ServerInfo, serverInfo } from "./server_tags.ts";
import {
  memberName,
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
import { Swim } from "./swim.ts";
import type { GossipTransport } from "./transport.ts";
import { formatJoinErrors, retryJoinLoop } from "./_wan_join.ts";
import { ForcedLeaves } from "./_forced_leaves.ts";

/** Consul's default serf WAN port (UDP and TCP); also the port assumed by a bare join host. */
export const DEFAULT_SERF_WAN_PORT = 8302;
/** Default time `leave` waits for the leave notice to go out. */
export const DEFAULT_LEAVE_TIMEOUT_MS = 5_000;
/** Extra time a join waits beyond the stream timeout before calling the attempt failed. */
export const JOIN_GRACE_MS = 1_000;
/** Most addresses one join call takes. */
export const MAX_JOIN_ADDRESSES = 256;

/**
 * Binds the transport and starts gossiping (alone until `join`).
 * @throws {WanPoolError} for names with dots, conflicting tags or an unusable config.
 * @throws {NetTransportError} when the port cannot be bound.
 */
export async function startWanPool(options: WanPoolOptions): Promise<WanPool> {
  const name = memberName(options.nodeName, options.datacenter);
  if (options.tags.dc !== undefined && options.tags.dc !== options.datacenter) {
    throw new WanPoolError(
      `Tag dc=${options.tags.dc} contradicts datacenter ${options.datacenter}; leave dc out`,
    );
  }
  const keyring = toKeyring(options.encryptKeys);
  const { net, clock } = options.runtime;
  const base = options.transport ??
    await NetTransport.listen({ net, clock, bind: options.bind, advertise: options.advertise });
  try {
    return new WanPool(options, { name, keyring, base });
  } catch (error) {
    await base.close();
    throw error;
  }
}

/** One server's view of the WAN pool. */
export class WanPool {
  readonly #name: string;
  readonly #datacenter: string;
  readonly #clock: Clock;
  readonly #log: WanPoolLog;
  readonly #keyring: Keyring | null;
  readonly #base: GossipTransport;
  readonly #encrypted: EncryptedTransport | null;
  readonly #intents: IntentMux;
  readonly #tracker: JoinTracker;
  readonly #driver: GossipDriver;
  readonly #streamTimeoutMs: number;
  readonly #leaveTimeoutMs: number;
  readonly #forced = new ForcedLeaves();
  readonly #listeners = new Set<(event: WanPoolEvent) => void>();
  readonly #stopping = new AbortController();
  #malformedIntents = 0;

  /** Use {@linkcode startWanPool}. */
  constructor(
    options: WanPoolOptions,
    parts: { name: string; keyring: Keyring | null; base: GossipTransport },
  ) {
    const { clock, random } = options.runtime;
    this.#name = parts.name;
    this.#datacenter = options.datacenter;
    this.#clock = clock;
    this.#log = options.log ?? (() => {});
    this.#keyring = parts.keyring;
    this.#base = parts.base;
    this.#streamTimeoutMs = options.streamTimeoutMs ?? 10_000;
    this.#leaveTimeoutMs = options.leaveTimeoutMs ?? DEFAULT_LEAVE_TIMEOUT_MS;
    this.#encrypted = parts.keyring === null
      ? null
      : new EncryptedTransport(parts.base, { keyring: parts.keyring, random });
    this.#intents = new IntentMux(
      this.#encrypted ?? parts.base,
      (intent, from) => this.#onIntent(intent, from),
    );
    this.#tracker = new JoinTracker(this.#intents);
    const swim = new Swim({
      self: {
        name: parts.name,
        addr: parts.base.localAddr,
        tags: { ...options.tags, dc: options.datacenter },
      },
      config: options.config ?? presets.wan,
      random,
      nowMs: clock.monotonicMs(),
      ...(options.noTcpPingsToOtherDcs
        ? { disableTcpPingsFor: (member: string) => !isInDatacenter(member, options.datacenter) }
        : {}),
    });
    this.#driver = new GossipDriver(swim, this.#tracker, clock, {
      streamTimeoutMs: this.#streamTimeoutMs,
      onEvent: (event) => this.#onMemberEvent(event),
      onError: (error, context) =>
        this.#log("debug", `WAN gossip: ${context} failed`, { error: errorText(error) }),
    });
    this.#driver.start();
  }

  /** This member's name, `<node>.<dc>`. */
  get name(): string {
    return this.#name;
  }

  /** This server's datacenter. */
  get datacenter(): string {
    return this.#datacenter;
  }

  /** The address this member advertises. */
  get localAddr(): GossipAddr {
    return this.#base.localAddr;
  }

  /** The encryption keyring (install/use/remove take effect at once), or null. */
  get keyring(): Keyring | null {
    return this.#keyring;
  }

  /** Every member this server knows, itself included, as Consul's member JSON, by name. */
  members(): WanMember[] {
    const swim = this.#driver.swim;
    const out: WanMember[] = [];
    for (const member of swim.members()) {
      const status = this.#statusOf(member);
      if (status !== null) out.push(toWanMember(member, status));
    }
    return out;
  }

  /** Alive servers of every datacenter (this one included), by datacenter then name. */
  servers(): ServerInfo[] {
    const out: ServerInfo[] = [];
    for (const m of this.members()) {
      if (m.Status !== MemberStatus.alive) continue;
      try {
        const info = serverInfo({
          name: m.Name,
          addr: { hostname: m.Addr, port: m.Port },
          tags: m.Tags,
          status: m.Status,
        });
        if (info !== null) out.push(info);
      } catch (error) {
        this.#log("warn", "WAN member has malformed server tags", {
          member: m.Name,
          error: errorText(error),
        });
      }
    }
    return out.sort((a, b) => compare(a.dc, b.dc) || compare(a.name, b.name));
  }

  /** Calls `listener` on every membership change; returns an unsubscribe function. */
  onChange(listener: (event: WanPoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Refused-input and traffic counters of every layer. */
  counters(): WanPoolCounters {
    const base = this.#base as { counters?: { snapshot(): Record<string, number> } };
    return {
      transport: base.counters?.snapshot() ?? null,
      encryption: this.#encrypted?.counters.snapshot() ?? null,
      swim: { ...this.#driver.swim.counters },
      refusedStreams: this.#driver.refusedStreams,
      malformedIntents: this.#malformedIntents,
    };
  }

  /**
   * Joins the pool through `addresses` (`host`, `host:port`, `name/host:port`; port default
   * 8302): a full state exchange with each.
   * @returns how many answered.
   * @throws {WanJoinError} when none did, listing each failure as Consul does.
   */
  async join(addresses: readonly string[]): Promise<number> {
    if (addresses.length > MAX_JOIN_ADDRESSES) {
      throw new WanJoinError(`A join takes at most ${MAX_JOIN_ADDRESSES} addresses`);
    }
    const failures: string[] = [];
    const attempts: { address: string; result: Promise<void> }[] = [];
    const targets: GossipTarget[] = [];
    for (const address of addresses) {
      let target: GossipTarget;
      try {
        target = parseJoinAddress(address, DEFAULT_SERF_WAN_PORT);
      } catch (error) {
        failures.push(`Failed to resolve ${address}: ${errorText(error)}`);
        continue;
      }
      targets.push(target);
      attempts.push({ address, result: this.#expectAnswer(target) });
    }
    if (targets.length > 0) this.#driver.join(targets);
    const results = await Promise.allSettled(attempts.map((a) => a.result));
    let joined = 0;
    results.forEach((result, i) => {
      if (result.status === "fulfilled") joined++;
      else failures.push(`Failed to join ${attempts[i].address}: ${errorText(result.reason)}`);
    });
    this.#log("info", "WAN join", { addresses: [...addresses], joined });
    if (joined === 0 && failures.length > 0) throw new WanJoinError(formatJoinErrors(failures));
    return joined;
  }

  /**
   * Joins like `retry_join_wan`: tries every `intervalMs` until one attempt reaches someone,
   * giving up after `maxAttempts` retries (0: never), or when the pool stops.
   * @throws {WanJoinError} "agent: max join WAN retry exhausted, exiting".
   */
  retryJoin(
    addresses: readonly string[],
    options: { intervalMs?: number; maxAttempts?: number } = {},
  ): Promise<number> {
    return retryJoinLoop({
      join: () => this.join(addresses),
      addresses,
      clock: this.#clock,
      signal: this.#stopping.signal,
      log: this.#log,
      intervalMs: options.intervalMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 0,
      makeError: (message) => new WanJoinError(message),
    });
  }

  /**
   * Force-leave (`consul force-leave -wan`): a failed member is reported as left (with
   * `prune`, forgotten), here and, through an intent, at every member alive. A live member is
   * unaffected, as in Consul (it would refute). `name` may omit this datacenter's suffix.
   * @throws {WanMemberNotFoundError} for an unknown name.
   */
  async forceLeave(name: string, options: { prune?: boolean } = {}): Promise<void> {
    const swim = this.#driver.swim;
    const member = swim.member(name) ??
      (name.includes(".") ? undefined : swim.member(`${name}.${this.#datacenter}`));
    if (member === undefined) throw new WanMemberNotFoundError(name);
    const intent: ForceLeaveIntent = {
      type: "force-leave",
      node: member.name,
      incarnation: member.incarnation,
      prune: options.prune ?? false,
    };
    if (!this.#applyForceLeave(intent)) {
      this.#log("info", "WAN force-leave ignored: the member is alive", { member: member.name });
      return;
    }
    const peers = swim.members().filter((m) =>
      m.name !== this.#name && (m.state === "alive" || m.state === "suspect")
    );
    await Promise.allSettled(
      peers.map((peer) => this.#intents.sendIntent({ name: peer.name, ...peer.addr }, intent)),
    );
  }

  /** Replaces this member's tags (`dc` is kept) and announces them. */
  setTags(tags: Readonly<Record<string, string>>): void {
    this.#driver.setTags({ ...tags, dc: this.#datacenter });
  }

  /**
   * Leaves gracefully: announces that this member left and waits (bounded) until the notice
   * went out. Others report it as left (3), not failed. Call `stop` afterwards.
   * @returns whether the notice went out in time.
   */
  async leave(): Promise<boolean> {
    const done = await this.#driver.leave(this.#leaveTimeoutMs);
    this.#log(done ? "info" : "warn", "WAN leave", { noticeSent: done });
    return done;
  }

  /** Stops gossiping and retry loops and releases the sockets. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping.abort(new WanJoinError("the WAN gossip pool was stopped"));
    await this.#driver.stop();
  }

  #expectAnswer(target: GossipTarget): Promise<void> {
    const limitMs = this.#streamTimeoutMs + JOIN_GRACE_MS;
    const answered = this.#tracker.expect(target);
    const timer = this.#clock.setTimer(limitMs, () => {
      this.#tracker.forget(target, new Error(`no answer within ${limitMs} ms`));
    });
    return answered.finally(() => timer.cancel());
  }

  #statusOf(member: Member): MemberStatusCode | null {
    const swim = this.#driver.swim;
    if (member.name === this.#name) {
      return swim.leaving && !swim.leaveBroadcastDone
        ? MemberStatus.leaving
        : memberStatusCode(member.state);
    }
    const override = this.#forced.override(member);
    return override === undefined ? memberStatusCode(member.state) : override;
  }

  /** Applies a force-leave locally; false when the member is unknown, alive or newer. */
  #applyForceLeave(intent: ForceLeaveIntent): boolean {
    const member = this.#driver.swim.member(intent.node);
    if (member?.name === this.#name) return false;
    const outcome = this.#forced.apply(intent, member);
    if (outcome === "applied" && member !== undefined) {
      this.#emit({ type: "force-leave", member: toWanMember(member, MemberStatus.left) });
    }
    return outcome !== "refused";
  }

  #onIntent(intent: ForceLeaveIntent | null, from: GossipAddr): void {
    if (intent === null) {
      this.#malformedIntents++;
      this.#log("debug", "WAN gossip: malformed intent dropped", { from });
      return;
    }
    this.#applyForceLeave(intent);
  }

  #onMemberEvent(event: MemberEvent): void {
    const { member } = event;
    // A member that came back, or was reaped, is no longer force-left.
    if (event.type === "join" || event.type === "reap") this.#forced.clear(member.name);
    const status = event.type === "reap"
      ? MemberStatus.left
      : (this.#statusOf(member) ?? MemberStatus.left);
    this.#log("info", `WAN member ${event.type}`, { member: member.name });
    this.#emit({ type: event.type, member: toWanMember(member, status) });
  }

  #emit(event: WanPoolEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log("error", "WAN pool change listener threw", { error: errorText(error) });
      }
    }
  }
}

function toKeyring(keys: WanPoolOptions["encryptKeys"]): Keyring | null {
  if (keys === undefined) return null;
  if (keys instanceof Keyring) return keys;
  return keys.length === 0 ? null : Keyring.fromKeys(keys);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
