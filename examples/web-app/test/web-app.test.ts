// The sample WebApp on a local control plane that runs the deployment, replicaset and endpointslice controllers,
// with the operator as its own process under its generated RBAC. There is no kubelet: the kit's fake kubelet
// makes the Pods Running and Ready, so the Deployment controller itself reports them ready.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deployment, Service } from 'capstan';
import { createNamespace, eventually, kubectl, startFakeKubelet, startOperator, testCluster } from 'capstan/testing';
import { WebApp } from '../src/api/web-app.ts';

test('the sample WebApp gets a Deployment and a Service, and reports its Pods ready, under the generated RBAC', {
  timeout: 300_000,
}, async (t) => {
  const cluster = await testCluster(t, { controllers: ['deployment', 'replicaset', 'endpointslice'] });
  const operator = await startOperator({ cluster, applyConfig: true, t });
  const namespace = await createNamespace(cluster, 'web-app', t);
  await startFakeKubelet(cluster, { namespace, t });
  await kubectl(cluster, ['apply', '--namespace', namespace, '-f', 'config/samples/web-app.yaml']);

  const ready = await eventually(
    'the sample WebApp to report 2 ready replicas, Available=True',
    async () => {
      const object = await cluster.admin.resource(WebApp).get('web-app', { namespace });
      const available = object.status?.conditions?.find((c) => c.type === 'Available');
      return available?.status === 'True' && object.status?.readyReplicas === 2 ? object : undefined;
    },
    { describe: operator.describe, timeoutMs: 60_000 },
  );
  assert.equal(ready.status?.pods?.length, 2);
  const deployment = await cluster.admin.resource(Deployment).get('web-app', { namespace });
  assert.equal(deployment.spec?.template.spec?.containers[0]?.image, 'nginx:1.27');
  const service = await cluster.admin.resource(Service).get('web-app', { namespace });
  assert.equal(service.spec?.ports?.[0]?.port, 8080);
  assert.deepEqual(await operator.forbiddenRequests(), []);
});
