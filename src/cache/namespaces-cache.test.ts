import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigMap } from '../kinds/core/v1.ts';
import { NamespacesCache } from './namespaces-cache.ts';
import { MemoryStore, type StoreChange } from './store.ts';

const cm = (namespace: string, name: string, resourceVersion: string): ConfigMap => ({
  metadata: { namespace, name, resourceVersion, labels: { app: 'x' } },
});

function part(objects: ConfigMap[]): MemoryStore<ConfigMap> {
  const store = new MemoryStore<ConfigMap>({ byName: (o) => [o.metadata.name ?? ''] });
  store.applyEvent({ type: 'init' });
  for (const object of objects) store.applyEvent({ type: 'initApply', object });
  store.applyEvent({ type: 'initDone' });
  return store;
}

test('one cache over a set of namespaces: reads route by namespace, lists join, changes of every part are told', () => {
  const a = part([cm('a', 'x', '5')]);
  const b = part([cm('b', 'x', '9'), cm('b', 'y', '7')]);
  const cache = new NamespacesCache(
    new Map([
      ['a', a],
      ['b', b],
    ]),
  );
  assert.equal(cache.get('b/y')?.metadata.resourceVersion, '7');
  assert.equal(cache.size, 3);
  assert.deepEqual(
    cache
      .list()
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort(),
    ['a/x', 'b/x', 'b/y'],
  );
  assert.deepEqual(cache.list({ namespace: 'a' }).length, 1);
  assert.deepEqual(cache.byIndex('byName', 'x').length, 2);
  assert.equal(cache.latestResourceVersion, '5', 'the oldest of the parts');
  assert.throws(() => cache.get('c/x'), /namespace "c" is not one of them/);
  const changes: Array<StoreChange<ConfigMap>['type']> = [];
  const stop = cache.subscribe((change) => changes.push(change.type));
  a.applyEvent({ type: 'apply', object: cm('a', 'z', '10') });
  b.applyEvent({ type: 'delete', object: cm('b', 'y', '11') });
  stop();
  a.applyEvent({ type: 'apply', object: cm('a', 'w', '12') });
  assert.deepEqual(changes, ['added', 'deleted']);
  assert.equal(cache.synced, true);
});
