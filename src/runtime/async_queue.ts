/**
 * A bounded push/pull queue with one async consumer: what backs listeners, UDP sockets and
 * gossip transports as async iterables. Pure; no I/O.
 *
 * @module
 */

/** A bounded FIFO with one async consumer; `push` refuses items when full. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #waiter: ((result: IteratorResult<T>) => void) | null = null;
  #capacity: number;

  /** Creates a queue holding at most `capacity` undelivered items. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Offers an item; false (item not taken) when the queue is full or closed. */
  push(item: T): boolean {
    if (this.#closed) return false;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: item, done: false });
      return true;
    }
    if (this.#items.length >= this.#capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** Ends iteration now; returns the undelivered items so the owner can dispose of them. */
  close(): T[] {
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.({ value: undefined, done: true });
    const rest = this.#items;
    this.#items = [];
    return rest;
  }

  /** Waits for the next item; `done` once closed. */
  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      return Promise.resolve({ value: this.#items.shift() as T, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    if (this.#waiter) throw new Error("AsyncQueue supports a single consumer at a time");
    return new Promise((resolve) => this.#waiter = resolve);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next(), return: () => this.#stop() };
  }

  #stop(): Promise<IteratorResult<T>> {
    return Promise.resolve({ value: undefined, done: true });
  }
}
