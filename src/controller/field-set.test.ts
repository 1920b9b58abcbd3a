import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject, ManagedFieldsEntry } from '../core/index.ts';
import { applyDiff, upgradedManagedFields } from './field-set.ts';

const manager = 'op';
const ownerRef = { apiVersion: 'example.com/v1', kind: 'App', name: 'a', uid: 'u1', controller: true, blockOwnerDeletion: true };

// The managedFields the API server writes for `desired` below, applied by `op` (shape as kube-apiserver 1.36 gives it).
const applied: ManagedFieldsEntry = {
  manager,
  operation: 'Apply',
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': {
      'f:labels': { '.': {}, 'f:app': {} },
      'f:ownerReferences': {
        'k:{"uid":"u1"}': {},
      },
    },
    'f:spec': {
      'f:replicas': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:args': {},
              'f:env': { 'k:{"name":"MODE"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
          'f:volumes': { 'k:{"name":"tmp"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} } },
        },
      },
    },
  },
};
const userLabel: ManagedFieldsEntry = {
  manager: 'kubectl-edit',
  operation: 'Update',
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
};

function desired(container: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'a', namespace: 'ns', labels: { app: 'a' }, ownerReferences: [ownerRef] },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              args: ['-v'],
              env: [{ name: 'MODE', value: 'demo' }],
              ports: [{ containerPort: 8080 }],
              ...container,
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  } as KubeObject;
}

function current(fields: ManagedFieldsEntry[] = [applied, userLabel], container: Record<string, unknown> = {}): KubeObject {
  const d = desired(container) as KubeObject & { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
  const c = d.spec.template.spec.containers[0]!;
  // The server's view: defaults filled in, another writer's label.
  d.spec.template.spec.containers[0] = { ...c, ports: [{ containerPort: 8080, protocol: 'TCP' }], imagePullPolicy: 'Always' };
  return {
    ...d,
    metadata: { ...d.metadata, uid: 'x', resourceVersion: '7', labels: { app: 'a', team: 'theirs' }, managedFields: fields },
  };
}

test('an apply that matches the managed fields and values is a no-op, with defaulted key fields and others’ fields around', () => {
  assert.deepEqual(applyDiff(desired(), current(), manager), { noop: true, changed: [], removed: [] });
});

test('a changed value is a change, named by its path', () => {
  const diff = applyDiff(desired({ image: 'nginx:2' }), current(), manager);
  assert.equal(diff.noop, false);
  assert.deepEqual(diff.changed, ['spec.template.spec.containers[{"name":"web"}].image']);
});

test('a field no longer applied is a removal', () => {
  const diff = applyDiff(desired({ args: undefined, env: [] }), current(), manager);
  assert.equal(diff.noop, false);
  assert.ok(diff.removed.includes('spec.template.spec.containers[{"name":"web"}].args'), JSON.stringify(diff));
});

test('a new element of a keyed list, unknown to every manager, is sent', () => {
  const diff = applyDiff(
    desired({
      env: [
        { name: 'MODE', value: 'demo' },
        { name: 'NEW', value: '1' },
      ],
    }),
    current(),
    manager,
  );
  assert.equal(diff.noop, false);
});

test('without an Apply entry of the manager, the apply is sent', () => {
  assert.equal(applyDiff(desired(), current([userLabel]), manager).noop, false);
});

test('a value another writer changed is taken back', () => {
  const object = current();
  (object as unknown as { spec: { replicas: number } }).spec.replicas = 5;
  assert.deepEqual(applyDiff(desired(), object, manager).changed, ['spec.replicas']);
});

test('fields written by update are folded into the apply entry (csaupgrade)', () => {
  const update: ManagedFieldsEntry = {
    manager,
    operation: 'Update',
    apiVersion: 'v1',
    time: '2026-01-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': { '.': {}, 'f:message': {}, 'f:extra': {} } },
  };
  const other: ManagedFieldsEntry = { ...update, manager: 'kubectl', fieldsV1: { 'f:data': { 'f:user': {} } } };
  const status: ManagedFieldsEntry = { ...update, subresource: 'status' };
  const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [update, other, status] } };
  const upgraded = upgradedManagedFields(object, manager, 'v1', new Date('2026-12-04T10:00:00.123Z'));
  assert.deepEqual(upgraded, [
    other,
    status,
    {
      manager,
      operation: 'Apply',
      apiVersion: 'v1',
      time: '2026-12-04T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:message': {}, 'f:extra': {} } },
    },
  ]);
  assert.equal(upgradedManagedFields({ ...object, metadata: { name: 'c', managedFields: [other] } }, manager, 'v1', new Date()), undefined);
});

test('map keys that are also Object.prototype names are fields like any other', () => {
  const cm = (data: Record<string, string>, fieldsV1: Record<string, unknown>): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', managedFields: [{ manager, operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1 }] },
      data,
    }) as KubeObject;
  const fields = { 'f:data': { '.': {}, 'f:toString': {}, 'f:constructor': {} } };
  const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { toString: 'a', constructor: 'b' } } as KubeObject;
  assert.deepEqual(applyDiff(desired, cm({ toString: 'a', constructor: 'b' }, fields), manager), { noop: true, changed: [], removed: [] });
  assert.deepEqual(applyDiff(desired, cm({}, {}), manager).noop, false);
});
