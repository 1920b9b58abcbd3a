import { CapstanError } from '../core/index.ts';

/**
 * The codes of {@link QueueError}:
 * - `QUEUE_INVALID_OPTIONS`: an option out of range (`concurrency` not a positive integer);
 * - `QUEUE_ALREADY_STARTED`: `start` called a second time (a queue has one worker function);
 * - `QUEUE_SHUT_DOWN`: `start` called after `shutdown` (make a new queue);
 * - `QUEUE_GRACE_EXPIRED`: not thrown; the `reason` of a worker's signal when the shutdown grace period ends
 *   before its work does.
 *
 * @noExample The codes of {@link QueueError}; its example tells one apart.
 */
export type QueueErrorCode = 'QUEUE_INVALID_OPTIONS' | 'QUEUE_ALREADY_STARTED' | 'QUEUE_SHUT_DOWN' | 'QUEUE_GRACE_EXPIRED';

/**
 * An error of the queue layer. `QUEUE_GRACE_EXPIRED` is also the `reason` of the AbortSignal a worker gets
 * when shutdown's grace period ends before its work does.
 *
 * @example
 * ```ts
 * import { QueueError } from 'capstan/queue';
 * function wasCutShort(signal: AbortSignal): boolean {
 *   return signal.reason instanceof QueueError && signal.reason.code === 'QUEUE_GRACE_EXPIRED';
 * }
 * ```
 */
export class QueueError extends CapstanError<QueueErrorCode> {}
