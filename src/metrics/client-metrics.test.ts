import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { clientMetrics } from './client-metrics.ts';
import { eventMetrics } from './event-metrics.ts';

async function value(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('requests in flight by verb: 0 before any request, up at a start, down at the answer; clients share the registry', async () => {
  const registry = new Registry();
  const one = clientMetrics(registry);
  const two = clientMetrics(registry);
  for (const verb of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
    assert.equal(await value(registry, `capstan_client_requests_in_flight{verb="${verb}"}`), 0);
  one.requestStarted('PATCH');
  two.requestStarted('PATCH');
  one.requestStarted('GET');
  assert.equal(await value(registry, 'capstan_client_requests_in_flight{verb="PATCH"}'), 2);
  two.requestFinished('PATCH');
  one.requestFinished('GET');
  assert.equal(await value(registry, 'capstan_client_requests_in_flight{verb="PATCH"}'), 1);
  assert.equal(await value(registry, 'capstan_client_requests_in_flight{verb="GET"}'), 0);
});

test('dropped Events are counted by reason, from 0', async () => {
  const registry = new Registry();
  const metrics = eventMetrics(registry);
  assert.equal(await value(registry, 'capstan_events_dropped_total{reason="NamespaceTerminating"}'), 0);
  metrics.dropped('NamespaceTerminating');
  eventMetrics(registry).dropped('NamespaceTerminating');
  assert.equal(await value(registry, 'capstan_events_dropped_total{reason="NamespaceTerminating"}'), 2);
});
