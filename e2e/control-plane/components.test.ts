// Drives components of a control plane of its own: kill and restart kube-apiserver, pause and resume etcd,
// compact etcd. It breaks things, so it does not use the shared cluster.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { ApiError, ClientError, isAlreadyExists, KubeClient } from '../../src/client/index.ts';
import { type ControlPlane, startControlPlane } from '../../src/testing/index.ts';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane();
});
after(() => cp?.stop());

test('kube-apiserver killed and restarted: the same kubeconfig works again', { timeout: 240_000 }, async () => {
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: cp.kubeconfigPath, timeoutMs: 5_000 });
  try {
    await client.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { metadata: { name: 'before-kill' } } });
    const oldPid = cp.apiServer.pid;
    await cp.apiServer.kill();
    assert.equal(cp.apiServer.running, false);
    await assert.rejects(
      client.request({ path: '/api/v1/namespaces/default' }),
      (err: unknown) => err instanceof ClientError && err.code === 'CONNECTION_FAILED',
    );
    await cp.apiServer.restart();
    assert.notEqual(cp.apiServer.pid, oldPid);
    const cm = await client.request<{ metadata: { name: string } }>({ path: '/api/v1/namespaces/default/configmaps/before-kill' });
    assert.equal(cm.metadata.name, 'before-kill', 'data written before the kill survives: etcd kept it');
  } finally {
    await client.close();
  }
});

test('etcd paused and resumed: requests fail while it is paused and succeed after', { timeout: 240_000 }, async () => {
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: cp.kubeconfigPath, timeoutMs: 3_000 });
  try {
    cp.etcd.pause();
    try {
      // A write must reach etcd; with etcd stopped the API server cannot answer within the timeout.
      await assert.rejects(
        client.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { metadata: { name: 'while-paused' } } }),
        (err: unknown) =>
          (err instanceof ClientError && err.code === 'REQUEST_TIMEOUT') || (err instanceof ApiError && err.httpStatus >= 500),
      );
    } finally {
      cp.etcd.resume();
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await client.request({
          method: 'POST',
          path: '/api/v1/namespaces/default/configmaps',
          body: { metadata: { name: 'after-resume' } },
        });
        break;
      } catch (err) {
        // The write that timed out may still land once etcd resumes.
        if (isAlreadyExists(err)) break;
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await client.request({ path: '/api/v1/namespaces/default/configmaps/after-resume' });
  } finally {
    await client.close();
  }
});

test('compactEtcd() advances the compacted revision', { timeout: 60_000 }, async () => {
  const rangeAt = async (revision: number) => {
    const res = await request(`${cp.etcdUrl}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: 'AA==', range_end: 'AA==', revision: String(revision) }),
    });
    return { status: res.statusCode, body: (await res.body.json()) as { code?: number } };
  };
  await cp.admin.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { metadata: { name: 'rev-a' } } });
  const { revision: first } = await cp.compactEtcd();
  await cp.admin.request({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { metadata: { name: 'rev-b' } } });
  // Compacting at a revision keeps that revision readable ...
  assert.equal((await rangeAt(first)).status, 200);
  const { revision: second } = await cp.compactEtcd();
  assert.ok(second > first, `compaction moved from ${first} to ${second}`);
  // ... and the next compaction removes it: etcd answers OutOfRange (gRPC code 11), "required revision has been compacted".
  const gone = await rangeAt(first);
  assert.notEqual(gone.status, 200);
  assert.equal(gone.body.code, 11);
});
