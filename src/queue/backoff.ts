/**
 * Per-key exponential backoff settings.
 *
 * @noExample Options of {@link KeyBackoff}, and a {@link WorkQueue}'s `backoff`; the example of {@link KeyBackoff} shows them in use.
 */
export interface KeyBackoffOptions {
  /** The first retry's delay; default 5 ms. */
  baseMs?: number;
  /** The cap; default 1000 s (16⅔ minutes), as controller-runtime's default rate limiter. */
  maxMs?: number;
}

/**
 * Per-key exponential backoff: the n-th consecutive failure of a key waits `baseMs × 2ⁿ⁻¹`, capped at
 * `maxMs`; {@link KeyBackoff.forget} starts the key over. Other keys are unaffected.
 *
 * @example
 * ```ts
 * import { KeyBackoff } from 'capstan/queue';
 * const backoff = new KeyBackoff<string>({ baseMs: 5, maxMs: 1_000 });
 * backoff.next('a'); // 5
 * backoff.next('a'); // 10
 * backoff.forget('a');
 * backoff.next('a'); // 5
 * ```
 */
export class KeyBackoff<K> {
  /** The first retry's delay, in ms. */
  readonly baseMs: number;
  /** The longest delay, in ms. */
  readonly maxMs: number;
  private readonly failuresByKey = new Map<K, number>();

  constructor(options: KeyBackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 5;
    this.maxMs = options.maxMs ?? 1_000_000;
  }

  /** Record one more failure of `key` and return how long it should wait before its retry. */
  next(key: K): number {
    const failures = this.failuresByKey.get(key) ?? 0;
    this.failuresByKey.set(key, failures + 1);
    // 2^60 × base overflows any sensible cap; stop doubling long before precision is lost.
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(failures, 60));
  }

  /** Consecutive failures recorded for `key` since it was last forgotten. */
  failures(key: K): number {
    return this.failuresByKey.get(key) ?? 0;
  }

  /** Start `key` over: its next failure waits `baseMs` again. */
  forget(key: K): void {
    this.failuresByKey.delete(key);
  }
}
