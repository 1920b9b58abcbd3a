// Finalizer writes on a real API server: a concurrent writer's finalizer is never clobbered, cleanup runs
// before removal, and a failed cleanup keeps the object.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../src/client/index.ts';
import { addFinalizer, finalize, type FinalizableObject, FinalizerError } from '../../src/finalizer/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const ours = 'capstan.test/cleanup';
const theirs = 'other.test/keep';

test('finalizers on a real API server: guarded add, cleanup before removal, failed cleanup keeps the object', {
  timeout: 60_000,
}, async () => {
  const cluster = await sharedCluster();
  const { admin } = cluster;
  const ns = uniqueName('finalizer');
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const path = `/api/v1/namespaces/${ns}/configmaps/subject`;
  const get = () => admin.request<FinalizableObject>({ path });
  try {
    const stale = await admin.request<FinalizableObject>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: 'subject' } },
    });
    // Another writer adds its finalizer after we read the object.
    await admin.request({
      method: 'PATCH',
      path,
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: [theirs] } },
    });
    await assert.rejects(
      addFinalizer({ client: admin, resource: ConfigMap, object: stale }, ours),
      (err: unknown) => err instanceof FinalizerError && err.code === 'ADD_FINALIZER_FAILED' && err.cause instanceof ApiError,
    );
    assert.deepEqual((await get()).metadata.finalizers, [theirs], 'the stale add changed nothing');

    await addFinalizer({ client: admin, resource: ConfigMap, object: await get() }, ours);
    assert.deepEqual((await get()).metadata.finalizers, [theirs, ours]);

    await admin.request({ method: 'DELETE', path });
    const deleting = await get();
    assert.ok(deleting.metadata.deletionTimestamp, 'finalizers hold the deleted object');

    await assert.rejects(
      finalize({ client: admin, resource: ConfigMap, object: deleting }, ours, {
        apply: async () => 'apply',
        cleanup: async () => {
          throw new Error('external system down');
        },
      }),
      (err: unknown) => err instanceof FinalizerError && err.code === 'CLEANUP_FAILED',
    );
    assert.deepEqual((await get()).metadata.finalizers, [theirs, ours], 'a failed cleanup keeps our finalizer');

    const steps: string[] = [];
    const result = await finalize({ client: admin, resource: ConfigMap, object: await get() }, ours, {
      apply: async () => 'apply',
      cleanup: async () => {
        steps.push(`cleanup while finalizers are ${JSON.stringify((await get()).metadata.finalizers)}`);
        return 'cleaned';
      },
    });
    assert.equal(result, 'cleaned');
    assert.deepEqual(steps, [`cleanup while finalizers are ${JSON.stringify([theirs, ours])}`]);
    assert.deepEqual((await get()).metadata.finalizers, [theirs], 'only our finalizer went');
  } finally {
    await admin
      .request({ method: 'PATCH', path, contentType: 'application/merge-patch+json', body: { metadata: { finalizers: null } } })
      .catch(() => undefined);
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});
