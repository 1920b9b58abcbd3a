import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defineKind, type KubeObject } from '../core/index.ts';
import { type AdmissionReview, deny, review, webhook, webhookPath } from './admission.ts';
import { jsonPatchBetween } from './json-patch-diff.ts';

interface Gizmo extends KubeObject {
  spec: { size: number; color?: string };
}
const Gizmo = defineKind<Gizmo>({ group: 'toys.example.com', version: 'v1', kind: 'Gizmo', plural: 'gizmos', namespaced: true });

function admissionReview(object: Gizmo, operation: 'CREATE' | 'UPDATE' = 'CREATE', dryRun = false): AdmissionReview {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'toys.example.com', version: 'v1', kind: 'Gizmo' },
      resource: { group: 'toys.example.com', version: 'v1', resource: 'gizmos' },
      namespace: 'ns',
      name: object.metadata.name,
      operation,
      userInfo: { username: 'alice' },
      object,
      dryRun,
    },
  };
}
const gizmo = (spec: Gizmo['spec']): Gizmo => ({ apiVersion: 'toys.example.com/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec });
const signal = new AbortController().signal;

/** Apply an RFC 6902 patch of add, remove and replace operations (what jsonPatchBetween writes). */
function applyPatch(document: unknown, patch: ReturnType<typeof jsonPatchBetween>): unknown {
  let root = structuredClone(document);
  for (const op of patch) {
    if (op.path === '') {
      if (op.op === 'replace') root = structuredClone(op.value);
      continue;
    }
    const keys = op.path
      .slice(1)
      .split('/')
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop()!;
    const parent = keys.reduce<Record<string, unknown>>(
      (node, key) => node[key] as Record<string, unknown>,
      root as Record<string, unknown>,
    );
    if (op.op === 'remove') delete parent[last];
    // defineProperty: a key named __proto__ is data here, as in JSON.
    else if (op.op === 'add' || op.op === 'replace')
      Object.defineProperty(parent, last, { value: structuredClone(op.value), enumerable: true, writable: true, configurable: true });
  }
  return root;
}

test('jsonPatchBetween: applied to the first document it gives the second (property)', () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  fc.assert(
    fc.property(json, json, (before, after) => {
      assert.deepEqual(applyPatch(before, jsonPatchBetween(before, after)), after);
    }),
    { numRuns: 2000 },
  );
  assert.deepEqual(jsonPatchBetween({ a: { 'b/c': 1 } }, { a: { 'b/c': 2 } }), [{ op: 'replace', path: '/a/b~1c', value: 2 }]);
  assert.deepEqual(jsonPatchBetween({ a: 1 }, { a: 1 }), []);
  // Keys that are also Object.prototype's (found by the property above): fields like any other.
  assert.deepEqual(jsonPatchBetween({ valueOf: [] }, {}), [{ op: 'remove', path: '/valueOf' }]);
  assert.deepEqual(jsonPatchBetween({}, { toString: 1 }), [{ op: 'add', path: '/toString', value: 1 }]);
});

test('a validating handler: allowed, allowed with warnings, or denied with its message verbatim', async () => {
  const hooks = webhook(Gizmo).validate(({ object }) => {
    if (object.spec.size > 10) return deny(`spec.size ${object.spec.size} is more than 10`);
    if (object.spec.size > 5) return { warnings: ['a big gizmo'] };
    return undefined;
  });
  const answer = async (size: number) => (await review(hooks.validating!, admissionReview(gizmo({ size })), { signal })).response;
  assert.deepEqual(await answer(1), { uid: 'u-1', allowed: true });
  assert.deepEqual(await answer(6), { uid: 'u-1', allowed: true, warnings: ['a big gizmo'] });
  assert.deepEqual(await answer(11), {
    uid: 'u-1',
    allowed: false,
    status: { code: 403, reason: 'Forbidden', message: 'spec.size 11 is more than 10' },
  });
});

test('a mutating handler returns the object; the answer is the JSON Patch to it; a throw refuses with code 500', async () => {
  const hooks = webhook(Gizmo).mutate(({ object, dryRun }) => {
    if (object.spec.size < 0) throw new Error('negative size');
    return { ...object, spec: { ...object.spec, color: object.spec.color ?? (dryRun ? 'dry' : 'blue') } };
  });
  const response = (await review(hooks.mutating!, admissionReview(gizmo({ size: 1 })), { signal })).response!;
  assert.equal(response.patchType, 'JSONPatch');
  assert.deepEqual(JSON.parse(Buffer.from(response.patch!, 'base64').toString()), [{ op: 'add', path: '/spec/color', value: 'blue' }]);
  const dry = (await review(hooks.mutating!, admissionReview(gizmo({ size: 1 }), 'CREATE', true), { signal })).response!;
  assert.deepEqual(JSON.parse(Buffer.from(dry.patch!, 'base64').toString()), [{ op: 'add', path: '/spec/color', value: 'dry' }]);
  const unchanged = (await review(hooks.mutating!, admissionReview(gizmo({ size: 1, color: 'red' })), { signal })).response!;
  assert.deepEqual(unchanged, { uid: 'u-1', allowed: true });
  const thrown = (await review(hooks.mutating!, admissionReview(gizmo({ size: -1 })), { signal })).response!;
  assert.deepEqual(thrown.status, { code: 500, reason: 'InternalError', message: 'negative size' });
});

test('declarations: defaults, bounds, Kubebuilder-style paths', () => {
  const hooks = webhook(Gizmo).validate(() => undefined);
  assert.deepEqual(hooks.validating!.options, {
    operations: ['CREATE', 'UPDATE'],
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    sideEffects: 'None',
  });
  assert.throws(() => webhook(Gizmo).validate(() => undefined, { timeoutSeconds: 31 }), /timeoutSeconds 31/);
  assert.throws(() => webhook(Gizmo).mutate(({ object }) => object, { operations: [] }), /operations is empty/);
  assert.equal(webhookPath('validating', Gizmo), '/validate-toys-example-com-v1-gizmo');
  const reading = webhook(Gizmo)
    .reads(Gizmo, { labelSelector: 'team=toys' })
    .index(Gizmo, 'color', (g) => [g.spec.color ?? ''])
    .validate(() => undefined);
  assert.deepEqual(reading.declaration, { name: 'webhook-gizmo', for: Gizmo, reads: [{ resource: Gizmo, labelSelector: 'team=toys' }] });
  assert.throws(() => webhook(Gizmo).index(Gizmo, 'color', () => []), /\.index\(Gizmo, 'color'\) on a kind it does not read/);
  assert.equal(
    webhookPath('mutating', { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true }),
    '/mutate-core-v1-configmap',
  );
});
