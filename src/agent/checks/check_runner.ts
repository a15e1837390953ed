/** What every check runner offers. */

/** A running check: started once, stopped when the check is removed or replaced. */
export interface CheckRunner {
  /** Starts probing (or, for TTL checks, the expiry timer). */
  start(): void;
  /** Stops for good; no status is reported after this returns, except one already in flight. */
  stop(): void;
}
