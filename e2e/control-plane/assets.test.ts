// Where the control-plane binaries and helm come from: CAPSTAN_ASSETS, KUBEBUILDER_ASSETS, CAPSTAN_HELM, or a build
// whose failure names the command that failed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { ControlPlaneError, ensureAssets, ensureHelm } from '../../src/testing/index.ts';

const saved = { capstan: process.env['CAPSTAN_ASSETS'], kubebuilder: process.env['KUBEBUILDER_ASSETS'], helm: process.env['CAPSTAN_HELM'] };
function restoreEnv() {
  for (const [name, value] of [
    ['CAPSTAN_ASSETS', saved.capstan],
    ['KUBEBUILDER_ASSETS', saved.kubebuilder],
    ['CAPSTAN_HELM', saved.helm],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
after(restoreEnv);

const built = await ensureAssets();
const linkDir = async (names: Array<keyof typeof built>) => {
  const dir = await mkdtemp(join(tmpdir(), 'capstan-assets-'));
  for (const name of names) await symlink(built[name], join(dir, built[name].split('/').pop()!));
  return dir;
};

test('CAPSTAN_ASSETS supplies all four binaries; a missing one is named', async () => {
  const dir = await linkDir(['etcd', 'kubeApiserver', 'kubeControllerManager', 'kubectl']);
  try {
    process.env['CAPSTAN_ASSETS'] = dir;
    const assets = await ensureAssets();
    assert.deepEqual(assets, {
      etcd: join(dir, 'etcd'),
      kubeApiserver: join(dir, 'kube-apiserver'),
      kubeControllerManager: join(dir, 'kube-controller-manager'),
      kubectl: join(dir, 'kubectl'),
    });
    await rm(join(dir, 'kubectl'));
    await assert.rejects(
      ensureAssets(),
      (err: unknown) =>
        err instanceof ControlPlaneError &&
        err.code === 'ASSETS_MISSING' &&
        err.message.includes(join(dir, 'kubectl')) &&
        err.message.includes('CAPSTAN_ASSETS'),
    );
  } finally {
    restoreEnv();
    await rm(dir, { recursive: true, force: true });
  }
});

test('KUBEBUILDER_ASSETS supplies etcd, kube-apiserver and kubectl; kube-controller-manager comes from the cache', async () => {
  const dir = await linkDir(['etcd', 'kubeApiserver', 'kubectl']);
  try {
    process.env['KUBEBUILDER_ASSETS'] = dir;
    const assets = await ensureAssets();
    assert.equal(assets.etcd, join(dir, 'etcd'));
    assert.equal(assets.kubeApiserver, join(dir, 'kube-apiserver'));
    assert.equal(assets.kubectl, join(dir, 'kubectl'));
    assert.equal(assets.kubeControllerManager, built.kubeControllerManager);
  } finally {
    restoreEnv();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing build names the command that failed', { timeout: 120_000 }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'capstan-cache-'));
  try {
    await assert.rejects(
      ensureAssets({ cacheDir, versions: { kubernetes: 'v1.99.0', etcd: 'v3.6.16', go: '1.26.8' }, log: () => undefined }),
      (err: unknown) =>
        err instanceof ControlPlaneError &&
        err.code === 'BUILD_FAILED' &&
        /go mod download -json k8s\.io\/kubernetes@v1\.99\.0/.test(err.message),
    );
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test('helm is built at the pinned version and cached; CAPSTAN_HELM supplies one instead, a missing one is named', {
  timeout: 30 * 60_000,
}, async () => {
  const helm = await ensureHelm();
  const { stdout } = await promisify(execFile)(helm, ['version', '--template', '{{ .Version }}']);
  const pinned = JSON.parse(await readFile(new URL('../../control-plane/versions.json', import.meta.url), 'utf8')) as { helm: string };
  assert.equal(stdout.trim(), pinned.helm, 'helm version reports the pinned release');
  const dir = await mkdtemp(join(tmpdir(), 'capstan-helm-'));
  try {
    await symlink(helm, join(dir, 'helm'));
    process.env['CAPSTAN_HELM'] = join(dir, 'helm');
    assert.equal(await ensureHelm(), join(dir, 'helm'));
    await rm(join(dir, 'helm'));
    await assert.rejects(
      ensureHelm(),
      (err: unknown) =>
        err instanceof ControlPlaneError &&
        err.code === 'ASSETS_MISSING' &&
        err.message.includes(join(dir, 'helm')) &&
        err.message.includes('CAPSTAN_HELM'),
    );
  } finally {
    restoreEnv();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failing helm build names the command that failed', { timeout: 120_000 }, async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'capstan-cache-'));
  try {
    await assert.rejects(
      ensureHelm({ cacheDir, version: 'v4.99.0', go: '1.26.8', log: () => undefined }),
      (err: unknown) =>
        err instanceof ControlPlaneError && err.code === 'BUILD_FAILED' && /go mod tidy/.test(err.message) && /v4\.99\.0/.test(err.message),
    );
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
