import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError, type RawWatchEvent } from '../../client/index.ts';
import type { KubeObject } from '../../core/index.ts';
import { ConfigMap } from '../../kinds/core/v1.ts';
import { fakeApiServer } from './fake-api-server.ts';

async function collect<T>(stream: AsyncIterable<RawWatchEvent<T>>): Promise<Array<RawWatchEvent<T>>> {
  const events: Array<RawWatchEvent<T>> = [];
  for await (const event of stream) events.push(event);
  return events;
}

const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...extra },
  data: { a: '1' },
});

test('close() ends open watches, and a watch opened later ends at once', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const client = server.client({ namespace: 'ns' });
  await client.resource(ConfigMap).create(cm('one'));
  const open = collect(await client.resource(ConfigMap).watch({ namespace: 'ns' }));
  server.close();
  assert.deepEqual(
    (await open).map((e) => e.type),
    ['ADDED'],
  );
  assert.deepEqual(await collect(await client.resource(ConfigMap).watch({ namespace: 'ns' })), []);
});

test('a watch can resume across historyLimit changes, and gets 410 Expired from further back', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap], historyLimit: 2 });
  const configMaps = server.client({ namespace: 'ns' }).resource(ConfigMap);
  const written = [];
  for (const name of ['a', 'b', 'c', 'd']) written.push(await configMaps.create(cm(name)));
  const names = (events: Array<RawWatchEvent<KubeObject>>) =>
    events.map((e) => (e.type === 'ERROR' ? e.object.code : e.object.metadata.name));
  const tooOld = await collect(await configMaps.watch({ namespace: 'ns', resourceVersion: written[0]?.metadata.resourceVersion }));
  assert.deepEqual(names(tooOld), [410]);
  const kept = await configMaps.watch({ namespace: 'ns', resourceVersion: written[1]?.metadata.resourceVersion, timeoutSeconds: 0.05 });
  assert.deepEqual(names(await collect(kept)), ['c', 'd']);
  const abort = new AbortController();
  const current = await configMaps.watch({ namespace: 'ns', resourceVersion: '0', signal: abort.signal });
  setTimeout(() => abort.abort(), 10);
  assert.deepEqual(names(await collect(current)), ['a', 'b', 'c', 'd'], 'an aborted watch ends');
});

test('a dependent with another live owner loses only the dangling reference; one with none left is collected', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const configMaps = server.client({ namespace: 'ns' }).resource(ConfigMap);
  const ref = (o: KubeObject) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' });
  const owner1 = await configMaps.create(cm('owner1'));
  const owner2 = await configMaps.create(cm('owner2'));
  await configMaps.create(cm('shared', { ownerReferences: [ref(owner1), ref(owner2)] }));
  await configMaps.create(cm('only', { ownerReferences: [ref(owner1)] }));
  await configMaps.delete('owner1');
  assert.deepEqual(
    server.objects(ConfigMap, 'ns').map((o) => [o.metadata.name, o.metadata.ownerReferences?.map((r) => r.name)]),
    [
      ['owner2', undefined],
      ['shared', ['owner2']],
    ],
  );
});

test('writes name the client’s field manager by default, and a write that changes nothing changes no resourceVersion', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const configMaps = server.client({ namespace: 'ns', fieldManager: 'unit-test' }).resource(ConfigMap);
  const created = await configMaps.create(cm('x'));
  assert.deepEqual(
    created.metadata.managedFields?.map((e) => [e.manager, e.operation]),
    [['unit-test', 'Update']],
  );
  const same = await configMaps.mergePatch('x', { data: { a: '1' } });
  assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.equal(server.resourceVersion, created.metadata.resourceVersion);
});

test('a strategic merge patch is refused with 415, a write to another subresource with 404', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const client = server.client({ namespace: 'ns' });
  await client.resource(ConfigMap).create(cm('x'));
  const refusal = async (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('refused'),
      (err: unknown) => err,
    );
  const strategic = await refusal(
    client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ns/configmaps/x',
      body: {},
      contentType: 'application/strategic-merge-patch+json',
    }),
  );
  assert.ok(isApiError(strategic) && strategic.httpStatus === 415);
  const scale = await refusal(client.request({ method: 'GET', path: '/api/v1/namespaces/ns/configmaps/x/scale' }));
  assert.ok(isApiError(scale) && scale.httpStatus === 404 && scale.status.details?.name === undefined);
});

test('a metadata-only watch gets PartialObjectMetadata, and bookmarks only when it allowed them', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const client = server.client({ namespace: 'ns' });
  await client.resource(ConfigMap).create(cm('x'));
  const withBookmarks = await client.metadata(ConfigMap).watch({ namespace: 'ns', allowWatchBookmarks: true });
  const without = await client.metadata(ConfigMap).watch({ namespace: 'ns' });
  server.sendBookmarks();
  server.close();
  const seen = (events: Array<RawWatchEvent<KubeObject>>) =>
    events.map((e) => [e.type, e.object.kind, e.type === 'ERROR' ? undefined : (e.object as { data?: unknown }).data]);
  assert.deepEqual(seen(await collect(withBookmarks)), [
    ['ADDED', 'PartialObjectMetadata', undefined],
    ['BOOKMARK', 'PartialObjectMetadata', undefined],
  ]);
  assert.deepEqual(seen(await collect(without)), [['ADDED', 'PartialObjectMetadata', undefined]]);
});

test('a dry-run apply or delete stores nothing', async () => {
  const server = fakeApiServer({ kinds: [ConfigMap] });
  const configMaps = server.client({ namespace: 'ns' }).resource(ConfigMap);
  const applied = await configMaps.apply(cm('x'), { fieldManager: 'op', dryRun: true });
  assert.equal(applied.data?.['a'], '1');
  assert.equal(server.object(ConfigMap, 'x', 'ns'), undefined);
  await configMaps.create(cm('y'));
  const version = server.resourceVersion;
  await configMaps.delete('y', { dryRun: true });
  assert.ok(server.object(ConfigMap, 'y', 'ns'));
  assert.equal(server.resourceVersion, version);
});
