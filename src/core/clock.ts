/** A pending callback scheduled on a {@link Clock}; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as Capstan's timing-sensitive layers (queue, leader election) see it: a monotonic clock for every
 * duration and deadline, wall-clock time only for timestamps written to the API, and timers. Inject a
 * {@link ManualClock} in tests so that backoff, rate limits and lease expiry are checked without sleeping.
 *
 * @example
 * ```ts
 * import { systemClock } from 'capstan/core';
 * const started = systemClock.now();
 * const timer = systemClock.setTimer(() => console.log(`${systemClock.now() - started} ms later`), 10);
 * timer.cancel();
 * ```
 */
export interface Clock {
  /** Monotonic milliseconds (like `performance.now()`): only differences mean anything; never jumps back. */
  now(): number;
  /** Wall-clock time, for timestamps the API server stores (`renewTime`, `lastTransitionTime`). */
  wallNow(): Date;
  /** Call `callback` once, `delayMs` (clamped to ≥ 0) from now on this clock. */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/**
 * The real clock: `performance.now()`, `new Date()` and `setTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from 'capstan/core';
 * const clock: Clock = systemClock;
 * console.log(clock.wallNow().toISOString());
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => new Date(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};
