import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJsonPatch, JsonPatchFailure } from './json-patch.ts';

test('JSON patch operations apply in order, with escaped pointers and array positions', () => {
  const result = applyJsonPatch({ metadata: { labels: { 'a/b': '1' } }, list: [1, 2] }, [
    { op: 'test', path: '/metadata/labels/a~1b', value: '1' },
    { op: 'replace', path: '/metadata/labels/a~1b', value: '2' },
    { op: 'add', path: '/list/-', value: 3 },
    { op: 'add', path: '/list/0', value: 0 },
    { op: 'remove', path: '/list/1' },
    { op: 'copy', from: '/list', path: '/copy' },
    { op: 'move', from: '/copy', path: '/moved' },
  ]);
  assert.deepEqual(result, { metadata: { labels: { 'a/b': '2' } }, list: [0, 2, 3], moved: [0, 2, 3] });
});

test('a failed test or a missing path fails the whole patch and changes nothing', () => {
  const document = { a: 1 };
  assert.throws(
    () =>
      applyJsonPatch(document, [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'test', path: '/a', value: 1 },
      ]),
    (err: unknown) => err instanceof JsonPatchFailure && err.failure === 'TEST_FAILED',
  );
  assert.throws(
    () => applyJsonPatch(document, [{ op: 'remove', path: '/b' }]),
    (err: unknown) => err instanceof JsonPatchFailure && err.failure === 'INVALID_PATH',
  );
  assert.deepEqual(document, { a: 1 });
});
