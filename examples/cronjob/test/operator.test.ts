// The operator as it runs in a cluster, on a local control plane (or the one `capstan control-plane up`
// runs): config/ applied, and src/main.ts started as its own process with a token of its ServiceAccount,
// which only the generated roles bind. A permission the code needs but does not declare fails here, not in
// production.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOperator, testCluster } from 'capstan/testing';

test('cronjob starts under the generated RBAC, becomes ready and is refused nothing', { timeout: 300_000 }, async (t) => {
  const cluster = await testCluster(t);
  const operator = await startOperator({ cluster, applyConfig: true, t });
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
