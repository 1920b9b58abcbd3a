import { ManualClock } from '../core/index.ts';

/**
 * A clock for a controller under test (`controller(Kind).clock(clock)`): it starts at the real time now (so that
 * it agrees with the API server's `creationTimestamp`s) and then moves only when the test says, firing the
 * `requeueAfter`s that fall due: `await clock.advance(60_000)`, or `await clock.set(date)`. Each fired requeue
 * starts a reconcile and returns; wait for its effect on the cluster with `eventually`.
 *
 * @example
 * ```ts
 * import { fakeClock } from 'capstan/testing';
 * const clock = fakeClock();
 * const start = clock.wallNow();
 * await clock.advance(90_000); // every requeueAfter of 90 s or less fires
 * console.log(clock.wallNow().getTime() - start.getTime()); // 90000
 * ```
 */
export function fakeClock(options: { now?: Date } = {}): ManualClock {
  return new ManualClock({ wallStart: options.now ?? new Date() });
}
