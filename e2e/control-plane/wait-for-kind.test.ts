// waitForKind's promise, kept both ways a kind arrives: a CRD installed on a running cluster (waits for the
// garbage collector's and admission's 30 s discovery rereads) and a CRD given to startControlPlane (known
// from the start, so no wait). After it returns, a ServiceAccount with least privilege sets blockOwnerDeletion
// to the kind on its first attempt, and the garbage collector deletes that child once its owner goes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNotFound, KubeClient } from '../../src/client/index.ts';
import { type Cluster, eventually, startControlPlane } from '../../src/testing/index.ts';
import { installTestCrd, testCrd } from '../support/crds.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

/** A Sprocket owner, and a child the operator's ServiceAccount creates for it; the child goes with the owner. */
async function assertUsableAsOwner(cluster: Cluster, ns: string, group: string, plural: string): Promise<void> {
  const { admin } = cluster;
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } }).catch(() => undefined);
  const sa = await cluster.serviceAccountKubeconfig({
    namespace: ns,
    name: 'operator',
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete', 'get'] },
      { apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ['update'] },
    ],
  });
  const ownerPath = `/apis/${group}/v1/namespaces/${ns}/${plural}/parent`;
  const owner = await admin.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/apis/${group}/v1/namespaces/${ns}/${plural}`,
    body: { apiVersion: `${group}/v1`, kind: 'Sprocket', metadata: { name: 'parent' }, spec: {} },
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
            {
              apiVersion: `${group}/v1`,
              kind: 'Sprocket',
              name: 'parent',
              uid: owner.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      },
    });
    assert.equal(created.metadata.ownerReferences[0]?.kind, 'Sprocket');
    assert.equal(created.metadata.ownerReferences[0]?.blockOwnerDeletion, true);
  } finally {
    await client.close();
  }
  // And the collector, which waitForKind has promised knows the kind, cascades: well within its 30 s reread.
  await admin.request({ method: 'DELETE', path: ownerPath });
  await eventually(
    'the garbage collector to delete the child',
    async () =>
      admin.request({ path: `/api/v1/namespaces/${ns}/configmaps/child` }).then(
        () => undefined,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs: 20_000 },
  );
}

test('a CRD installed on a running cluster: after waitForKind, a ServiceAccount sets blockOwnerDeletion to it and the child is collected', {
  timeout: 360_000,
}, async () => {
  const cluster = await sharedCluster();
  const ns = uniqueName('wfk');
  const group = `${ns}.capstan.test`;
  const { plural } = await installTestCrd(cluster, group, 'Sprocket');
  const info = await cluster.waitForKind(group, 'v1', 'Sprocket');
  assert.deepEqual(info, { group, version: 'v1', kind: 'Sprocket', plural, namespaced: true });
  try {
    await assertUsableAsOwner(cluster, ns, group, plural);
  } finally {
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
  }
});

test('a CRD given to startControlPlane is served before kube-controller-manager starts, and waitForKind on it does not wait', {
  timeout: 240_000,
}, async () => {
  const group = 'sprockets.capstan.test';
  const lines: string[] = [];
  const cp = await startControlPlane({ crds: [testCrd(group, 'Sprocket')], log: (line) => lines.push(line) });
  try {
    const served = lines.findIndex((line) => line.startsWith(`sprockets.${group} served after`));
    const controllerManager = lines.findIndex((line) => line.startsWith('kube-controller-manager ready after'));
    assert.ok(served !== -1 && served < controllerManager, `the CRD is served first:\n${lines.join('\n')}`);

    const started = Date.now();
    const progress: string[] = [];
    await cp.waitForKind(group, 'v1', 'Sprocket', { log: (line) => progress.push(line) });
    const seconds = (Date.now() - started) / 1000;
    // Had the collector not known the kind from its start, it would learn it at its first reread, 30 s after
    // it started; the API server holds the first create of a kind for 2 s while its CRD is that new.
    assert.ok(seconds < 15, `waitForKind took ${seconds} s:\n${progress.join('\n')}`);
    assert.match(progress.at(-1) ?? '', /^Sprocket is usable as an owner after \d+\.\d s$/);

    await assertUsableAsOwner(cp, 'wfk-at-start', group, 'sprockets');
  } finally {
    await cp.stop();
  }
});
