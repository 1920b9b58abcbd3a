/**
 * A callback scheduled on a {@link Clock} with {@link Clock.setTimer}.
 *
 * @noExample Returned by {@link Clock.setTimer}; the example of {@link Clock} cancels one.
 */
export interface Timer {
  /** Keep the callback from running; does nothing once it has run or was cancelled (idempotent). */
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

/** The longest delay `setTimeout` honours; a longer one (or `Infinity`) fires after 1 ms, with only a warning. */
const longestTimeoutMs = 2 ** 31 - 1;

/**
 * The real clock: `performance.now()`, `new Date()` and `setTimeout`. A delay longer than `setTimeout` allows
 * (about 24.8 days) is waited in steps, and `Infinity` never fires: a `requeueAfter` of a month waits a month.
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
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = (leftMs: number) => {
      handle =
        leftMs > longestTimeoutMs ? setTimeout(() => arm(leftMs - longestTimeoutMs), longestTimeoutMs) : setTimeout(callback, leftMs);
    };
    if (delayMs !== Number.POSITIVE_INFINITY) arm(Number.isNaN(delayMs) ? 0 : Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};
