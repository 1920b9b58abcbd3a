// Typed requests on the shared cluster: CRUD, patches, server-side apply, dry run, status, pagination,
// metadata-only reads, custom and built-in kinds, and request metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import {
  ApiError,
  ClientError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  isRefusal,
  isRetryable,
  KubeClient,
  prometheusRequestMetrics,
  UnknownResourceError,
} from '../../src/client/index.ts';
import { defineKind, type KubeObject } from '../../src/core/index.ts';
import { ConfigMap, Namespace } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

// At top level, so that the shared cluster's own after() hook runs when this file ends.
const cluster: Cluster = await sharedCluster();
let client: KubeClient;
const registry = new Registry();
const ns = uniqueName('client');

before(async () => {
  client = await KubeClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfigPath, metrics: prometheusRequestMetrics(registry) });
  await client.resource(Namespace).create({ metadata: { name: ns } });
});
after(async () => {
  await client?.resource(Namespace).delete(ns);
  await client?.close();
});

/** An ApiError with that HTTP status and Status reason, classified by the predicates as documented. */
const answered = (httpStatus: number, reason: string) => (err: unknown) => {
  if (!(err instanceof ApiError && err.httpStatus === httpStatus && err.reason === reason)) return false;
  const holding = { isNotFound, isConflict, isAlreadyExists, isRefusal, isRetryable };
  const expected = {
    NotFound: 'isNotFound',
    Conflict: 'isConflict',
    AlreadyExists: 'isAlreadyExists',
    Invalid: 'isRefusal',
    Forbidden: 'isRefusal',
  }[reason];
  assert.deepEqual(
    Object.entries(holding)
      .filter(([, holds]) => holds(err))
      .map(([name]) => name),
    expected ? [expected] : [],
    `${httpStatus} ${reason}`,
  );
  return true;
};

test('create, get, update, merge patch, JSON patch and delete a ConfigMap, with conflicts detected', async () => {
  const configMaps = client.resource(ConfigMap);
  const created = await configMaps.create({ metadata: { name: 'crud', namespace: ns }, data: { a: '1' } });
  assert.equal(created.kind, 'ConfigMap', 'apiVersion and kind are filled in from the descriptor');
  const fetched = await configMaps.get('crud', { namespace: ns });
  assert.deepEqual(fetched.data, { a: '1' });
  const updated = await configMaps.update({ ...fetched, data: { a: '2' } });
  assert.notEqual(updated.metadata.resourceVersion, fetched.metadata.resourceVersion);
  await assert.rejects(
    configMaps.update({ ...fetched, data: { a: 'stale' } }),
    (err: unknown) => answered(409, 'Conflict')(err) && /read it again and retry/.test((err as Error).message),
  );
  await assert.rejects(configMaps.create({ metadata: { name: 'crud', namespace: ns } }), answered(409, 'AlreadyExists'));
  const merged = await configMaps.mergePatch('crud', { data: { b: '3', a: null } }, { namespace: ns });
  assert.deepEqual(merged.data, { b: '3' });
  const patched = await configMaps.jsonPatch('crud', [{ op: 'add', path: '/data/c', value: '4' }], { namespace: ns });
  assert.deepEqual(patched.data, { b: '3', c: '4' });
  await assert.rejects(
    configMaps.jsonPatch(
      'crud',
      [
        { op: 'test', path: '/data/b', value: 'not-3' },
        { op: 'remove', path: '/data/b' },
      ],
      { namespace: ns },
    ),
    answered(422, 'Invalid'),
  );
  await configMaps.delete('crud', { namespace: ns, preconditions: { uid: created.metadata.uid } });
  await assert.rejects(
    configMaps.get('crud', { namespace: ns }),
    (err: unknown) => answered(404, 'NotFound')(err) && !(err instanceof UnknownResourceError),
  );
});

