import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ApiError, type KubeClient } from '../client/index.ts';
import type { ObjectList } from '../core/index.ts';
import { type ConfigMap, ConfigMap as ConfigMapKind } from '../kinds/core/v1.ts';
import { cacheMetrics } from '../metrics/index.ts';
import type { ListWatchSource, RawWatchEvent } from '../watch/index.ts';
import { informerFactory } from './informer-factory.ts';

const cm = (name: string, rv: string): ConfigMap => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });

/** A client whose only collection lists `items`, then watches `events` one per `next()` call. */
function fakeClient(items: ConfigMap[], events: Array<RawWatchEvent<ConfigMap>>): { client: KubeClient; next: () => void } {
  let release: () => void = () => undefined;
  const source: ListWatchSource<ConfigMap> = {
    kind: ConfigMapKind,
    async list(): Promise<ObjectList<ConfigMap>> {
      return { metadata: { resourceVersion: '10' }, items };
    },
    async watch(o) {
      // A server without streaming lists (the WatchList feature gate off): the informer lists instead.
      if (o.sendInitialEvents) throw new ApiError('GET', '/api/v1/namespaces/ns/configmaps', 422, { reason: 'Invalid' });
      return (async function* () {
        for (const event of events) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          yield event;
        }
        await new Promise((resolve) => o.signal?.addEventListener('abort', resolve));
        throw new Error('aborted');
      })();
    },
  };
  return { client: { resource: () => source } as unknown as KubeClient, next: () => release() };
}

async function gauge(registry: Registry): Promise<number | undefined> {
  const line = (await registry.metrics())
    .split('\n')
    .find((l) => l.startsWith('capstan_cache_objects{cache="configmaps (namespace ns)"} '));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

test("the manager's caches report their size as capstan_cache_objects, up and down with the cluster", async () => {
  const registry = new Registry();
  const { client, next } = fakeClient(
    [cm('a', '1'), cm('b', '2')],
    [
      { type: 'ADDED', object: cm('c', '11') },
      { type: 'DELETED', object: cm('a', '12') },
      { type: 'DELETED', object: cm('b', '13') },
    ],
  );
  const factory = informerFactory(client, pino({ level: 'silent' }), { metrics: cacheMetrics(registry) });
  const source = factory(ConfigMapKind, { namespace: 'ns' });
  const stop = new AbortController();
  const running = source.run(stop.signal);
  await source.waitForSync({ signal: stop.signal });
  assert.equal(await gauge(registry), 2);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
  await settle();
  next();
  await settle();
  assert.equal(await gauge(registry), 3);
  next();
  await settle();
  next();
  await settle();
  assert.equal(await gauge(registry), 1);
  assert.equal(source.list().length, 1);
  stop.abort();
  await running;
});
