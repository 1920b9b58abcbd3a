import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, KubeClient } from '../../src/client/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

test('a ServiceAccount without rights gets 403 where the admin succeeds, and succeeds once a Role is bound', {
  timeout: 120_000,
}, async () => {
  const cluster = await sharedCluster();
  const ns = uniqueName('sa');
  const none = await cluster.serviceAccountKubeconfig({ namespace: ns, name: 'nobody' });
  assert.equal(none.username, `system:serviceaccount:${ns}:nobody`);
  const path = `/api/v1/namespaces/${ns}/configmaps`;

  const admins = await cluster.admin.request<{ items: unknown[] }>({ path });
  assert.deepEqual(admins.items, []);

  const nobody = await KubeClient.fromKubeconfig({ kubeconfigPath: none.kubeconfigPath });
  try {
    await assert.rejects(
      nobody.request({ path }),
      (err: unknown) => err instanceof ApiError && err.httpStatus === 403 && err.reason === 'Forbidden' && err.code === 'FORBIDDEN',
    );
  } finally {
    await nobody.close();
  }

  const reader = await cluster.serviceAccountKubeconfig({
    namespace: ns,
    name: 'reader',
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
  });
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: reader.kubeconfigPath });
  try {
    const list = await client.request<{ kind: string; items: unknown[] }>({ path });
    assert.equal(list.kind, 'ConfigMapList');
    // The Role grants reads only, so a write is still refused.
    await assert.rejects(
      client.request({ method: 'POST', path, body: { metadata: { name: 'x' } } }),
      (err: unknown) => err instanceof ApiError && err.httpStatus === 403,
    );
  } finally {
    await client.close();
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});
