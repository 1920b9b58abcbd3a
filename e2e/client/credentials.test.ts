// Credentials that stop working and come back: a ServiceAccount token bound to a Secret is invalidated by
// deleting the Secret (401); the client recovers, without being recreated, once its token file (or exec
// plugin) hands out a fresh token.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { ApiError, KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import { ConfigMap, Namespace, Secret } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

// Registered before sharedCluster() registers its own after(), so it runs while the admin client is open.
after(async () => {
  await admin.resource(Namespace).delete(ns);
  await admin.close();
  await rm(dir, { recursive: true, force: true });
});
const cluster: Cluster = await sharedCluster();
// Our own admin client: the shared cluster's admin is closed by a hook of its own, maybe before ours.
const admin = await KubeClient.fromKubeconfig({
  kubeconfigPath: cluster.kubeconfigPath,
  metrics: prometheusRequestMetrics(new Registry()),
});
const ns = uniqueName('creds');
const sa = 'bound';
let dir: string;
let cluster0: { server: string; ca: string };

// The API server caches a successful token review for 10 s (kube-apiserver's token success cache TTL),
// and its Secret getter is informer-backed; allow that plus a margin for a loaded 2-core machine.
const tokenCacheTtlMs = 10_000;
const invalidationBoundMs = tokenCacheTtlMs + 20_000;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-creds-'));
  await cluster.serviceAccountKubeconfig({
    namespace: ns,
    name: sa,
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
  });
  const admin = parse(await readFile(cluster.kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  };
  const first = admin.clusters[0]!.cluster;
  cluster0 = { server: first.server, ca: first['certificate-authority-data'] };
});

/** A token for the ServiceAccount, valid only while the Secret `secretName` exists. */
async function boundToken(secretName: string): Promise<string> {
  const secret = await admin.resource(Secret).create({
    metadata: { name: secretName, namespace: ns, annotations: { 'kubernetes.io/service-account.name': sa } },
    type: 'kubernetes.io/service-account-token',
  });
  const request = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600, boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: secretName, uid: secret.metadata.uid } },
    },
  });
  return request.status.token;
}

async function kubeconfig(name: string, user: Record<string, unknown>): Promise<string> {
  const path = join(dir, `${name}.kubeconfig`);
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cluster0.server, 'certificate-authority-data': cluster0.ca } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return path;
}

async function expectUnauthorized(client: KubeClient, mentions: RegExp): Promise<ApiError> {
  const started = Date.now();
  const err = await eventually(
    `a 401 after the Secret is deleted (bound ${invalidationBoundMs} ms)`,
    async () => {
      try {
        await client.resource(ConfigMap).list({ namespace: ns });
        return undefined;
      } catch (e) {
        if (e instanceof ApiError && e.httpStatus === 401 && e.code === 'UNAUTHORIZED') return e;
        throw e;
      }
    },
    { timeoutMs: invalidationBoundMs },
  );
  process.stdout.write(`# 401 seen ${Date.now() - started} ms after deleting the Secret\n`);
  assert.equal(err.reason, 'Unauthorized');
  assert.match(err.message, mentions);
  return err;
}

test('token file: a Secret-bound token is rejected once the Secret is deleted (typed 401), and a fresh token in the file is picked up', {
  timeout: 120_000,
}, async () => {
  const tokenPath = join(dir, 'token');
  await writeFile(tokenPath, await boundToken('token-a'));
  const client = await KubeClient.fromKubeconfig({
    kubeconfigPath: await kubeconfig('file', { tokenFile: tokenPath }),
    metrics: prometheusRequestMetrics(new Registry()),
  });
  try {
    assert.deepEqual((await client.resource(ConfigMap).list({ namespace: ns })).items, []);
    await admin.resource(Secret).delete('token-a', { namespace: ns });
    await expectUnauthorized(client, new RegExp(`rejected the token in file ${tokenPath}: write a valid token to ${tokenPath}`));
    await writeFile(tokenPath, await boundToken('token-b'));
    // The same client, no restart: the file is re-read after the 401.
    assert.deepEqual((await client.resource(ConfigMap).list({ namespace: ns })).items, []);
  } finally {
    await client.close();
  }
});

test('exec plugin: re-run after a 401, so a plugin that now prints a fresh token recovers the client', { timeout: 120_000 }, async () => {
  const tokenPath = join(dir, 'exec-token');
  const runsPath = join(dir, 'exec-runs');
  await writeFile(runsPath, '');
  const plugin = join(dir, 'plugin.sh');
  await writeFile(
    plugin,
    `#!/bin/sh\necho run >> ${runsPath}\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$(cat ${tokenPath})"\n`,
  );
  await chmod(plugin, 0o755);
  const runs = async () => (await readFile(runsPath, 'utf8')).split('\n').filter(Boolean).length;
  await writeFile(tokenPath, await boundToken('exec-a'));
  const client = await KubeClient.fromKubeconfig({
    kubeconfigPath: await kubeconfig('exec', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin } }),
    metrics: prometheusRequestMetrics(new Registry()),
  });
  try {
    await client.resource(ConfigMap).list({ namespace: ns });
    await client.resource(ConfigMap).list({ namespace: ns });
    assert.equal(await runs(), 1, 'a credential without expiry is reused');
    await admin.resource(Secret).delete('exec-a', { namespace: ns });
    await expectUnauthorized(client, /rejected the credential of exec plugin/);
    const runsAfter401 = await runs();
    assert.ok(runsAfter401 >= 2, 'the plugin ran again after the 401');
    await writeFile(tokenPath, await boundToken('exec-b'));
    assert.deepEqual((await client.resource(ConfigMap).list({ namespace: ns })).items, []);
    assert.equal(await runs(), runsAfter401 + 1, 'one more run, which brought the fresh token');
  } finally {
    await client.close();
  }
});
