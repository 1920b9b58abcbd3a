import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { differingFields, ownedFields } from './owned-fields.ts';

const desired = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'hello',
    namespace: 'demo',
    labels: { 'app.kubernetes.io/managed-by': 'op' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u' }],
  },
  data: { message: 'Hello' },
};

test('owned fields leave out identity: name, namespace, ownerReferences', () => {
  assert.deepEqual(ownedFields(desired), { metadata: { labels: { 'app.kubernetes.io/managed-by': 'op' } }, data: { message: 'Hello' } });
});

test("a user's extra keys never count as drift; a changed owned value does", () => {
  const owned = ownedFields(desired);
  const current = {
    metadata: { labels: { 'app.kubernetes.io/managed-by': 'op', team: 'a' }, resourceVersion: '5' },
    data: { message: 'Hello', extra: 'mine' },
  };
  assert.deepEqual(differingFields(owned, current), []);
  assert.deepEqual(differingFields(owned, { ...current, data: { message: 'edited', extra: 'mine' } }), ['data.message']);
  assert.deepEqual(differingFields(owned, { metadata: {}, data: {} }), ['metadata.labels.app.kubernetes.io/managed-by', 'data.message']);
  assert.deepEqual(differingFields(owned, undefined), ['metadata.labels.app.kubernetes.io/managed-by', 'data.message']);
});

test('property: an object that carries every owned field, plus anything else, never differs', () => {
  const value = fc.oneof(fc.string(), fc.integer(), fc.boolean());
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), value), fc.dictionary(fc.string({ minLength: 1 }), value), (ours, extra) => {
      const current = { data: { ...extra, ...ours } };
      return differingFields({ data: ours }, current).length === 0;
    }),
  );
});
