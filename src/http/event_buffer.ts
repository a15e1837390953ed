/**
 * The agent's recent user events (`/v1/event/fire`, `/v1/event/list`), as Consul keeps them:
 * a ring of the last 256 events, each with a random UUID whose halves XOR-ed together are the
 * list's blocking index.
 */

import { randomUuid } from "../runtime/random.ts";
import type { Random } from "../runtime/ports.ts";
import { LocalChangeFeed } from "./local_changes.ts";

/** Events kept (Consul's `userEventBufferSize`). */
export const USER_EVENT_BUFFER_SIZE = 256;

/** Largest name plus payload of an event (Serf's default `UserEventSizeLimit`). */
export const USER_EVENT_SIZE_LIMIT_BYTES = 512;

/** A user event (Consul's `agent.UserEvent`). */
export interface UserEvent {
  readonly ID: string;
  readonly Name: string;
  /** Base64 in JSON; null when fired without a body. */
  readonly Payload: Uint8Array | null;
  readonly NodeFilter: string;
  readonly ServiceFilter: string;
  readonly TagFilter: string;
  readonly Version: number;
  readonly LTime: number;
}

/** Consul's `userEventMaxVersion`. */
const USER_EVENT_VERSION = 1;

/** Consul's `uuidToUint64`: the UUID's high and low 64 bits XOR-ed. */
export function uuidToIndex(uuid: string): bigint {
  const low = BigInt(`0x${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(14, 18)}`);
  const high = BigInt(`0x${uuid.slice(19, 23)}${uuid.slice(24, 36)}`);
  return low ^ high;
}

/** The last {@linkcode USER_EVENT_BUFFER_SIZE} events received, oldest first. */
export class EventBuffer {
  readonly #random: Random;
  readonly #events: UserEvent[] = [];
  #lamport = 0;
  /** Notified on every new event. */
  readonly changes: LocalChangeFeed = new LocalChangeFeed();

  constructor(random: Random) {
    this.#random = random;
  }

  /** Stamps an event with an ID and Lamport time, stores it and wakes waiting lists. */
  add(event: Omit<UserEvent, "ID" | "LTime" | "Version">): UserEvent {
    const stored: UserEvent = {
      ID: randomUuid(this.#random),
      ...event,
      Version: USER_EVENT_VERSION,
      LTime: ++this.#lamport,
    };
    this.#events.push(stored);
    if (this.#events.length > USER_EVENT_BUFFER_SIZE) this.#events.shift();
    this.changes.notify();
    return stored;
  }

  /** The buffered events, oldest first. */
  list(): UserEvent[] {
    return [...this.#events];
  }
}
