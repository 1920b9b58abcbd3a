/**
 * A live view of the work in flight, read when metrics are collected rather than pushed on a timer.
 *
 * @noExample Handed by the queue to {@link QueueMetrics.trackInFlight}; read it when metrics are scraped.
 */
export interface InFlightWork {
  /** Seconds spent so far by all work in flight (`workqueue_unfinished_work_seconds`). */
  unfinishedWorkSeconds(): number;
  /** Seconds the longest-running work in flight has run (`workqueue_longest_running_processor_seconds`). */
  longestRunningProcessorSeconds(): number;
}

/**
 * What a work queue reports, so that the metrics layer can expose it under client-go's workqueue names
 * without the queue knowing of Prometheus. One instance per queue: the queue's name is the
 * implementation's business (the `name` label).
 *
 * @example
 * ```ts
 * import { noQueueMetrics, WorkQueue, type QueueMetrics } from 'capstan/queue';
 * let adds = 0;
 * const metrics: QueueMetrics = { ...noQueueMetrics, added: () => { adds++; } };
 * const queue = new WorkQueue<string>({ metrics });
 * queue.add('default/a');
 * console.log(adds); // 1
 * ```
 */
export interface QueueMetrics {
  /** A key was added (a duplicate of a key already waiting is not an add). */
  added(): void;
  /** A key was re-added because its work failed (`addRateLimited`). */
  retried(): void;
  /** The number of keys ready and waiting for a worker changed. */
  depthChanged(depth: number): void;
  /** A key waited this long between being ready and a worker taking it. */
  queued(seconds: number): void;
  /** A worker spent this long on a key. */
  worked(seconds: number): void;
  /** Called once, when the queue is created, with a view of its in-flight work. */
  trackInFlight(view: InFlightWork): void;
}

/**
 * Metrics that go nowhere: a queue's default, and, frozen, a base to spread when only some reports matter.
 *
 * @example
 * ```ts
 * import { noQueueMetrics, type QueueMetrics, WorkQueue } from 'capstan/queue';
 * let depth = 0;
 * const metrics: QueueMetrics = { ...noQueueMetrics, depthChanged: (d) => { depth = d; } };
 * const queue = new WorkQueue<string>({ metrics });
 * ```
 */
export const noQueueMetrics: QueueMetrics = Object.freeze({
  added() {},
  retried() {},
  depthChanged() {},
  queued() {},
  worked() {},
  trackInFlight() {},
});
