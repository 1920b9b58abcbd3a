// A cache of 1,000 ConfigMaps on the shared cluster: it syncs in one request (a streaming list) and matches the
// server after create, update and delete churn; scoping by namespace, label and field selector; index lookups;
// metadata-only mode.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import { type KubeObject, objectKey } from '../../src/core/index.ts';
import { ConfigMap, Namespace } from '../../src/kinds/core/v1.ts';
import type { Cluster } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { inBatches, runInformer, settlesTo, type RunningInformer } from './support.ts';

const total = 1_000;
const colors = ['red', 'green', 'blue'] as const;
const suite = uniqueName('cache');
const nsA = `${suite}-a`;
const nsB = `${suite}-b`;
let client: KubeClient;
const running: Array<RunningInformer<KubeObject>> = [];

after(async () => {
  for (const r of running) await r.stop();
  await Promise.all(
    [nsA, nsB].map((ns) =>
      client
        .resource(Namespace)
        .delete(ns)
        .catch(() => undefined),
    ),
  );
  await client?.close();
});
const cluster: Cluster = await sharedCluster();

const colorOf = (i: number) => colors[i % colors.length]!;
const configMap = (ns: string, i: number): ConfigMap => ({
  metadata: { name: `cm-${i}`, namespace: ns, labels: { suite, color: colorOf(i) } },
  data: { i: String(i), payload: 'x'.repeat(64) },
});
const configMaps = () => client.resource(ConfigMap);
const serverList = (ns: string | undefined, labelSelector?: string) => configMaps().listAll({ namespace: ns, labelSelector });

before(async () => {
  client = await KubeClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfigPath, metrics: prometheusRequestMetrics(new Registry()) });
  for (const ns of [nsA, nsB]) await client.resource(Namespace).create({ metadata: { name: ns } });
  const started = Date.now();
  await inBatches(total, 16, (i) => configMaps().create(configMap(nsA, i)));
  await inBatches(30, 16, (i) => configMaps().create(configMap(nsB, i)));
  process.stdout.write(`# created ${total + 30} ConfigMaps in ${Date.now() - started} ms\n`);
});

test('a cache of 1,000 ConfigMaps syncs in one streaming list request and matches the server after create, update and delete churn', {
  timeout: 180_000,
}, async () => {
  const cache = runInformer(
    running,
    new Informer(client.resource(ConfigMap), {
      namespace: nsA,
      indexers: { color: (cm) => (cm.metadata.labels?.['color'] ? [cm.metadata.labels['color']] : []) },
    }),
  );
  await cache.informer.waitForSync({ timeoutMs: 60_000 });
  assert.equal(cache.informer.size, total);
  assert.equal(cache.informer.stats.counts.requests, 1, `one request, a streaming list; ${cache.informer.stats.formatTimeline()}`);
  assert.equal(cache.informer.stats.notesOf('watchRequested')[0]?.sendInitialEvents, true);
  assert.ok(
    cache.informer.list().every((cm) => cm.metadata.managedFields === undefined),
    'managedFields stripped by default',
  );
  await settlesTo(cache, () => serverList(nsA), 'after the initial list');

  // Churn while the watch runs: update 300 (100 change colour), delete 200, create 200.
  const churnStarted = Date.now();
  await Promise.all([
    inBatches(300, 8, async (i) => {
      const cm = configMap(nsA, i);
      if (i < 100) cm.metadata.labels = { suite, color: colorOf(i + 1) };
      cm.data = { i: String(i), updated: 'yes' };
      await configMaps().update(cm);
    }),
    inBatches(200, 8, (i) => configMaps().delete(`cm-${300 + i}`, { namespace: nsA })),
    inBatches(200, 8, (i) => configMaps().create(configMap(nsA, total + i))),
  ]);
  process.stdout.write(`# churn of 700 writes took ${Date.now() - churnStarted} ms\n`);
  const server = await settlesTo(cache, () => serverList(nsA), 'after churn');
  assert.equal(server.items.length, total);
  assert.equal(cache.informer.get(`${nsA}/cm-5`)?.data?.['updated'], 'yes');
  assert.equal(cache.informer.get(`${nsA}/cm-305`), undefined);
  for (const color of colors) {
    const expected = server.items
      .filter((cm) => cm.metadata.labels?.['color'] === color)
      .map(objectKey)
      .sort();
    assert.deepEqual(cache.informer.byIndex('color', color).map(objectKey).sort(), expected, `index color=${color}`);
  }
  assert.equal(cache.informer.stats.counts.relists, 0);
  assert.equal(cache.informer.stats.counts.errors, 0, cache.informer.stats.formatTimeline());
});

