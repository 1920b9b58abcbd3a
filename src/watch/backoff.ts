import { UsageError } from '../core/index.ts';

/**
 * Parameters of {@link ReconnectBackoff}.
 *
 * @noExample Options of {@link ReconnectBackoff} (and the watcher's `backoff`); its example shows them in use.
 */
export interface ReconnectBackoffOptions {
  /** The first delay (0.8 s, as client-go's reflector). */
  initialMs?: number;
  /** No delay exceeds this (30 s). */
  maxMs?: number;
  /** After this long without a failure the next delay starts from `initialMs` again (2 minutes). */
  resetAfterMs?: number;
  /** Each delay is shortened by up to this fraction, at random, so that clients do not reconnect in step (0.25). */
  jitter?: number;
  /** A number in [0, 1); `Math.random` by default. */
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter for reconnects: the n-th failure in a row waits
 * `min(maxMs, initialMs·2ⁿ)`, shortened at random by up to `jitter` of it (so never more than the cap).
 * A failure after `resetAfterMs` of health starts over from `initialMs`.
 *
 * @example
 * ```ts
 * import { ReconnectBackoff } from 'capstan/watch';
 * const backoff = new ReconnectBackoff({ random: () => 0 });
 * backoff.next(0);     // 800
 * backoff.next(1_000); // 1600
 * backoff.next(200_000); // 800 again: 2 minutes passed without a failure
 * ```
 */
export class ReconnectBackoff {
  /** The first delay, in ms. */
  readonly initialMs: number;
  /** The longest delay, in ms. */
  readonly maxMs: number;
  /** The time without a failure, in ms, after which the delays start over from `initialMs`. */
  readonly resetAfterMs: number;
  /** The largest fraction by which a delay is shortened at random, in [0, 1). */
  readonly jitter: number;
  private readonly random: () => number;
  private failures = 0;
  private lastFailureAt = Number.NEGATIVE_INFINITY;

  /** Fills in the defaults of {@link ReconnectBackoffOptions}; throws a `UsageError` `INVALID_ARGUMENT` unless 0 < `initialMs` ≤ `maxMs` and 0 ≤ `jitter` < 1. */
  constructor(options: ReconnectBackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.jitter = options.jitter ?? 0.25;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0 && this.maxMs >= this.initialMs && this.jitter >= 0 && this.jitter < 1)) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `ReconnectBackoff: need 0 < initialMs ≤ maxMs and 0 ≤ jitter < 1 (got ${this.initialMs}, ${this.maxMs}, ${this.jitter})`,
      );
    }
  }

  /** The delay before the next attempt, for a failure at `nowMs` (monotonic milliseconds). */
  next(nowMs: number): number {
    if (nowMs - this.lastFailureAt >= this.resetAfterMs) this.failures = 0;
    this.lastFailureAt = nowMs;
    const base = this.baseDelay(this.failures);
    this.failures++;
    return base * (1 - this.jitter * this.random());
  }

  /** The delay of the n-th consecutive failure (from 0) before jitter. */
  baseDelay(n: number): number {
    return Math.min(this.maxMs, this.initialMs * 2 ** Math.min(n, 52));
  }

  /**
   * The most attempts that can start within `windowMs` of a first failure: one at once, then one after each
   * shortest possible delay. Tests use it to bound reconnects during an outage.
   */
  maxAttemptsWithin(windowMs: number): number {
    let attempts = 1;
    let elapsed = 0;
    for (let n = 0; ; n++) {
      elapsed += this.baseDelay(n) * (1 - this.jitter);
      if (elapsed > windowMs) return attempts;
      attempts++;
    }
  }
}
