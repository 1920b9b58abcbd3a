import { test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import { installTestCrd } from '../support/crds.ts';
import { eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

/** Resolves true once `path` is gone (404), undefined while it exists; other errors propagate. */
async function gone(admin: { request(o: { path: string }): Promise<unknown> }, path: string): Promise<true | undefined> {
  try {
    await admin.request({ path });
    return undefined;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

test('ownerReferences cascade through the garbage collector and namespaces finish deleting', { timeout: 360_000 }, async () => {
  const cluster = await sharedCluster();
  const { admin } = cluster;
  const ns = uniqueName('gc');
  const group = `${ns}.capstan.test`;
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const { plural } = await installTestCrd(cluster, group, 'Gadget');
  await cluster.waitForKind(group, 'v1', 'Gadget');

  const owner = await admin.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/apis/${group}/v1/namespaces/${ns}/${plural}`,
    body: { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'owner' }, spec: { size: 1 } },
  });
  await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    body: {
      metadata: {
        name: 'dependent',
        ownerReferences: [
          { apiVersion: `${group}/v1`, kind: 'Gadget', name: 'owner', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      data: { a: 'b' },
    },
  });
  await admin.request({ method: 'DELETE', path: `/apis/${group}/v1/namespaces/${ns}/${plural}/owner` });
  await eventually(
    'the garbage collector to delete the dependent ConfigMap',
    () => gone(admin, `/api/v1/namespaces/${ns}/configmaps/dependent`),
    { timeoutMs: 90_000 },
  );

  await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  await eventually(`namespace ${ns} to finish deleting`, () => gone(admin, `/api/v1/namespaces/${ns}`), { timeoutMs: 90_000 });
});
