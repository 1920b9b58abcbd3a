import { collectDefaultMetrics, register, type Registry } from 'prom-client';

/**
 * Node's process and runtime metrics on `registry`, once per registry: CPU, memory, file descriptors,
 * handles, GC, heap and the event-loop lag (`nodejs_eventloop_lag_seconds` and its percentiles), which is
 * what a starved operator shows first.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { processMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * processMetrics(registry);
 * console.log((await registry.metrics()).includes('nodejs_eventloop_lag_seconds')); // true
 * ```
 */
export function processMetrics(registry: Registry = register): void {
  if (registry.getSingleMetric('process_cpu_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
}
