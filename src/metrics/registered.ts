import type { Metric, Registry } from 'prom-client';

/**
 * The metric called `name` in `registry`, created by `create` the first time: several controllers, queues
 * or electors share one metric family per registry and differ only by labels, as in controller-runtime.
 */
export function registered<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
