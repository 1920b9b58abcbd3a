import assert from 'node:assert/strict';
import { test } from 'node:test';
// eslint-disable-next-line no-restricted-imports -- the project's own schema; the rule means Capstan's src/.
import { HelloWorld } from '../src/api/hello-world.ts';
import { ConfigMap } from 'capstan/core';
import { startOperator } from './run-operator.ts';

test('the sample HelloWorld gets its ConfigMap and becomes Ready under the generated RBAC', { timeout: 300_000 }, async (t) => {
  const operator = await startOperator(t);
  const namespace = await operator.createNamespace('hello-world');
  await operator.kubectl('apply', '--namespace', namespace, '-f', 'config/samples/hello-world.yaml');

  const ready = await operator.eventually('the sample HelloWorld to be Ready=True', async () => {
    const object = await operator.cluster.admin.resource(HelloWorld).get('hello-world', { namespace });
    const condition = object.status?.conditions?.find((c) => c.type === 'Ready');
    return condition?.status === 'True' && object.status?.observedGeneration === object.metadata.generation ? object : undefined;
  });
  assert.equal(ready.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Reconciled');
  const configMap = await operator.cluster.admin.resource(ConfigMap).get('hello-world', { namespace });
  assert.equal(configMap.data?.['message'], 'Hello from the Operator!');
  assert.equal(configMap.metadata.ownerReferences?.[0]?.uid, ready.metadata.uid);
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
