import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigMap } from 'capstan';
import { createNamespace, eventually, kubectl, startOperator, testCluster } from 'capstan/testing';
import { HelloWorld } from '../src/api/hello-world.ts';

test('the sample HelloWorld gets its ConfigMap and becomes Ready under the generated RBAC', { timeout: 300_000 }, async (t) => {
  const cluster = await testCluster(t);
  const operator = await startOperator({ cluster, applyConfig: true, t });
  const namespace = await createNamespace(cluster, 'hello-world', t);
  await kubectl(cluster, ['apply', '--namespace', namespace, '-f', 'config/samples/hello-world.yaml']);

  const ready = await eventually(
    'the sample HelloWorld to be Ready=True',
    async () => {
      const object = await cluster.admin.resource(HelloWorld).get('hello-world', { namespace });
      const condition = object.status?.conditions?.find((c) => c.type === 'Ready');
      return condition?.status === 'True' && object.status?.observedGeneration === object.metadata.generation ? object : undefined;
    },
    { describe: operator.describe },
  );
  assert.equal(ready.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Reconciled');
  const configMap = await cluster.admin.resource(ConfigMap).get('hello-world', { namespace });
  assert.equal(configMap.data?.['message'], 'Hello from the Operator!');
  assert.equal(configMap.metadata.ownerReferences?.[0]?.uid, ready.metadata.uid);
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
