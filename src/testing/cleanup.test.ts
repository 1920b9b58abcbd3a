import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanUpAfter } from './cleanup.ts';

test('one hook per scope; clean-ups run last-registered first, every one even when some fail', async () => {
  const hooks: Array<() => Promise<void>> = [];
  const scope = { after: (fn: () => Promise<void>) => hooks.push(fn) };
  const ran: string[] = [];
  cleanUpAfter(scope, async () => void ran.push('close the cluster'));
  cleanUpAfter(scope, async () => {
    ran.push('stop the operator');
    throw new Error('exited with 1 on SIGTERM');
  });
  cleanUpAfter(scope, async () => void ran.push('delete the namespace'));
  assert.equal(hooks.length, 1);
  await assert.rejects(hooks[0]!(), /exited with 1 on SIGTERM/);
  assert.deepEqual(ran, ['delete the namespace', 'stop the operator', 'close the cluster']);
});
