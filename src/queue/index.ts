export { KeyBackoff, type KeyBackoffOptions } from './backoff.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
export { noQueueMetrics, type InFlightWork, type QueueMetrics } from './metrics.ts';
export { TokenBucket, type RateLimitOptions } from './token-bucket.ts';
export {
  WorkQueue,
  type Priority,
  type ShutdownReport,
  type WorkContext,
  type WorkOutcome,
  type Worker,
  type WorkQueueOptions,
} from './work-queue.ts';
