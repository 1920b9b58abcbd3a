import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeServer } from './probe-server.ts';

test('/readyz is 200 only when every check passes, and says which failed', async () => {
  let synced = false;
  const server = await ProbeServer.start({
    port: 0,
    healthChecks: { ping: () => undefined },
    readyChecks: { 'cache:configmaps': () => (synced ? undefined : 'not synced yet') },
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'up 1\n' }),
  });
  try {
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: res.status, body: await res.text() };
    };
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n' });
    const notReady = await get('/readyz');
    assert.equal(notReady.status, 500);
    assert.match(notReady.body, /\[-\]cache:configmaps failed: not synced yet/);
    synced = true;
    assert.deepEqual(await get('/readyz'), { status: 200, body: 'ok\n' });
    assert.match((await get('/readyz?verbose')).body, /\[\+\]cache:configmaps ok/);
    assert.deepEqual(await get('/metrics'), { status: 200, body: 'up 1\n' });
    assert.equal((await get('/nothing')).status, 404);
  } finally {
    await server.close();
  }
});

test('a check listed with gating: false is shown with its warning and never fails the probe', async () => {
  let problem: string | undefined = 'unable to resume for 75 s';
  const server = await ProbeServer.start({
    port: 0,
    readyChecks: { 'cache x': () => undefined, 'watch x': { check: () => problem, gating: false } },
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/readyz?verbose`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /\[\+\]watch x ok \(warning, not gating: unable to resume for 75 s\)\nok\n$/);
    problem = undefined;
    assert.match(await (await fetch(`http://127.0.0.1:${server.port}/readyz?verbose`)).text(), /\[\+\]watch x ok\n/);
  } finally {
    await server.close();
  }
});
