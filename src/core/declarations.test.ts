import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declareController, DeclarationError } from './declarations.ts';
import type { ResourceDescriptor } from './resource.ts';

const HelloWorld: ResourceDescriptor = {
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  plural: 'helloworlds',
  namespaced: true,
};
const ConfigMap: ResourceDescriptor = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const Secret: ResourceDescriptor = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };

test('defaults: status and events written, no finalizers, owned kinds written with every verb', () => {
  const d = declareController({ name: 'hw', for: HelloWorld, owns: [ConfigMap] });
  assert.deepEqual(d.writes, { status: true, events: true, finalizers: false });
  assert.deepEqual(d.owns, [{ resource: ConfigMap, writes: ['create', 'update', 'patch', 'delete'] }]);
  assert.deepEqual(d.watches, []);
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.owns) && Object.isFrozen(d.owns[0]));
});

test('explicit writes, selectors and watches are kept as declared', () => {
  const d = declareController({
    name: 'hw',
    for: HelloWorld,
    owns: [{ resource: ConfigMap, writes: ['create', 'patch', 'patch'], labelSelector: 'app.kubernetes.io/managed-by=capstan' }],
    watches: [{ resource: Secret, labelSelector: 'team=a' }],
    writes: { finalizers: true, events: false },
  });
  assert.deepEqual(d.owns[0], { resource: ConfigMap, writes: ['create', 'patch'], labelSelector: 'app.kubernetes.io/managed-by=capstan' });
  assert.deepEqual(d.watches, [{ resource: Secret, labelSelector: 'team=a' }]);
  assert.deepEqual(d.writes, { status: true, events: false, finalizers: true });
});

test('mistakes are refused with a message naming the field', () => {
  const refuses = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (err: unknown) => err instanceof DeclarationError && err.code === 'INVALID_DECLARATION' && pattern.test(err.message));
  refuses(() => declareController({ name: ' ', for: HelloWorld }), /non-empty name/);
  refuses(() => declareController({ name: 'hw', for: { ...HelloWorld, plural: '' } }), /for\.plural is empty/);
  refuses(
    () => declareController({ name: 'hw', for: HelloWorld, owns: [ConfigMap, { ...ConfigMap, version: 'v2' }] }),
    /ConfigMap appears twice in owns/,
  );
  refuses(
    () => declareController({ name: 'hw', for: HelloWorld, watches: [{ resource: { ...Secret, plural: 'Secrets' } }] }),
    /watches\[0\]\.plural "Secrets" must be lower case/,
  );
});
