/**
 * The work queue a controller runs on, as client-go's workqueue: {@link WorkQueue}, a deduplicating queue with
 * its own workers (never two turns of one key at once), per-key backoff, one rate limit on retries, two
 * priorities and a graceful drain, and its parts ({@link KeyBackoff}, {@link TokenBucket}). It knows nothing of
 * Kubernetes. Every controller has one; import this entry point to process keys outside a controller, or to
 * implement {@link QueueMetrics} for a metrics system other than Prometheus.
 *
 * @module capstan/queue
 */
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
