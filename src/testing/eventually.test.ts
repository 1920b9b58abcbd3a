import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from './eventually.ts';

test('resolves with the first value that is neither undefined nor false; a throwing check is asked again', async () => {
  let calls = 0;
  const value = await eventually(
    'the third call',
    async () => {
      calls++;
      if (calls === 1) throw new Error('not yet');
      if (calls === 2) return false;
      return calls === 3 ? { calls } : undefined;
    },
    { intervalMs: 1 },
  );
  assert.deepEqual(value, { calls: 3 });
});

test('a 0 or an empty string is a value', async () => {
  assert.equal(await eventually('zero', async () => 0), 0);
  assert.equal(await eventually('empty', async () => ''), '');
});

test('the timeout names what was awaited, the last error and what describe adds', async () => {
  const started = Date.now();
  await assert.rejects(
    eventually(
      'the sample to be Ready',
      async () => {
        throw new Error('Ready=False (ConfigMapExists)');
      },
      { timeoutMs: 200, intervalMs: 20, describe: () => 'the operator is running; its last log lines: …' },
    ),
    (err: Error) => {
      assert.match(err.message, /^timed out after 200 ms \(\d+ checks\) waiting for the sample to be Ready/);
      assert.match(err.message, /\(last error: Ready=False \(ConfigMapExists\)\)/);
      assert.match(err.message, /\nthe operator is running; its last log lines: …$/);
      assert.equal((err.cause as Error).message, 'Ready=False (ConfigMapExists)');
      return true;
    },
  );
  const took = Date.now() - started;
  assert.ok(took >= 200 && took < 1_000, `gave up after about the timeout (${took} ms)`);
});

test('an aborted signal ends the wait with its reason', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stopped')), 50);
  await assert.rejects(
    eventually('never', async () => undefined, { signal: controller.signal, intervalMs: 10 }),
    /stopped/,
  );
});
