import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { objectKey } from '../core/index.ts';
import type { ConfigMap } from '../kinds/core/v1.ts';
import type { WatchEvent } from '../watch/index.ts';
import { MemoryStore, reflect, type StoreChange } from './store.ts';
import { composeTransforms, stripManagedFields } from './transforms.ts';

const cm = (namespace: string, name: string, rv: string, labels?: Record<string, string>): ConfigMap => ({
  metadata: { namespace, name, resourceVersion: rv, labels },
});

function storeWithChanges() {
  const store = new MemoryStore<ConfigMap>({ byApp: (o) => (o.metadata.labels?.['app'] ? [o.metadata.labels['app']] : []) });
  const changes: string[] = [];
  store.subscribe((c: StoreChange<ConfigMap>) => changes.push(`${c.type} ${objectKey(c.object)}`));
  return { store, changes };
}

test('apply and delete keep objects and indexes current', () => {
  const { store, changes } = storeWithChanges();
  store.applyEvent({ type: 'apply', object: cm('a', 'x', '1', { app: 'web' }) });
  store.applyEvent({ type: 'apply', object: cm('b', 'y', '2', { app: 'web' }) });
  assert.equal(store.size, 2);
  assert.deepEqual(store.byIndex('byApp', 'web').map(objectKey).sort(), ['a/x', 'b/y']);
  store.applyEvent({ type: 'apply', object: cm('a', 'x', '3', { app: 'api' }) });
  assert.deepEqual(store.byIndex('byApp', 'web').map(objectKey), ['b/y'], 'moved out of the old index value');
  assert.deepEqual(store.byIndex('byApp', 'api').map(objectKey), ['a/x']);
  store.applyEvent({ type: 'delete', object: cm('b', 'y', '4') });
  assert.equal(store.get('b/y'), undefined);
  assert.deepEqual(store.byIndex('byApp', 'web'), []);
  assert.deepEqual(store.byIndex('namespace', 'a').map(objectKey), ['a/x']);
  assert.deepEqual(changes, ['added a/x', 'added b/y', 'updated a/x', 'deleted b/y']);
  assert.throws(() => store.byIndex('nope', 'x'), /no index "nope"/);
  assert.throws(() => new MemoryStore<ConfigMap>({ namespace: () => [] }), /built in/);
});

test('a relist is swapped in at initDone: readers see the old list until then, and vanished objects are reported deleted', () => {
  const { store, changes } = storeWithChanges();
  for (const object of [cm('a', 'keep', '1'), cm('a', 'change', '1'), cm('a', 'vanish', '1')]) store.applyEvent({ type: 'apply', object });
  changes.length = 0;
  store.applyEvent({ type: 'init' });
  store.applyEvent({ type: 'initApply', object: cm('a', 'keep', '1') });
  store.applyEvent({ type: 'initApply', object: cm('a', 'change', '2') });
  store.applyEvent({ type: 'initApply', object: cm('a', 'new', '2') });
  assert.deepEqual(store.keys().sort(), ['a/change', 'a/keep', 'a/vanish'], 'the old list until initDone');
  assert.equal(store.get('a/change')?.metadata.resourceVersion, '1');
  store.applyEvent({ type: 'initDone' });
  assert.deepEqual(store.keys().sort(), ['a/change', 'a/keep', 'a/new']);
  assert.deepEqual(changes.sort(), ['added a/new', 'deleted a/vanish', 'updated a/change']);
});

test('an init that starts over drops the partial list', () => {
  const { store } = storeWithChanges();
  store.applyEvent({ type: 'init' });
  store.applyEvent({ type: 'initApply', object: cm('a', 'stale', '1') });
  store.applyEvent({ type: 'init' });
  store.applyEvent({ type: 'initApply', object: cm('a', 'fresh', '2') });
  store.applyEvent({ type: 'initDone' });
  assert.deepEqual(store.keys(), ['a/fresh']);
});

test('list filters by namespace and label selector', () => {
  const { store } = storeWithChanges();
  store.applyEvent({ type: 'apply', object: cm('a', 'x', '1', { app: 'web' }) });
  store.applyEvent({ type: 'apply', object: cm('a', 'y', '1', { app: 'api' }) });
  store.applyEvent({ type: 'apply', object: cm('b', 'z', '1', { app: 'web' }) });
  assert.deepEqual(store.list({ namespace: 'a' }).map(objectKey).sort(), ['a/x', 'a/y']);
  assert.deepEqual(
    store
      .list({ labelSelector: { matchLabels: { app: 'web' } } })
      .map(objectKey)
      .sort(),
    ['a/x', 'b/z'],
  );
  assert.deepEqual(store.list({ namespace: 'b', labelSelector: { matchLabels: { app: 'api' } } }), []);
});

