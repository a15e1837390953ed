/**
 * Force-leave bookkeeping of the WAN pool: which failed members an operator (here or anywhere in
 * the pool) declared gone. The SWIM core keeps reporting them failed; this overlay reports them
 * left, or hides them when pruned, until they come back with a newer incarnation or are reaped.
 * Private to the gossip module.
 *
 * @module
 */

import { type Member, MemberStatus, type MemberStatusCode } from "./member.ts";
import type { ForceLeaveIntent } from "./_pool_intents.ts";

interface Forced {
  readonly incarnation: number;
  readonly prune: boolean;
}

/** What applying a force-leave did. */
export type ForceLeaveOutcome = "applied" | "already" | "refused";

/** The force-left members of one pool. */
export class ForcedLeaves {
  readonly #forced = new Map<string, Forced>();

  /**
   * The status to report instead of the core's: `undefined` for none, `null` to hide the
   * member (pruned), or left.
   */
  override(member: Member): MemberStatusCode | null | undefined {
    const forced = this.#forced.get(member.name);
    if (forced === undefined) return undefined;
    const gone = member.state === "dead" || member.state === "left";
    if (!gone || member.incarnation > forced.incarnation) return undefined;
    return forced.prune ? null : MemberStatus.left;
  }

  /**
   * Records a force-leave of `member` (as currently known). Refused for live members and for
   * intents older than what we know; the map only ever holds known, failed members, so it is
   * bounded by the member table.
   */
  apply(intent: ForceLeaveIntent, member: Member | undefined): ForceLeaveOutcome {
    if (member === undefined || (member.state !== "dead" && member.state !== "left")) {
      return "refused";
    }
    if (member.incarnation > intent.incarnation) return "refused";
    const before = this.#forced.get(intent.node);
    if (before !== undefined && (before.prune || !intent.prune)) return "already";
    this.#forced.set(intent.node, { incarnation: intent.incarnation, prune: intent.prune });
    return "applied";
  }

  /** Forgets the overlay for `name` (it came back, or the core forgot it). */
  clear(name: string): void {
    this.#forced.delete(name);
  }
}
