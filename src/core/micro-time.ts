/**
 * A time as `metav1.MicroTime` serialises it: RFC 3339 with exactly six fractional digits, as Events'
 * `eventTime` and Leases' `acquireTime`/`renewTime` carry it.
 *
 * @example
 * ```ts
 * import { microTime } from 'capstan/core';
 * microTime(new Date('2030-01-01T00:00:00.123Z')); // '2030-01-01T00:00:00.123000Z'
 * ```
 */
export function microTime(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
