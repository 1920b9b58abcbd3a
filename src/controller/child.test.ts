import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type ResourceClient } from '../client/index.ts';
import type { KubeObject } from '../core/index.ts';
import { ensureChild, getIfExists } from './child.ts';

const owner: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', uid: 'u1' } };
const ownerRef = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true, blockOwnerDeletion: true };
const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', namespace: 'ns' }, data: { message: 'new' } } as KubeObject;

/** A child client whose calls are noted in `calls` by verb ('get', 'create', 'patch', …) before `methods` answer them. */
function fakeResource(calls: string[], methods: Record<string, (object: KubeObject) => Promise<KubeObject>>): ResourceClient<KubeObject> {
  return Object.fromEntries(
    Object.entries(methods).map(([method, answer]) => [
      method,
      async (...args: unknown[]) => {
        calls.push(method === 'mergePatch' ? 'patch' : method);
        return answer(args[0] as KubeObject);
      },
    ]),
  ) as unknown as ResourceClient<KubeObject>;
}

test('a cached child the server no longer has (the cache is behind) is created at once, not patched again and again', async () => {
  const calls: string[] = [];
  const resource = fakeResource(calls, {
    mergePatch: async () => {
      throw new ApiError('PATCH', '/api/v1/namespaces/ns/configmaps/w', 404, { reason: 'NotFound' });
    },
    create: async (object) => ({ ...object, metadata: { ...object.metadata, resourceVersion: '9' } }),
  });
  const stale = {
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: '3', ownerReferences: [ownerRef] },
    data: { message: 'old' },
  } as KubeObject;
  const outcome = await ensureChild({ resource, cache: { get: () => stale }, owner, desired, fieldManager: 'test' });
  assert.equal(outcome.operation, 'created');
  assert.deepEqual(calls, ['patch', 'create']);
});

test('a 404 on a child read live is not retried as a create (only a cached view can be behind)', async () => {
  const calls: string[] = [];
  const live = {
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: '5', ownerReferences: [ownerRef] },
    data: { message: 'old' },
  } as KubeObject;
  const resource = fakeResource(calls, {
    create: async () => {
      throw new ApiError('POST', '/api/v1/namespaces/ns/configmaps', 409, { reason: 'AlreadyExists' });
    },
    get: async () => live,
    mergePatch: async () => {
      throw new ApiError('PATCH', '/api/v1/namespaces/ns/configmaps/w', 404, { reason: 'NotFound' });
    },
  });
  await assert.rejects(
    ensureChild({ resource, cache: { get: () => undefined }, owner, desired, fieldManager: 'test' }),
    (err: unknown) => err instanceof ApiError && err.httpStatus === 404 && err.code === 'NOT_FOUND',
  );
  assert.deepEqual(calls, ['create', 'get', 'patch']);
});

test('a child whose cache is behind our own write is read live: no write when the server already has it, no 409 from the stale view', async () => {
  const calls: string[] = [];
  const stale = {
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: '3', ownerReferences: [ownerRef] },
    data: { message: 'old' },
  } as KubeObject;
  const live = {
    ...desired,
    metadata: { ...desired.metadata, resourceVersion: '7', ownerReferences: [ownerRef] },
    data: { message: 'new' },
  } as KubeObject;
  const resource = fakeResource(calls, {
    get: async () => live,
    mergePatch: async () => {
      throw new ApiError('PATCH', '/api/v1/namespaces/ns/configmaps/w', 409, { reason: 'Conflict' });
    },
  });
  const view = async () => ({ object: await resource.get('w', { namespace: 'ns' }), from: 'live' as const });
  const outcome = await ensureChild({ resource, cache: { get: () => stale }, owner, desired, fieldManager: 'test', view });
  assert.equal(outcome.operation, 'unchanged');
  assert.equal(outcome.object.metadata.resourceVersion, '7');
  assert.deepEqual(calls, ['get']);
});

test('a child read live that the server does not have is created', async () => {
  const calls: string[] = [];
  const resource = fakeResource(calls, {
    get: async () => {
      throw new ApiError('GET', '/api/v1/namespaces/ns/configmaps/w', 404, { reason: 'NotFound' });
    },
    create: async (object) => ({ ...object, metadata: { ...object.metadata, resourceVersion: '9' } }),
  });
  const view = async () => ({ object: await getIfExists(resource, 'w', { namespace: 'ns', signal: undefined }), from: 'live' as const });
  const outcome = await ensureChild({ resource, cache: { get: () => desired }, owner, desired, fieldManager: 'test', view });
  assert.equal(outcome.operation, 'created');
  assert.deepEqual(calls, ['get', 'create']);
});
