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

test('capstan control-plane up, env, kubectl get namespaces, down leaves no process or port behind', { timeout: 300_000 }, async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'capstan-run-'));
  const env = { ...process.env, CAPSTAN_RUN_DIR: runDir };
  try {
    const up = await run(process.execPath, [cli, 'control-plane', 'up'], { env });
    assert.match(up.stdout, /^export KUBECONFIG=/m);
    const state = JSON.parse(await readFile(join(runDir, 'control-plane.json'), 'utf8')) as {
      hostPid: number;
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
