/**
 * Lifeguard suspicion timing: a suspicion starts at its longest timeout and shrinks towards the
 * shortest as independent members confirm it, so one confused prober cannot kill a member
 * quickly while a real failure seen by many is declared fast.
 *
 * @module
 */

/** The shortest suspicion: suspicionMult * max(1, log10(n)) * probeInterval. */
export function suspicionMinTimeoutMs(
  suspicionMult: number,
  memberCount: number,
  probeIntervalMs: number,
): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, memberCount)));
  return Math.floor(suspicionMult * nodeScale * probeIntervalMs);
}

/**
 * The total timeout after `confirmations` of the `wanted` independent confirmations:
 * max - (max - min) * log(c + 1) / log(k + 1), never below `min`.
 */
export function suspicionTimeoutMs(
  confirmations: number,
  wanted: number,
  minMs: number,
  maxMs: number,
): number {
  if (wanted <= 0) return minMs;
  const fraction = Math.log(confirmations + 1) / Math.log(wanted + 1);
  const raw = Math.floor(maxMs - fraction * (maxMs - minMs));
  return Math.max(raw, minMs);
}

/** One member's running suspicion: when it started, who confirmed it, when it expires. */
export class Suspicion {
  readonly startMs: number;
  readonly #wanted: number;
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #confirmedBy = new Set<string>();
  #confirmations = 0;

  /**
   * Starts a suspicion raised by `from` (who never counts as a confirmation).
   * @param options.wanted confirmations that drive the timeout to its minimum (0: none expected)
   */
  constructor(
    from: string,
    options: { startMs: number; wanted: number; minMs: number; maxMs: number },
  ) {
    this.startMs = options.startMs;
    this.#wanted = options.wanted;
    this.#minMs = options.minMs;
    this.#maxMs = options.maxMs;
    this.#confirmedBy.add(from);
  }

  /** Independent confirmations counted so far. */
  get confirmations(): number {
    return this.#confirmations;
  }

  /** When the suspected member is to be declared dead. */
  get deadlineMs(): number {
    const timeout = suspicionTimeoutMs(this.#confirmations, this.#wanted, this.#minMs, this.#maxMs);
    return this.startMs + timeout;
  }

  /** Counts `from` as a confirmation; false when it is a repeat or no more are needed. */
  confirm(from: string): boolean {
    if (this.#confirmations >= this.#wanted || this.#confirmedBy.has(from)) return false;
    this.#confirmedBy.add(from);
    this.#confirmations++;
    return true;
  }
}
