import type { Clock } from '../core/index.ts';

/**
 * Overall rate limit settings.
 *
 * @noExample Options of {@link TokenBucket}, and a {@link WorkQueue}'s `rateLimit`; the example of {@link TokenBucket} shows them in use.
 */
export interface RateLimitOptions {
  /** Tokens added per second; default 10. */
  perSecond?: number;
  /** Tokens the bucket holds, i.e. how many may pass at once after a quiet spell; default 100. */
  burst?: number;
}

/**
 * A token bucket that never refuses: {@link TokenBucket.reserve} takes a token now and says how long the
 * caller must wait for it, so that reservations queue up at `perSecond` once the burst is spent (the
 * behaviour of Go's `rate.Limiter.Reserve`, which client-go's workqueue uses).
 *
 * @example
 * ```ts
 * import { systemClock } from 'capstan/core';
 * import { TokenBucket } from 'capstan/queue';
 * const bucket = new TokenBucket(systemClock, { perSecond: 10, burst: 1 });
 * bucket.reserve(); // 0: the burst token
 * bucket.reserve(); // 100: wait 100 ms for the next one
 * ```
 */
export class TokenBucket {
  /** Tokens added per second: the sustained rate. */
  readonly perSecond: number;
  /** The most tokens the bucket holds: how many pass at once after a quiet spell. */
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private updatedAt: number;

  /**
   * @param clock - The time tokens are added by; a `ManualClock` in tests.
   * @param options - The rate and burst; the bucket starts full.
   */
  constructor(clock: Clock, options: RateLimitOptions = {}) {
    this.clock = clock;
    this.perSecond = options.perSecond ?? 10;
    this.burst = options.burst ?? 100;
    this.tokens = this.burst;
    this.updatedAt = clock.now();
  }

  /** Take one token and return the milliseconds to wait until it is really available (0 if now). */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }
}
