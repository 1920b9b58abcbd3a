import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { isAlive, portIsFree } from '../support/processes.ts';

test('SIGKILL of the process that started a control plane ends etcd, kube-apiserver and kube-controller-manager within 10 s', {
  timeout: 240_000,
}, async () => {
  const starter = spawn(process.execPath, [new URL('../fixtures/start-control-plane.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: starter.stdout }).once('line', resolve);
    starter.once('exit', (code) => reject(new Error(`the starter exited with ${code} before the control plane was up`)));
  });
  const { pids, ports, dir } = JSON.parse(firstLine) as { pids: number[]; ports: number[]; dir: string };
  assert.equal(pids.length, 3);
  for (const pid of pids) assert.ok(isAlive(pid), `component ${pid} runs before the kill`);
  for (const port of ports) assert.equal(await portIsFree(port), false, `port ${port} is served before the kill`);

  const killedAt = Date.now();
  starter.kill('SIGKILL');
  const boundMs = 10_000;
  const timeline: string[] = [];
  for (;;) {
    const alive = pids.filter(isAlive);
    const open = [];
    for (const port of ports) if (!(await portIsFree(port))) open.push(port);
    timeline.push(`${Date.now() - killedAt} ms: alive ${JSON.stringify(alive)}, ports open ${JSON.stringify(open)}`);
    if (alive.length === 0 && open.length === 0) break;
    assert.ok(Date.now() - killedAt < boundMs, `components outlived their parent by ${boundMs} ms:\n${timeline.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The supervisors also remove the control plane's files.
  const cleaned = Date.now() + 5_000;
  while (existsSync(dir) && Date.now() < cleaned) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(dir), false, `${dir} was removed`);
});
