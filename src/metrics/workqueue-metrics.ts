import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * A live view of a queue's in-flight work, read at scrape time. Structurally the same as the queue
 * layer's `InFlightWork` (this layer may not import the queue; the manager wires the two).
 *
 * @noExample A `WorkQueue` hands it to {@link WorkqueueMetrics.trackInFlight}; nothing to write by hand.
 */
export interface InFlightWorkView {
  /** Seconds spent so far by all work in flight (`workqueue_unfinished_work_seconds`). */
  unfinishedWorkSeconds(): number;
  /** Seconds the longest-running work in flight has run (`workqueue_longest_running_processor_seconds`). */
  longestRunningProcessorSeconds(): number;
}

/**
 * What {@link workqueueMetrics} returns: structurally the queue layer's `QueueMetrics`, so it can be passed
 * as a `WorkQueue`'s `metrics` option.
 *
 * @noExample Returned by {@link workqueueMetrics}, whose example passes it to a `WorkQueue`.
 */
export interface WorkqueueMetrics {
  /** A key was added (`workqueue_adds_total` + 1); a duplicate of a key already waiting is not an add. */
  added(): void;
  /** A key was re-added because its work failed (`workqueue_retries_total` + 1). */
  retried(): void;
  /** The number of keys ready and waiting for a worker is now `depth` (`workqueue_depth`). */
  depthChanged(depth: number): void;
  /** A key waited this long between being ready and a worker taking it (`workqueue_queue_duration_seconds`). */
  queued(seconds: number): void;
  /** A worker spent this long on a key (`workqueue_work_duration_seconds`). */
  worked(seconds: number): void;
  /** Read `view` at each scrape for the in-flight gauges; the queue calls it once, when it is created. */
  trackInFlight(view: InFlightWorkView): void;
}

// client-go / controller-runtime: ExponentialBuckets(10e-9, 10, 12), i.e. 10 ns to 1000 s.
const durationBuckets = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));
const views = new WeakMap<Registry, Map<string, InFlightWorkView>>();

function inFlightGauge(
  registry: Registry,
  name: string,
  help: string,
  read: (v: InFlightWorkView) => number,
): Gauge<'name' | 'controller'> {
  return registered(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['name', 'controller'],
        registers: [registry],
        collect() {
          for (const [queue, view] of views.get(registry) ?? []) this.set({ name: queue, controller: queue }, read(view));
        },
      }),
  );
}

/**
 * client-go's workqueue metrics for the queue called `name`, as controller-runtime exposes them (labels
 * `name` and `controller`, both the queue's name): `workqueue_depth`, `workqueue_adds_total`,
 * `workqueue_retries_total`, `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
 * `workqueue_unfinished_work_seconds` and `workqueue_longest_running_processor_seconds` (the last two read
 * from the queue when scraped).
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { workqueueMetrics } from 'capstan/metrics';
 * import { WorkQueue } from 'capstan/queue';
 * const registry = new Registry();
 * const queue = new WorkQueue<string>({ metrics: workqueueMetrics('helloworld', registry) });
 * queue.add('demo/hello');
 * console.log(await registry.getSingleMetricAsString('workqueue_depth'));
 * ```
 */
export function workqueueMetrics(name: string, registry: Registry = register): WorkqueueMetrics {
  const registers = [registry];
  const labels = { name, controller: name };
  const depth = registered(
    registry,
    'workqueue_depth',
    () =>
      new Gauge({
        name: 'workqueue_depth',
        help: 'Current depth of workqueue',
        labelNames: ['name', 'controller'],
        registers,
      }),
  );
  const adds = registered(
    registry,
    'workqueue_adds_total',
    () =>
      new Counter({
        name: 'workqueue_adds_total',
        help: 'Total number of adds handled by workqueue',
        labelNames: ['name', 'controller'],
        registers,
      }),
  );
  const retries = registered(
    registry,
    'workqueue_retries_total',
    () =>
      new Counter({
        name: 'workqueue_retries_total',
        help: 'Total number of retries handled by workqueue',
        labelNames: ['name', 'controller'],
        registers,
      }),
  );
  const queueDuration = registered(
    registry,
    'workqueue_queue_duration_seconds',
    () =>
      new Histogram({
        name: 'workqueue_queue_duration_seconds',
        help: 'How long in seconds an item stays in workqueue before being requested',
        labelNames: ['name', 'controller'],
        buckets: durationBuckets,
        registers,
      }),
  );
  const workDuration = registered(
    registry,
    'workqueue_work_duration_seconds',
    () =>
      new Histogram({
        name: 'workqueue_work_duration_seconds',
        help: 'How long in seconds processing an item from workqueue takes.',
        labelNames: ['name', 'controller'],
        buckets: durationBuckets,
        registers,
      }),
  );
  inFlightGauge(
    registry,
    'workqueue_unfinished_work_seconds',
    "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.",
    (v) => v.unfinishedWorkSeconds(),
  );
  inFlightGauge(
    registry,
    'workqueue_longest_running_processor_seconds',
    'How many seconds has the longest running processor for workqueue been running.',
    (v) => v.longestRunningProcessorSeconds(),
  );
  depth.set(labels, 0);
  adds.inc(labels, 0);
  retries.inc(labels, 0);
  queueDuration.zero(labels);
  workDuration.zero(labels);
  return {
    added: () => adds.inc(labels),
    retried: () => retries.inc(labels),
    depthChanged: (value) => depth.set(labels, value),
    queued: (seconds) => queueDuration.observe(labels, seconds),
    worked: (seconds) => workDuration.observe(labels, seconds),
    trackInFlight(view) {
      let byQueue = views.get(registry);
      if (!byQueue) views.set(registry, (byQueue = new Map<string, InFlightWorkView>()));
      byQueue.set(name, view);
    },
  };
}
