// Several versions of one kind with one schema: a single CRD whose versions are all served, one stored.
// Objects written through either version read back through the other unchanged, which is why Capstan
// allows several versions only when their schemas are identical (no conversion webhook is needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type from 'typebox';
import { crdFor, customResource } from '../../src/crd/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { installCrd, uniqueGroup } from './support.ts';

const cluster = await sharedCluster();

test('two versions with one schema are both served, and objects read the same through either', async () => {
  const group = uniqueGroup('versions');
  const spec = Type.Object({
    size: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
    color: Type.Optional(Type.String({ maxLength: 10 })),
  });
  const v1 = customResource({ group, version: 'v1', kind: 'Widget', spec });
  const v1beta1 = customResource({
    group,
    version: 'v1beta1',
    kind: 'Widget',
    spec,
    storage: false,
    deprecated: true,
    deprecationWarning: 'use v1',
  });
  const ns = uniqueName('crd-versions');
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const uninstall = await installCrd(cluster, crdFor([v1, v1beta1]));
  try {
    await cluster.admin.request({
      method: 'POST',
      path: `/apis/${group}/v1beta1/namespaces/${ns}/widgets`,
      body: { apiVersion: v1beta1.apiVersion, kind: 'Widget', metadata: { name: 'old' }, spec: { color: 'red' } },
    });
    const read = await cluster.admin.request<{ apiVersion: string; spec: unknown }>({
      path: `/apis/${group}/v1/namespaces/${ns}/widgets/old`,
    });
    assert.equal(read.apiVersion, v1.apiVersion);
    assert.deepEqual(read.spec, { color: 'red', size: 2 });
    const crd = await cluster.admin.request<{ status: { storedVersions: string[] } }>({
      path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`,
    });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
  } finally {
    await uninstall();
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});
