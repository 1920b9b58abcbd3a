import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../core/index.ts';
import { applyConfiguration, recordUpdate } from './managed-fields.ts';

const time = '2026-01-01T00:00:00Z';
const options = (manager: string, force = false) => ({ manager, scope: 'main' as const, apiVersion: 'v1', time, force });

function configMap(data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data } as KubeObject;
}

function applied(live: KubeObject, config: KubeObject, manager: string, force = false): KubeObject {
  const result = applyConfiguration(live, config, options(manager, force));
  assert.ok(result.ok, 'no conflict expected');
  return result.object;
}

test('an apply sets what it names and removes what it applied before and no longer names', () => {
  const first = applied(configMap({}), configMap({ a: '1', b: '2' }), 'op');
  assert.deepEqual(first.metadata.managedFields, [
    { manager: 'op', operation: 'Apply', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } },
  ]);
  const second = applied(first, configMap({ a: '1' }), 'op');
  assert.deepEqual((second as KubeObject & { data: unknown }).data, { a: '1' });
});

test('a field another manager owns with another value conflicts unless forced; an equal value is shared', () => {
  const first = applied(configMap({}), configMap({ a: '1' }), 'one');
  const shared = applied(first, configMap({ a: '1' }), 'two');
  assert.deepEqual(
    shared.metadata.managedFields?.map((e) => e.manager),
    ['one', 'two'],
  );
  const refused = applyConfiguration(shared, configMap({ a: '2' }), options('three'));
  assert.equal(refused.ok, false);
  if (!refused.ok)
    assert.deepEqual(
      refused.conflicts.map((c) => [c.manager, c.path.join('/')]),
      [
        ['one', 'f:data/f:a'],
        ['two', 'f:data/f:a'],
      ],
    );
  const forced = applied(shared, configMap({ a: '2' }), 'three', true);
  assert.deepEqual(
    forced.metadata.managedFields?.map((e) => e.manager),
    ['three'],
  );
});

test('a field the manager stops applying stays while another manager owns it too', () => {
  const first = applied(configMap({}), configMap({ a: '1' }), 'one');
  const shared = applied(first, configMap({ a: '1' }), 'two');
  const dropped = applied(shared, configMap({}), 'one');
  assert.deepEqual((dropped as KubeObject & { data: unknown }).data, { a: '1' });
});

test('an update takes over the fields it changes from every other manager', () => {
  const first = applied(configMap({}), configMap({ a: '1', b: '1' }), 'op');
  const after = { ...first, data: { a: '1', b: '2', c: '3' } } as KubeObject;
  const entries = recordUpdate(first, after, { manager: 'user', scope: 'main', apiVersion: 'v1', time });
  assert.deepEqual(
    entries.map((e) => [e.manager, e.operation, e.fieldsV1]),
    [
      ['op', 'Apply', { 'f:data': { 'f:a': {} } }],
      ['user', 'Update', { 'f:data': { 'f:b': {}, 'f:c': {} } }],
    ],
  );
});
