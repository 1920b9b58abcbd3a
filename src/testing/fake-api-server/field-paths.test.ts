import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePath, FieldSet, fieldPathsOf, removeAt, valueAt } from './field-paths.ts';

test('the fields of an object: leaves, keyed list elements with their fields, set members, atomic lists whole', () => {
  const paths = fieldPathsOf({
    data: { a: '1' },
    metadata: { finalizers: ['example.com/x'], labels: {} },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
    spec: { args: ['a', 'b'] },
  });
  assert.deepEqual(paths, [
    ['f:data', 'f:a'],
    ['f:metadata', 'f:finalizers', 'v:"example.com/x"'],
    ['f:metadata', 'f:labels'],
    ['f:status', 'f:conditions', 'k:{"type":"Ready"}'],
    ['f:status', 'f:conditions', 'k:{"type":"Ready"}', 'f:type'],
    ['f:status', 'f:conditions', 'k:{"type":"Ready"}', 'f:status'],
    ['f:spec', 'f:args'],
  ]);
});

test('a field set round-trips through fieldsV1, with `.` on list elements', () => {
  const set = new FieldSet(fieldPathsOf({ status: { conditions: [{ type: 'Ready', status: 'True' }] }, data: { a: '1' } }));
  const tree = set.toTree();
  assert.deepEqual(tree, {
    'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:type': {}, 'f:status': {} } } },
    'f:data': { 'f:a': {} },
  });
  assert.deepEqual([...FieldSet.fromTree(tree)].map((p) => p.join('/')).sort(), [...set].map((p) => p.join('/')).sort());
});

test('values are found and removed by path, list elements by key', () => {
  const object = { status: { conditions: [{ type: 'A' }, { type: 'B', status: 'True' }] }, metadata: { finalizers: ['x', 'y'] } };
  assert.deepEqual(valueAt(object, ['f:status', 'f:conditions', 'k:{"type":"B"}', 'f:status']), { found: true, value: 'True' });
  assert.deepEqual(valueAt(object, ['f:status', 'f:conditions', 'k:{"type":"C"}']), { found: false });
  removeAt(object, ['f:status', 'f:conditions', 'k:{"type":"A"}']);
  removeAt(object, ['f:metadata', 'f:finalizers', 'v:"y"']);
  assert.deepEqual(object, { status: { conditions: [{ type: 'B', status: 'True' }] }, metadata: { finalizers: ['x'] } });
});

test('paths are described as the API server names them in conflicts', () => {
  assert.equal(describePath(['f:data', 'f:message']), '.data.message');
  assert.equal(describePath(['f:status', 'f:conditions', 'k:{"type":"Ready"}', 'f:status']), '.status.conditions[type="Ready"].status');
});
