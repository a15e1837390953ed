/**
 * The transmit-limited broadcast queue: membership news waiting to be piggybacked on packets.
 *
 * Each broadcast is sent a limited number of times (retransmitMult * ceil(log10(n + 1))), least
 * sent first and newest first among equals, so fresh news spreads before old news repeats.
 * A broadcast about a member replaces any older one about the same member.
 *
 * @module
 */

/** Most broadcasts held at once; beyond it the most-sent (then oldest) is dropped. */
export const MAX_QUEUED_BROADCASTS = 1024;

interface QueuedBroadcast {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly id: number;
  transmits: number;
}

/** How many times each broadcast is sent in a pool of `memberCount` members. */
export function retransmitLimit(retransmitMult: number, memberCount: number): number {
  return retransmitMult * Math.ceil(Math.log10(memberCount + 1));
}

/** Broadcasts waiting to be piggybacked, with per-broadcast transmit counts. */
export class BroadcastQueue {
  #items: QueuedBroadcast[] = [];
  #nextId = 0;
  #dropped = 0;

  /** Broadcasts currently queued. */
  get size(): number {
    return this.#items.length;
  }

  /** Broadcasts dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether a broadcast with `key` is still queued (not yet sent its full count). */
  has(key: string): boolean {
    return this.#items.some((item) => item.key === key);
  }

  /** Queues `bytes` under `key`, replacing any broadcast already queued under that key. */
  enqueue(key: string, bytes: Uint8Array): void {
    this.#items = this.#items.filter((item) => item.key !== key);
    this.#items.push({ key, bytes, id: this.#nextId++, transmits: 0 });
    if (this.#items.length > MAX_QUEUED_BROADCASTS) {
      this.#sort();
      this.#items.pop();
      this.#dropped++;
    }
  }

  /**
   * Takes broadcasts that fit in `budgetBytes` (each costing its length plus
   * `overheadPerMessageBytes`), counts a transmit for each, and drops those that reached
   * `transmitLimit` sends.
   */
  take(budgetBytes: number, overheadPerMessageBytes: number, transmitLimit: number): Uint8Array[] {
    if (this.#items.length === 0 || budgetBytes <= 0) return [];
    this.#sort();
    const taken: Uint8Array[] = [];
    let used = 0;
    for (const item of this.#items) {
      const cost = item.bytes.byteLength + overheadPerMessageBytes;
      if (used + cost > budgetBytes) continue;
      used += cost;
      item.transmits++;
      taken.push(item.bytes);
    }
    this.#items = this.#items.filter((item) => item.transmits < transmitLimit);
    return taken;
  }

  /** Removes everything queued. */
  clear(): void {
    this.#items = [];
  }

  #sort(): void {
    this.#items.sort((a, b) => a.transmits - b.transmits || b.id - a.id);
  }
}