test('property: after any event sequence, the store equals a replay of it, and every index agrees with the objects', () => {
  const name = fc.constantFrom('a', 'b', 'c', 'd');
  const object = fc.record({ name, app: fc.constantFrom('web', 'api', undefined), rv: fc.nat(1000).map(String) });
  const event: fc.Arbitrary<WatchEvent<ConfigMap> | 'relist'> = fc.oneof(
    object.map((o) => ({ type: 'apply' as const, object: cm('ns', o.name, o.rv, o.app ? { app: o.app } : undefined) })),
    object.map((o) => ({ type: 'delete' as const, object: cm('ns', o.name, o.rv) })),
    fc.constant('relist' as const),
  );
  fc.assert(
    fc.property(fc.array(event, { maxLength: 40 }), fc.array(object, { maxLength: 4 }), (events, relisted) => {
      const { store } = storeWithChanges();
      const model = new Map<string, ConfigMap>();
      for (const e of events) {
        if (e === 'relist') {
          model.clear();
          store.applyEvent({ type: 'init' });
          for (const o of relisted) {
            const object = cm('ns', o.name, o.rv, o.app ? { app: o.app } : undefined);
            model.set(objectKey(object), object);
            store.applyEvent({ type: 'initApply', object });
          }
          store.applyEvent({ type: 'initDone' });
        } else {
          store.applyEvent(e);
          if (e.type === 'apply') model.set(objectKey(e.object), e.object);
          else if (e.type === 'delete') model.delete(objectKey(e.object));
        }
      }
      assert.deepEqual(new Map(store.keys().map((k) => [k, store.get(k)])), model);
      for (const app of ['web', 'api']) {
        const expected = [...model.values()]
          .filter((o) => o.metadata.labels?.['app'] === app)
          .map(objectKey)
          .sort();
        assert.deepEqual(store.byIndex('byApp', app).map(objectKey).sort(), expected);
      }
    }),
  );
});

test('reflect writes each event into the store and passes it on', async () => {
  const store = new MemoryStore<ConfigMap>();
  async function* events(): AsyncGenerator<WatchEvent<ConfigMap>> {
    yield { type: 'init' };
    yield { type: 'initApply', object: cm('a', 'x', '1') };
    yield { type: 'initDone' };
    yield { type: 'delete', object: cm('a', 'x', '2') };
  }
  const seen: string[] = [];
  for await (const event of reflect(store, events())) seen.push(`${event.type}:${store.size}`);
  assert.deepEqual(seen, ['init:0', 'initApply:0', 'initDone:1', 'delete:0']);
});

test('the managedFields transform drops only managedFields; transforms compose in order', () => {
  const full: ConfigMap = {
    metadata: { name: 'x', namespace: 'a', resourceVersion: '1', managedFields: [{ manager: 'm' }] },
    data: { k: 'v' },
  };
  const slim = stripManagedFields(full);
  assert.deepEqual(slim, { metadata: { name: 'x', namespace: 'a', resourceVersion: '1' }, data: { k: 'v' } });
  assert.ok(full.metadata.managedFields, 'the input is not modified');
  const upper = composeTransforms<ConfigMap>(stripManagedFields, (o) => ({ ...o, data: { k: o.data!['k']!.toUpperCase() } }));
  assert.deepEqual(upper(full).data, { k: 'V' });
});

test('latestResourceVersion: the newest version applied, deletions included; a relist counts only once swapped in', () => {
  const store = new MemoryStore<ConfigMap>();
  assert.equal(store.latestResourceVersion, undefined);
  store.applyEvent({ type: 'apply', object: cm('a', 'x', '9') });
  store.applyEvent({ type: 'apply', object: cm('a', 'y', '10') });
  assert.equal(store.latestResourceVersion, '10', 'compared as integers, not as strings');
  store.applyEvent({ type: 'delete', object: cm('a', 'x', '12') });
  assert.equal(store.latestResourceVersion, '12', 'a deletion moves it too');
  store.applyEvent({ type: 'init' });
  store.applyEvent({ type: 'initApply', object: cm('a', 'y', '15') });
  assert.equal(store.latestResourceVersion, '12', 'not before the relist is in the store');
  store.applyEvent({ type: 'initDone' });
  assert.equal(store.latestResourceVersion, '15');
});
