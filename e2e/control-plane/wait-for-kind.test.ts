import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { KubeClient } from '../../src/client/index.ts';
import { installTestCrd } from '../support/crds.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

test('after waitForKind, a ServiceAccount can create an object with blockOwnerDeletion to the new kind', { timeout: 360_000 }, async () => {
  const cluster = await sharedCluster();
  const ns = uniqueName('wfk');
  const group = `${ns}.capstan.test`;
  const { plural } = await installTestCrd(cluster, group, 'Sprocket');
  const info = await cluster.waitForKind(group, 'v1', 'Sprocket');
  assert.deepEqual(info, { group, version: 'v1', kind: 'Sprocket', plural, namespaced: true });

  const sa = await cluster.serviceAccountKubeconfig({
    namespace: ns,
    name: 'operator',
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete', 'get'] },
      { apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ['update'] },
    ],
  });
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: sa.kubeconfigPath });
  try {
    // One attempt, no retry: waitForKind has promised that admission already knows the kind.
    const created = await client.request<{ metadata: { ownerReferences: Array<{ kind: string; blockOwnerDeletion: boolean }> } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: {
        metadata: {
          name: 'child',
          ownerReferences: [
            { apiVersion: `${group}/v1`, kind: 'Sprocket', name: 'parent', uid: randomUUID(), controller: true, blockOwnerDeletion: true },
          ],
        },
      },
    });
    assert.equal(created.metadata.ownerReferences[0]?.kind, 'Sprocket');
    assert.equal(created.metadata.ownerReferences[0]?.blockOwnerDeletion, true);
  } finally {
    await client.close();
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});
