import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiVersionOf, resourcePath, type ResourceDescriptor } from './resource.ts';

const ConfigMap: ResourceDescriptor = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const Lease: ResourceDescriptor = { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true };
const Namespace: ResourceDescriptor = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };

test('apiVersion is the bare version for the core group and group/version otherwise', () => {
  assert.equal(apiVersionOf(ConfigMap), 'v1');
  assert.equal(apiVersionOf(Lease), 'coordination.k8s.io/v1');
});

test('paths: collections, objects, subresources, all namespaces, cluster scope', () => {
  assert.equal(resourcePath(ConfigMap, { namespace: 'demo' }), '/api/v1/namespaces/demo/configmaps');
  assert.equal(resourcePath(ConfigMap), '/api/v1/configmaps');
  assert.equal(resourcePath(Lease, { namespace: 'ops', name: 'lock' }), '/apis/coordination.k8s.io/v1/namespaces/ops/leases/lock');
  assert.equal(
    resourcePath(Lease, { namespace: 'ops', name: 'lock', subresource: 'status' }),
    '/apis/coordination.k8s.io/v1/namespaces/ops/leases/lock/status',
  );
  assert.equal(resourcePath(Namespace, { namespace: 'ignored', name: 'demo' }), '/api/v1/namespaces/demo');
});

test('a name that is not URL-safe is encoded, and a subresource without a name is refused', () => {
  assert.equal(resourcePath(ConfigMap, { namespace: 'a', name: 'x/y' }), '/api/v1/namespaces/a/configmaps/x%2Fy');
  assert.throws(() => resourcePath(ConfigMap, { subresource: 'status' }), /needs an object name/);
});
