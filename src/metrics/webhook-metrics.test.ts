import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { webhookMetrics } from './webhook-metrics.ts';

const path = '/validate-apps-example-com-v1alpha1-webapp';

async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("controller-runtime's webhook metrics: requests by path and code, in flight while unanswered, latency", async () => {
  const registry = new Registry();
  const metrics = webhookMetrics(registry);
  // Nothing is exposed for a path before its first request, as controller-runtime registers a path's series then.
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_total{webhook="${path}",code="200"}`), undefined);

  const first = metrics.started(path);
  const second = metrics.started(path);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_in_flight{webhook="${path}"}`), 2);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_total{webhook="${path}",code="200"}`), 0);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_total{webhook="${path}",code="500"}`), 0);

  first(200);
  first(200); // a second report of the same request counts nothing
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_in_flight{webhook="${path}"}`), 1);
  await new Promise((resolve) => setTimeout(resolve, 30));
  second(499);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_in_flight{webhook="${path}"}`), 0);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_total{webhook="${path}",code="200"}`), 1);
  assert.equal(await sample(registry, `controller_runtime_webhook_requests_total{webhook="${path}",code="499"}`), 1);
  assert.equal(await sample(registry, `controller_runtime_webhook_latency_seconds_count{webhook="${path}"}`), 2);
  // The second request took at least the 30 ms waited: never in the 25 ms bucket (how long the first took depends on
  // the machine's load: the scrapes between its start and its end).
  assert.ok(((await sample(registry, `controller_runtime_webhook_latency_seconds_bucket{le="0.025",webhook="${path}"}`)) ?? 0) <= 1);
  assert.equal(await sample(registry, `controller_runtime_webhook_latency_seconds_bucket{le="+Inf",webhook="${path}"}`), 2);
  assert.ok(((await sample(registry, `controller_runtime_webhook_latency_seconds_sum{webhook="${path}"}`)) ?? 0) >= 0.03);

  // A second server on the same registry (tests, two managers) shares the families.
  webhookMetrics(registry).started('/mutate-core-v1-configmap')(200);
  assert.equal(await sample(registry, 'controller_runtime_webhook_requests_total{webhook="/mutate-core-v1-configmap",code="200"}'), 1);
  const text = await registry.metrics();
  assert.match(text, /^# TYPE controller_runtime_webhook_requests_total counter$/m);
  assert.match(text, /^# TYPE controller_runtime_webhook_requests_in_flight gauge$/m);
  assert.match(text, /^# TYPE controller_runtime_webhook_latency_seconds histogram$/m);
});
