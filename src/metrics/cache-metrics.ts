import { Gauge, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * What {@link cacheMetrics} returns: structurally the cache layer's `CacheMetrics`, so it can be passed as
 * an `Informer`'s `metrics` option (this layer may not import the cache; the manager wires the two).
 *
 * @noExample Returned by {@link cacheMetrics}, whose example calls it.
 */
export interface CacheObjectMetrics {
  /** The cache called `cache` now holds `count` objects. */
  objectsInCache(cache: string, count: number): void;
}

/**
 * `capstan_cache_objects{cache}`: how many objects each informer cache holds, labelled with the cache's
 * name as logs and `/readyz` spell it (`helloworlds`, `configmaps (labels "…")`). A cache that keeps
 * growing while the cluster does not is a leak; one that falls to zero is a lost list. controller-runtime
 * has no such metric; the name follows Prometheus conventions under Capstan's own prefix.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { cacheMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const metrics = cacheMetrics(registry);
 * metrics.objectsInCache('configmaps', 42);
 * console.log(await registry.getSingleMetricAsString('capstan_cache_objects'));
 * ```
 */
export function cacheMetrics(registry: Registry = register): CacheObjectMetrics {
  const objects = registered(
    registry,
    'capstan_cache_objects',
    () =>
      new Gauge({
        name: 'capstan_cache_objects',
        help: 'Number of objects in each informer cache',
        labelNames: ['cache'],
        registers: [registry],
      }),
  );
  return { objectsInCache: (cache, count) => objects.set({ cache }, count) };
}
