import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ClusterDescriptor } from './cluster.ts';
import { testCluster } from './test-cluster.ts';

const dir = await mkdtemp(join(tmpdir(), 'capstan-test-cluster-'));
after(() => rm(dir, { recursive: true, force: true }));

/** A descriptor of a cluster at `server` (nothing listens there: connecting reads files, it sends nothing). */
async function descriptor(name: string, server: string): Promise<ClusterDescriptor> {
  const kubeconfigPath = join(dir, `${name}.kubeconfig`);
  await writeFile(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: c, cluster: { server: '${server}', insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: t } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n'),
  );
  return { kubeconfigPath, caCertPath: join(dir, 'ca.crt'), auditLogPath: join(dir, `${name}-audit.log`), dir };
}

/** testCluster with `env` in place of the environment's own; the clean-ups it registered, run. */
async function resolve(env: Record<string, string | undefined>) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const cluster = await testCluster({ after: (fn) => cleanups.push(fn) });
    return { cluster, cleanups };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    for (const cleanup of cleanups) await cleanup();
  }
}

const shared = await descriptor('shared', 'https://127.0.0.1:6441');
const sharedPath = join(dir, 'shared.json');
await writeFile(sharedPath, JSON.stringify(shared));
const up = await descriptor('up', 'https://127.0.0.1:6442');
const runDir = join(dir, 'run');
const record = (hostPid: number) =>
  writeFile(join(runDir, 'control-plane.json'), JSON.stringify({ hostPid, kubeconfigPath: up.kubeconfigPath, cluster: up }));
await mkdir(runDir);

test('1. $CAPSTAN_TEST_CLUSTER wins over a running `capstan control-plane up`', async () => {
  await record(process.pid);
  const { cluster, cleanups } = await resolve({ CAPSTAN_TEST_CLUSTER: sharedPath, CAPSTAN_RUN_DIR: runDir });
  assert.equal(cluster.kubeconfigPath, shared.kubeconfigPath);
  assert.equal(cluster.apiServerUrl, 'https://127.0.0.1:6441');
  assert.equal(cleanups.length, 1, 'the connection is closed when the test ends');
});

test('2. without it, the control plane `capstan control-plane up` recorded, while its host process lives', async () => {
  await record(process.pid);
  const { cluster } = await resolve({ CAPSTAN_TEST_CLUSTER: undefined, CAPSTAN_RUN_DIR: runDir });
  assert.equal(cluster.kubeconfigPath, up.kubeconfigPath);
  assert.deepEqual(cluster.describe(), up);
});

test('3. with neither (a record whose host is gone), a new local control plane', async () => {
  await record(2 ** 22 + 12345); // above the largest pid
  // Assets that do not exist make the start fail at once, which shows it was tried.
  await assert.rejects(
    resolve({ CAPSTAN_TEST_CLUSTER: undefined, CAPSTAN_RUN_DIR: runDir, CAPSTAN_ASSETS: join(dir, 'no-binaries') }),
    /CAPSTAN_ASSETS/,
  );
});
