import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceDescriptor } from '../core/index.ts';
import { setCondition } from './conditions.ts';
import { ConditionError } from './errors.ts';
import { statusApplyPatch, statusApplyRequest } from './status-apply.ts';

const HelloWorld: ResourceDescriptor = {
  group: 'apps.example.com',
  version: 'v1alpha1',
  kind: 'HelloWorld',
  plural: 'helloworlds',
  namespaced: true,
};
const Cluster: ResourceDescriptor = { group: 'example.com', version: 'v1', kind: 'Tenant', plural: 'tenants', namespaced: false };

const live = {
  apiVersion: 'apps.example.com/v1alpha1',
  kind: 'HelloWorld',
  metadata: { name: 'hello', namespace: 'demo', generation: 4, resourceVersion: '77', uid: 'u1', labels: { a: 'b' } },
  spec: { name: 'Hello' },
  status: { observedGeneration: 3, conditions: [], extra: 'owned by someone else' },
};

test("the apply body carries identity and the owned status fields only: no spec, labels, resourceVersion or others' fields", () => {
  const conditions = setCondition(
    live.status.conditions,
    { type: 'Ready', status: 'True', reason: 'ConfigMapReady', observedGeneration: 4 },
    new Date('2030-01-01T00:00:00Z'),
  );
  const body = statusApplyPatch(HelloWorld, live, { observedGeneration: 4, conditions });
  assert.deepEqual(body, {
    apiVersion: 'apps.example.com/v1alpha1',
    kind: 'HelloWorld',
    metadata: { name: 'hello', namespace: 'demo' },
    status: {
      observedGeneration: 4,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          observedGeneration: 4,
          lastTransitionTime: '2030-01-01T00:00:00Z',
          reason: 'ConfigMapReady',
          message: '',
        },
      ],
    },
  });
});

test('a cluster-scoped kind has no namespace; a missing name or namespace is refused', () => {
  assert.deepEqual(statusApplyPatch(Cluster, { metadata: { name: 't', namespace: 'ignored' } }, {}).metadata, { name: 't' });
  assert.throws(
    () => statusApplyPatch(HelloWorld, { metadata: { namespace: 'demo' } }, {}),
    (e: unknown) => e instanceof ConditionError && e.code === 'INVALID_STATUS_TARGET' && /has no metadata\.name/.test(e.message),
  );
  assert.throws(() => statusApplyPatch(HelloWorld, { metadata: { name: 'x' } }, {}), /no metadata\.namespace/);
});

test("the request is a forced server-side apply to the status subresource with the controller's field manager", () => {
  const signal = new AbortController().signal;
  const request = statusApplyRequest(HelloWorld, live, { observedGeneration: 4 }, { fieldManager: 'capstan-helloworld', signal });
  assert.equal(request.method, 'PATCH');
  assert.equal(request.path, '/apis/apps.example.com/v1alpha1/namespaces/demo/helloworlds/hello/status');
  assert.equal(request.contentType, 'application/apply-patch+yaml');
  assert.deepEqual(request.query, { fieldManager: 'capstan-helloworld', force: true });
  assert.equal(request.signal, signal);
  assert.deepEqual(statusApplyRequest(HelloWorld, live, {}, { fieldManager: 'm', force: false }).query, {
    fieldManager: 'm',
    force: false,
  });
});
