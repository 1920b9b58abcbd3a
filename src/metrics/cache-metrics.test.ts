import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { cacheMetrics } from './cache-metrics.ts';

test('capstan_cache_objects holds the latest size of each cache, by its name', async () => {
  const registry = new Registry();
  const metrics = cacheMetrics(registry);
  metrics.objectsInCache('helloworlds', 3);
  metrics.objectsInCache('configmaps (labels "app=x")', 5);
  metrics.objectsInCache('helloworlds', 2);
  // A second manager on the same registry shares the family.
  cacheMetrics(registry).objectsInCache('secrets', 0);
  const text = await registry.metrics();
  assert.match(text, /^capstan_cache_objects\{cache="helloworlds"\} 2$/m);
  assert.match(text, /^capstan_cache_objects\{cache="configmaps \(labels \\"app=x\\"\)"\} 5$/m);
  assert.match(text, /^capstan_cache_objects\{cache="secrets"\} 0$/m);
  assert.match(text, /^# TYPE capstan_cache_objects gauge$/m);
});