test('server-side apply owns fields per manager; taking them over needs an explicit force', async () => {
  const configMaps = client.resource(ConfigMap);
  const desired: ConfigMap = { metadata: { name: 'applied', namespace: ns }, data: { owner: 'first' } };
  const first = await configMaps.apply(desired, { fieldManager: 'first' });
  assert.ok(first.metadata.managedFields?.some((f) => f.manager === 'first' && f.operation === 'Apply'));
  await assert.rejects(
    configMaps.apply({ ...desired, data: { owner: 'second' } }, { fieldManager: 'second' }),
    (err: unknown) => answered(409, 'Conflict')(err) && /force: true/.test((err as Error).message),
  );
  const forced = await configMaps.apply({ ...desired, data: { owner: 'second' } }, { fieldManager: 'second', force: true });
  assert.equal(forced.data?.['owner'], 'second');
  // Applying the same thing again changes nothing.
  const again = await configMaps.apply({ ...desired, data: { owner: 'second' } }, { fieldManager: 'second' });
  assert.equal(again.metadata.resourceVersion, forced.metadata.resourceVersion);
});

test('dry run validates without persisting', async () => {
  const configMaps = client.resource(ConfigMap);
  const dry = await configMaps.create({ metadata: { name: 'dry', namespace: ns }, data: { x: '1' } }, { dryRun: true });
  assert.equal(dry.metadata.name, 'dry');
  await assert.rejects(configMaps.get('dry', { namespace: ns }), answered(404, 'NotFound'));
  await assert.rejects(configMaps.create({ metadata: { name: 'Not_Valid', namespace: ns } }, { dryRun: true }), answered(422, 'Invalid'));
});

test('list pages through continue tokens; listAll gathers every page; selectors filter on the server', async () => {
  const configMaps = client.resource(ConfigMap);
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      configMaps.create({
        metadata: { name: `page-${i}`, namespace: ns, labels: { parity: i % 2 ? 'odd' : 'even', paged: 'yes' } },
      }),
    ),
  );
  const first = await configMaps.list({ namespace: ns, labelSelector: 'paged=yes', limit: 3 });
  assert.equal(first.items.length, 3);
  assert.ok(first.metadata.continue, 'a continue token for the rest');
  const all = await configMaps.listAll({ namespace: ns, labelSelector: { matchLabels: { paged: 'yes' } }, pageSize: 3 });
  assert.deepEqual(
    all.items.map((c) => c.metadata.name).sort(),
    Array.from({ length: 7 }, (_, i) => `page-${i}`),
  );
  const odd = await configMaps.listAll({
    namespace: ns,
    labelSelector: { matchExpressions: [{ key: 'parity', operator: 'In', values: ['odd'] }] },
  });
  assert.deepEqual(odd.items.map((c) => c.metadata.name).sort(), ['page-1', 'page-3', 'page-5']);
  const byName = await configMaps.list({ namespace: ns, fieldSelector: 'metadata.name=page-4' });
  assert.deepEqual(
    byName.items.map((c) => c.metadata.name),
    ['page-4'],
  );
});

test('metadata-only reads return PartialObjectMetadata, with no data', async () => {
  const configMaps = client.resource(ConfigMap);
  await configMaps.create({ metadata: { name: 'meta', namespace: ns, labels: { m: '1' } }, data: { secret: 'payload' } });
  const metadata = client.metadata(ConfigMap);
  const one = await metadata.get('meta', { namespace: ns });
  assert.equal(one.kind, 'PartialObjectMetadata');
  assert.equal(one.apiVersion, 'meta.k8s.io/v1');
  assert.equal(one.metadata.labels?.['m'], '1');
  assert.ok(!('data' in one), 'no data field');
  const list = await metadata.list({ namespace: ns, labelSelector: 'm=1' });
  assert.equal(list.kind, 'PartialObjectMetadataList');
  assert.deepEqual(
    list.items.map((i) => [i.kind, i.metadata.name, 'data' in i]),
    [['PartialObjectMetadata', 'meta', false]],
  );
  // The server sends `items: null` for an empty PartialObjectMetadataList; the client hands out [].
  assert.deepEqual((await metadata.list({ namespace: ns, labelSelector: 'm=none' })).items, []);
});

interface Gadget extends KubeObject {
  spec?: { size?: number };
  status?: { phase?: string };
}

