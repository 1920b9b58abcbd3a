import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isAlive, portIsFree } from '../support/processes.ts';

const run = promisify(execFile);
const cli = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const exampleCrds = new URL('../../examples/hello-world/config/crd', import.meta.url).pathname;
const testClusterScript = `
import { testCluster } from ${JSON.stringify(new URL('../../src/testing/index.ts', import.meta.url).pathname)};
const cleanups = [];
const cluster = await testCluster({ after: (fn) => cleanups.push(fn) });
const found = await cluster.admin.request({ path: '/api/v1/namespaces/default' });
process.stdout.write(JSON.stringify({ apiServerUrl: cluster.apiServerUrl, namespace: found.metadata.name, kubeconfigPath: cluster.kubeconfigPath }));
for (const cleanup of cleanups) await cleanup();
`;

test('capstan control-plane up --crds, env, kubectl get namespaces and the kind, down leaves no process or port behind', {
  timeout: 300_000,
}, async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'capstan-run-'));
  const env = { ...process.env, CAPSTAN_RUN_DIR: runDir };
  try {
    const up = await run(process.execPath, [cli, 'control-plane', 'up', '--crds', exampleCrds], { env });
    assert.match(up.stdout, /^export KUBECONFIG=/m);
    const state = JSON.parse(await readFile(join(runDir, 'control-plane.json'), 'utf8')) as {
      hostPid: number;
      apiServerUrl: string;
      components: Record<string, { pid: number }>;
      ports: number[];
    };
    const pids = [state.hostPid, ...Object.values(state.components).map((c) => c.pid)];
    assert.equal(pids.length, 4);

    const printed = await run(process.execPath, [cli, 'control-plane', 'env'], { env });
    const kubeconfig = /^export KUBECONFIG=(.+)$/m.exec(printed.stdout)?.[1];
    const path = /^export PATH=(.+):\$PATH$/m.exec(printed.stdout)?.[1];
    assert.ok(kubeconfig && path, `env printed the exports:\n${printed.stdout}`);

    const kubectl = await run(join(path, 'kubectl'), ['get', 'namespaces', '-o', 'name'], { env: { ...env, KUBECONFIG: kubeconfig } });
    assert.match(kubectl.stdout, /^namespace\/default$/m);
    assert.match(kubectl.stdout, /^namespace\/kube-system$/m);
    // The CRD of --crds is served as soon as `up` returns.
    const kinds = await run(join(path, 'kubectl'), ['api-resources', '--api-group=apps.example.com', '-o', 'name'], {
      env: { ...env, KUBECONFIG: kubeconfig },
    });
    assert.match(kinds.stdout, /^helloworlds\.apps\.example\.com$/m);

    // What a project's `npm test` does with no $CAPSTAN_TEST_CLUSTER: the kit's testCluster finds this control plane.
    const withoutShared: NodeJS.ProcessEnv = { ...env };
    delete withoutShared['CAPSTAN_TEST_CLUSTER'];
    const found = await run(process.execPath, ['--input-type=module', '-e', testClusterScript], { env: withoutShared });
    assert.deepEqual(JSON.parse(found.stdout), { apiServerUrl: state.apiServerUrl, namespace: 'default', kubeconfigPath: kubeconfig });

    const down = await run(process.execPath, [cli, 'control-plane', 'down'], { env });
    assert.match(down.stdout, /control plane stopped/);
    for (const pid of pids) assert.equal(isAlive(pid), false, `process ${pid} is gone`);
    for (const port of state.ports) assert.equal(await portIsFree(port), true, `port ${port} is free`);
    await assert.rejects(run(process.execPath, [cli, 'control-plane', 'env'], { env }), /no control plane is running/);
  } finally {
    await run(process.execPath, [cli, 'control-plane', 'down'], { env }).catch(() => undefined);
    await rm(runDir, { recursive: true, force: true });
  }
});

test('capstan control-plane up --crds with a path that holds no CRD fails at once and starts nothing', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'capstan-run-'));
  try {
    await assert.rejects(
      run(process.execPath, [cli, 'control-plane', 'up', '--crds', join(runDir, 'no-such-dir')], {
        env: { ...process.env, CAPSTAN_RUN_DIR: runDir },
      }),
      (err: Error & { stderr: string; code: number }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr, /no-such-dir/);
        return true;
      },
    );
    await assert.rejects(readFile(join(runDir, 'control-plane.json'), 'utf8'), { code: 'ENOENT' });
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});
