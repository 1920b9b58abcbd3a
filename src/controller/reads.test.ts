import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../cache/index.ts';
import { ApiError, type ResourceClient } from '../client/index.ts';
import type { KubeObject } from '../core/index.ts';
import { ConfigMap, Secret } from '../kinds/core/v1.ts';
import { type ReadSource, Reads } from './reads.ts';

const cm = (namespace: string, name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { namespace, name, labels, resourceVersion: '1' },
  data,
});

/** The real store, listed with `objects`. */
function cache(objects: KubeObject[], indexers: Record<string, (o: KubeObject) => readonly string[]> = {}) {
  const store = new MemoryStore<KubeObject>(indexers);
  store.applyEvent({ type: 'init' });
  for (const object of objects) store.applyEvent({ type: 'initApply', object });
  store.applyEvent({ type: 'initDone' });
  return store;
}

const noLiveReads = (): never => assert.fail('no live read expected');

test('a kind the controller does not declare is refused, naming the builder call to add', async () => {
  const reads = new Reads('webapp', [], noLiveReads);
  await assert.rejects(reads.get(Secret, 'db', { defaultNamespace: 'ns' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'UNDECLARED_READ');
    assert.match(err.message, /ctx\.get\(Secret\): controller webapp does not declare reading Secret: add \.reads\(Secret\)/);
    return true;
  });
  await assert.rejects(reads.list(Secret), { code: 'UNDECLARED_READ' });
});

test('a label-scoped cache answers only reads within its labels; outside them the read is refused, not answered short', async () => {
  const managed = 'app.kubernetes.io/managed-by=hello';
  const sources: ReadSource[] = [
    {
      kind: ConfigMap,
      scope: { labelSelector: managed },
      declaredBy: `.owns(ConfigMap, { labelSelector: '${managed}' })`,
      cache: cache([cm('ns', 'mine', { 'app.kubernetes.io/managed-by': 'hello', tier: 'web' })]),
    },
  ];
  const reads = new Reads('helloworld', sources, noLiveReads);
  await assert.rejects(reads.get(ConfigMap, 'mine', { defaultNamespace: 'ns' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'OUTSIDE_CACHE_SCOPE');
    assert.match(
      err.message,
      /\.owns\(ConfigMap, \{ labelSelector: 'app\.kubernetes\.io\/managed-by=hello' \}\) holds every namespace, labels/,
    );
    assert.match(err.message, /declare \.reads\(ConfigMap, \{ namespace: 'ns' \}\)/);
    return true;
  });
  assert.equal((await reads.get(ConfigMap, 'mine', { defaultNamespace: 'ns', labelSelector: managed }))?.metadata.name, 'mine');
  assert.equal(await reads.get(ConfigMap, 'mine', { defaultNamespace: 'ns', labelSelector: `${managed},tier=api` }), undefined);
  assert.deepEqual(
    (await reads.list(ConfigMap, { labelSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'hello', tier: 'web' } } })).map(
      (o) => o.metadata.name,
    ),
    ['mine'],
  );
  await assert.rejects(reads.list(ConfigMap), { code: 'OUTSIDE_CACHE_SCOPE' });
});

test('list by a declared field index; an index the controller did not declare is refused', async () => {
  const byMessage = (o: KubeObject) => [(o as ConfigMap).data?.['message'] ?? ''];
  const store = cache([cm('a', 'x', {}, { message: 'hi' }), cm('b', 'y', {}, { message: 'hi' }), cm('a', 'z', {}, { message: 'bye' })], {
    byMessage,
  });
  const reads = new Reads(
    'c',
    [{ kind: ConfigMap, scope: {}, declaredBy: '.reads(ConfigMap)', cache: store, indexes: ['byMessage'] }],
    noLiveReads,
  );
  const names = async (options: Parameters<Reads['list']>[1]) => (await reads.list(ConfigMap, options)).map((o) => o.metadata.name).sort();
  assert.deepEqual(await names({ index: { name: 'byMessage', value: 'hi' } }), ['x', 'y']);
  assert.deepEqual(await names({ index: { name: 'byMessage', value: 'hi' }, namespace: 'a' }), ['x']);
  assert.deepEqual(await names({ namespace: 'a' }), ['x', 'z']);
  await assert.rejects(reads.list(ConfigMap, { index: { name: 'byOwner', value: 'x' } }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'UNDECLARED_INDEX');
    assert.match(err.message, /add \.index\(ConfigMap, 'byOwner', \(object\) => \[\.\.\.values\]\)/);
    return true;
  });
});

test('per-namespace caches serve their namespace, and together a list across them; another namespace is refused', async () => {
  const sources: ReadSource[] = ['a', 'b'].map((ns) => ({
    kind: ConfigMap,
    scope: { namespace: ns },
    declaredBy: `controller(ConfigMap) in ${ns}`,
    cache: cache([cm(ns, `in-${ns}`)]),
  }));
  const reads = new Reads('c', sources, noLiveReads);
  assert.equal((await reads.get(ConfigMap, 'in-b', { namespace: 'b' }))?.metadata.namespace, 'b');
  assert.deepEqual((await reads.list(ConfigMap)).map((o) => o.metadata.name).sort(), ['in-a', 'in-b']);
  await assert.rejects(reads.get(ConfigMap, 'x', { namespace: 'c' }), { code: 'OUTSIDE_CACHE_SCOPE' });
});

test('a kind read live is got from the server (absent as undefined) and cannot be listed', async () => {
  const gets: string[] = [];
  const resource = {
    get: async (name: string, options: { namespace?: string }) => {
      gets.push(`${options.namespace}/${name}`);
      if (name === 'missing') throw new ApiError('GET', `/api/v1/namespaces/ns/secrets/${name}`, 404, { reason: 'NotFound' });
      return { metadata: { name, namespace: options.namespace } };
    },
  } as unknown as ResourceClient<KubeObject>;
  const reads = new Reads('webapp', [{ kind: Secret, scope: {}, declaredBy: '.reads(Secret, { live: true })' }], () => resource);
  assert.equal((await reads.get(Secret, 'db', { defaultNamespace: 'ns' }))?.metadata.name, 'db');
  assert.equal(await reads.get(Secret, 'missing', { defaultNamespace: 'ns' }), undefined);
  assert.deepEqual(gets, ['ns/db', 'ns/missing']);
  await assert.rejects(reads.list(Secret), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'LIVE_READ_ONLY_GET');
    assert.match(err.message, /declare a cached read: \.reads\(Secret/);
    return true;
  });
});
