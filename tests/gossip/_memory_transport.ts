/** An in-memory GossipTransport for driver tests: packets and connPair streams between members. */

import type {
  GossipAddr,
  GossipPacket,
  GossipStream,
  GossipTarget,
  GossipTransport,
} from "../../src/gossip/mod.ts";
import type { Conn } from "../../src/runtime/ports.ts";
import { connPair } from "../../src/runtime/streams.ts";

const MAX_QUEUED_ITEMS = 1024;

class Inbox<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | null = null;
  #closed = false;

  push(item: T): void {
    if (this.#closed || this.#items.length >= MAX_QUEUED_ITEMS) return;
    if (this.#waiter !== null) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: item, done: false });
    } else this.#items.push(item);
  }

  close(): void {
    this.#closed = true;
    this.#waiter?.({ value: undefined, done: true });
    this.#waiter = null;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length > 0) {
          return Promise.resolve({ value: this.#items.shift()!, done: false });
        }
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiter = resolve);
      },
    };
  }
}

/** Connects memory transports by address. */
export class MemoryHub {
  readonly #members = new Map<string, MemoryTransport>();

  /** A transport listening at `addr`. */
  transport(addr: GossipAddr): MemoryTransport {
    const transport = new MemoryTransport(this, addr);
    this.#members.set(key(addr), transport);
    return transport;
  }

  /** The open transport at `addr`, if any. */
  find(addr: GossipAddr): MemoryTransport | undefined {
    const found = this.#members.get(key(addr));
    return found?.closed ? undefined : found;
  }
}

/** One member's end of the hub. */
export class MemoryTransport implements GossipTransport {
  readonly localAddr: GossipAddr;
  readonly #hub: MemoryHub;
  readonly packetInbox = new Inbox<GossipPacket>();
  readonly streamInbox = new Inbox<GossipStream>();
  closed = false;

  constructor(hub: MemoryHub, addr: GossipAddr) {
    this.#hub = hub;
    this.localAddr = addr;
  }

  sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    this.#hub.find(to)?.packetInbox.push({ from: this.localAddr, bytes: bytes.slice() });
    return Promise.resolve();
  }

  packets(): AsyncIterable<GossipPacket> {
    return this.packetInbox;
  }

  dialStream(to: GossipTarget, _timeoutMs: number): Promise<Conn> {
    const peer = this.#hub.find(to);
    if (peer === undefined) {
      return Promise.reject(new Error(`No member listening at ${to.hostname}:${to.port}`));
    }
    const [mine, theirs] = connPair({ addrs: [this.localAddr, to] });
    peer.streamInbox.push({ from: this.localAddr, conn: theirs });
    return Promise.resolve(mine);
  }

  streams(): AsyncIterable<GossipStream> {
    return this.streamInbox;
  }

  close(): Promise<void> {
    this.closed = true;
    this.packetInbox.close();
    this.streamInbox.close();
    return Promise.resolve();
  }
}

function key(addr: GossipAddr): string {
  return `${addr.hostname}:${addr.port}`;
}