test('a custom resource: create, status subresource, and an unknown kind as a typed error', async () => {
  const group = `${ns}.capstan.test`;
  await cluster.admin.request({
    method: 'POST',
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    body: {
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    },
  });
  try {
    const Gadget = defineKind<Gadget>({ group, version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true });
    const gadgets = client.resource(Gadget);
    await eventually('the Gadget kind to be served', async () => (await gadgets.list({ namespace: ns })).items, { timeoutMs: 30_000 });
    const created = await gadgets.create({ metadata: { name: 'g', namespace: ns }, spec: { size: 1 }, status: { phase: 'ignored' } });
    assert.equal(created.status, undefined, 'status is not written through the main resource');
    const withStatus = await gadgets.updateStatus({ ...created, spec: { size: 99 }, status: { phase: 'Ready' } });
    assert.equal(withStatus.status?.phase, 'Ready');
    assert.equal(withStatus.spec?.size, 1, 'spec is not written through the status subresource');
    const patched = await gadgets.mergePatch('g', { status: { phase: 'Done' } }, { namespace: ns, status: true });
    assert.equal(patched.status?.phase, 'Done');
    const status = { metadata: { name: 'g', namespace: ns }, status: { phase: 'Applied' } };
    await assert.rejects(
      gadgets.apply(status, { fieldManager: 'status-writer', status: true }),
      answered(409, 'Conflict'),
      'the earlier writes own status.phase',
    );
    const applied = await gadgets.apply(status, { fieldManager: 'status-writer', status: true, force: true });
    assert.equal(applied.status?.phase, 'Applied');
  } finally {
    await cluster.admin.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.${group}` });
  }
  const Unknown = defineKind({ group: 'nowhere.capstan.test', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
  await assert.rejects(
    client.resource(Unknown).list({ namespace: ns }),
    (err: unknown) =>
      err instanceof UnknownResourceError &&
      err.httpStatus === 404 &&
      isNotFound(err) &&
      /does not serve "widgets" in nowhere.capstan.test\/v1: install its CRD/.test(err.message),
  );
});

test('a namespaced call without a namespace is refused before any request', async () => {
  await assert.rejects(
    client.resource(ConfigMap).get('x'),
    (err: unknown) =>
      err instanceof ClientError && err.code === 'INVALID_ARGUMENT' && /ConfigMap is namespaced; give a namespace/.test(err.message),
  );
  // A cluster-scoped kind needs none.
  assert.equal((await client.resource(Namespace).get(ns)).metadata.name, ns);
});

test('403: a typed error that says which right is missing', async () => {
  const sa = await cluster.serviceAccountKubeconfig({ namespace: ns, name: 'nobody' });
  const nobody = await KubeClient.fromKubeconfig({ kubeconfigPath: sa.kubeconfigPath, metrics: prometheusRequestMetrics(new Registry()) });
  try {
    await assert.rejects(
      nobody.resource(ConfigMap).list({ namespace: ns }),
      (err: unknown) =>
        answered(403, 'Forbidden')(err) &&
        /cannot list resource "configmaps"/.test((err as Error).message) &&
        /grant the missing verb/.test((err as Error).message),
    );
  } finally {
    await nobody.close();
  }
});

test('request metrics count by code and method, and time each verb', async () => {
  const value = async (code: string, method: string) => {
    const metric = (await registry.getSingleMetric('rest_client_requests_total')?.get())?.values ?? [];
    return metric.find((v) => v.labels['code'] === code && v.labels['method'] === method)?.value ?? 0;
  };
  const before404 = await value('404', 'GET');
  const before200 = await value('200', 'GET');
  await assert.rejects(client.resource(ConfigMap).get('absent', { namespace: ns }));
  await client.resource(Namespace).get(ns);
  assert.equal(await value('404', 'GET'), before404 + 1);
  assert.equal(await value('200', 'GET'), before200 + 1);
  const text = await registry.metrics();
  assert.match(text, /rest_client_request_duration_seconds_count\{verb="GET"\} \d+/);
});
