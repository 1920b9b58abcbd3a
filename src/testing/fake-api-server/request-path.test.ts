import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineKind, resourcePath } from '../../core/index.ts';
import { ServedKinds } from './request-path.ts';

const ConfigMap = defineKind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });
const Namespace = defineKind({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false });
const Widget = defineKind({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
const served = new ServedKinds([ConfigMap, Namespace, Widget]);

test('every path resourcePath builds resolves to its kind, namespace, name and subresource', () => {
  for (const kind of [ConfigMap, Namespace, Widget]) {
    for (const options of [
      {},
      { namespace: 'n s' },
      { namespace: 'ns', name: 'a/b' },
      { namespace: 'ns', name: 'x', subresource: 'status' },
    ]) {
      const target = served.resolve(resourcePath(kind, options));
      assert.equal(target?.kind, kind);
      assert.equal(target.namespace, kind.namespaced ? options.namespace : undefined);
      assert.equal(target.name, 'name' in options ? options.name : undefined);
      assert.equal(target.subresource, 'subresource' in options ? options.subresource : undefined);
    }
  }
});

test('a resource nobody serves, or an object of a namespaced kind without its namespace, resolves to nothing', () => {
  assert.equal(served.resolve('/apis/other.example.com/v1/widgets'), undefined);
  assert.equal(served.resolve('/api/v1/configmaps/x'), undefined);
  assert.equal(served.resolve('/version'), undefined);
});
