/**
 * A bounded single-consumer queue behind the async iterables of gossip transports. Private to
 * the gossip module.
 *
 * @module
 */

/** A FIFO with one async consumer; `push` refuses items when full or closed. */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | null = null;
  #closed = false;

  /** Creates a queue holding at most `capacity` undelivered items. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Offers an item; false (not taken) when the queue is full or closed. */
  push(item: T): boolean {
    if (this.#closed) return false;
    if (this.#waiter !== null) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter({ value: item, done: false });
      return true;
    }
    if (this.#items.length >= this.#capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** Ends iteration; returns the undelivered items so the owner can dispose of them. */
  close(): T[] {
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.({ value: undefined, done: true });
    const rest = this.#items;
    this.#items = [];
    return rest;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#items.length > 0) {
          return Promise.resolve({ value: this.#items.shift() as T, done: false });
        }
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        // Two consumers would silently split the items between them.
        if (this.#waiter !== null) throw new Error("BoundedQueue supports a single consumer");
        return new Promise((resolve) => this.#waiter = resolve);
      },
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
