import { CapstanError } from '../core/index.ts';

/** Why the queue refused something; see each code's message for what to do. */
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