test('scoping: a namespace cache sees only its namespace; a label-selector cache follows objects in and out of the selector', {
  timeout: 120_000,
}, async () => {
  const onlyB = runInformer(running, new Informer(client.resource(ConfigMap), { namespace: nsB }));
  const red = runInformer(running, new Informer(client.resource(ConfigMap), { labelSelector: { matchLabels: { suite, color: 'red' } } }));
  const byName = runInformer(running, new Informer(client.resource(ConfigMap), { namespace: nsB, fieldSelector: 'metadata.name=cm-7' }));
  await Promise.all([onlyB, red, byName].map((r) => r.informer.waitForSync({ timeoutMs: 60_000 })));
  assert.deepEqual(
    onlyB.informer
      .list()
      .map((cm) => cm.metadata.namespace)
      .filter((ns) => ns !== nsB),
    [],
  );
  await settlesTo(onlyB, () => serverList(nsB), 'namespace scope');
  await settlesTo(red, () => serverList(undefined, `suite=${suite},color=red`), 'label scope, both namespaces');
  assert.ok(
    red.informer.list().some((cm) => cm.metadata.namespace === nsB),
    'cluster-wide: sees namespace B too',
  );
  assert.deepEqual(byName.informer.keys(), [`${nsB}/cm-7`]);

  // cm-0 of B is red; recolour it: it must leave the red cache. cm-1 (green) turns red: it must enter.
  await configMaps().mergePatch('cm-0', { metadata: { labels: { color: 'blue' } } }, { namespace: nsB });
  await configMaps().mergePatch('cm-1', { metadata: { labels: { color: 'red' } } }, { namespace: nsB });
  await settlesTo(red, () => serverList(undefined, `suite=${suite},color=red`), 'after relabelling');
  assert.equal(red.informer.get(`${nsB}/cm-0`), undefined);
  assert.ok(red.informer.get(`${nsB}/cm-1`));
  await configMaps().delete('cm-7', { namespace: nsB });
  await settlesTo(byName, () => configMaps().listAll({ namespace: nsB, fieldSelector: 'metadata.name=cm-7' }), 'field scope after delete');
});

test('metadata-only mode: the server sends PartialObjectMetadata, checked by content', { timeout: 120_000 }, async () => {
  const metadata = runInformer(running, new Informer(client.metadata(ConfigMap), { namespace: nsA }));
  await metadata.informer.waitForSync({ timeoutMs: 60_000 });
  const server = await settlesTo(metadata, () => serverList(nsA), 'metadata-only cache');
  assert.ok(
    server.items.every((cm) => cm.data?.['i'] !== undefined),
    'the full objects do have data',
  );
  const cached = metadata.informer.list();
  assert.equal(cached.length, server.items.length);
  for (const object of cached) {
    assert.equal(object.kind, 'PartialObjectMetadata');
    assert.equal(object.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(Object.keys(object).sort(), ['apiVersion', 'kind', 'metadata'], `${objectKey(object)} carries nothing but metadata`);
    assert.equal(object.metadata.labels?.['suite'], suite);
  }
  // Watch events are partial too.
  await configMaps().create({ metadata: { name: 'late', namespace: nsA }, data: { secret: 'not for the metadata cache' } });
  await settlesTo(metadata, () => serverList(nsA), 'after a create');
  const late = metadata.informer.get(`${nsA}/late`)!;
  assert.equal(late.kind, 'PartialObjectMetadata');
  assert.ok(!JSON.stringify(late).includes('not for the metadata cache'));
});
