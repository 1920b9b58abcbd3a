import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestOptions } from '../client/index.ts';
import { addFinalizer, finalize, FinalizerError } from './finalizer.ts';

const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const name = 'example.com/cleanup';

function fakeClient() {
  const requests: RequestOptions[] = [];
  return {
    requests,
    request: async <T>(o: RequestOptions): Promise<T> => {
      requests.push(o);
      return {} as T;
    },
  };
}

test('a live object without the finalizer gets it through a guarded JSON Patch, then apply runs', async () => {
  const client = fakeClient();
  const calls: string[] = [];
  const result = await finalize(
    { client, resource: ConfigMap, object: { metadata: { name: 'a', namespace: 'ns', resourceVersion: '7' } } },
    name,
    {
      apply: async () => {
        calls.push('apply');
        return 'applied';
      },
      cleanup: async () => {
        calls.push('cleanup');
        return 'cleaned';
      },
    },
  );
  assert.equal(result, 'applied');
  assert.deepEqual(calls, ['apply']);
  assert.equal(client.requests.length, 1);
  assert.equal(client.requests[0]!.contentType, 'application/json-patch+json');
  assert.equal(client.requests[0]!.path, '/api/v1/namespaces/ns/configmaps/a');
  assert.deepEqual(client.requests[0]!.body, [
    { op: 'test', path: '/metadata/resourceVersion', value: '7' },
    { op: 'add', path: '/metadata/finalizers', value: [name] },
  ]);
});

test('an existing list is tested as seen, and ours is appended', async () => {
  const client = fakeClient();
  await finalize(
    { client, resource: ConfigMap, object: { metadata: { name: 'a', namespace: 'ns', finalizers: ['other.io/keep'] } } },
    name,
    {
      apply: async () => undefined,
      cleanup: async () => undefined,
    },
  );
  assert.deepEqual(client.requests[0]!.body, [
    { op: 'test', path: '/metadata/finalizers', value: ['other.io/keep'] },
    { op: 'add', path: '/metadata/finalizers/-', value: name },
  ]);
});

test('a deleted object is cleaned up before its finalizer is removed, guarded by its index', async () => {
  const client = fakeClient();
  const order: string[] = [];
  const object = {
    metadata: { name: 'a', namespace: 'ns', deletionTimestamp: '2030-01-01T00:00:00Z', finalizers: ['other.io/keep', name] },
  };
  await finalize(
    {
      client: {
        request: async <T>(o: RequestOptions) => {
          order.push('patch');
          return client.request<T>(o);
        },
      },
      resource: ConfigMap,
      object,
    },
    name,
    {
      apply: async () => {
        order.push('apply');
      },
      cleanup: async () => {
        order.push('cleanup');
      },
    },
  );
  assert.deepEqual(order, ['cleanup', 'patch']);
  assert.deepEqual(client.requests[0]!.body, [
    { op: 'test', path: '/metadata/finalizers/1', value: name },
    { op: 'remove', path: '/metadata/finalizers/1' },
  ]);
});

test('a failing cleanup keeps the finalizer and says so', async () => {
  const client = fakeClient();
  const object = { metadata: { name: 'a', namespace: 'ns', deletionTimestamp: '2030-01-01T00:00:00Z', finalizers: [name] } };
  await assert.rejects(
    finalize({ client, resource: ConfigMap, object }, name, {
      apply: async () => undefined,
      cleanup: async () => {
        throw new Error('disk full');
      },
    }),
    (err: unknown) => err instanceof FinalizerError && err.code === 'CLEANUP_FAILED' && /disk full/.test(err.message),
  );
  assert.equal(client.requests.length, 0, 'no patch: the finalizer stays');
});

test('nothing to do for a deleted object whose finalizer is already gone; names must be domain-qualified', async () => {
  const client = fakeClient();
  const result = await finalize(
    { client, resource: ConfigMap, object: { metadata: { name: 'a', deletionTimestamp: 'x', finalizers: [] } } },
    name,
    {
      apply: async () => 'a',
      cleanup: async () => 'c',
    },
  );
  assert.equal(result, undefined);
  assert.equal(client.requests.length, 0);
  await assert.rejects(
    finalize({ client, resource: ConfigMap, object: { metadata: {} } }, 'cleanup', { apply: async () => 1, cleanup: async () => 2 }),
    (err: unknown) => err instanceof FinalizerError && err.code === 'INVALID_FINALIZER_NAME',
  );
  // addFinalizer too, before any request; removing an unqualified one (an older name of one's own) stays possible.
  await assert.rejects(
    addFinalizer({ client, resource: ConfigMap, object: { metadata: { name: 'a' } } }, 'cleanup'),
    (err: unknown) => err instanceof FinalizerError && err.code === 'INVALID_FINALIZER_NAME',
  );
  assert.equal(client.requests.length, 0);
});
