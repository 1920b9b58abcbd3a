import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOperator } from './run-operator.ts';

test('hello-world-operator starts under the generated RBAC, becomes ready and is refused nothing', { timeout: 300_000 }, async (t) => {
  const operator = await startOperator(t);
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
