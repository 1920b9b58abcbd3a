// The operator's controller, run by a real Manager (caches, work queue, reconcile, server-side apply, events) over the
// in-memory API server of capstan/testing: no control plane, so it runs with the unit tests, in well under a second.
// What the fake cannot tell (RBAC, the CRD's schema, the garbage collector's timing) the cluster tests beside it do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigMap, Manager } from 'capstan';
import { Event } from 'capstan/kinds/events/v1';
import { eventually, fakeApiServer } from 'capstan/testing';
import { HelloWorld } from '../src/api/hello-world.ts';
import { helloWorldController, managedBy } from '../src/controllers/hello-world.ts';

test('a HelloWorld gets its ConfigMap carrying spec.name and becomes Ready, over the in-memory API server', {
  timeout: 10_000,
}, async () => {
  const server = fakeApiServer({ kinds: [HelloWorld, ConfigMap, Event] });
  const client = server.client();
  const manager = new Manager({ client, logLevel: 'silent' });
  manager.add(helloWorldController);
  await manager.start();
  try {
    const created = await client.resource(HelloWorld).create({
      apiVersion: 'apps.example.com/v1alpha1',
      kind: 'HelloWorld',
      metadata: { name: 'hello-world', namespace: 'demo' },
      spec: { name: 'Hello from the Operator!' },
    });
    const configMap = await eventually('the ConfigMap hello-world', async () => server.object(ConfigMap, 'hello-world', 'demo'), {
      timeoutMs: 2_000,
      intervalMs: 5,
    });
    assert.equal(configMap.data?.['message'], 'Hello from the Operator!');
    assert.equal(configMap.metadata.labels?.['app.kubernetes.io/managed-by'], managedBy);
    assert.equal(configMap.metadata.ownerReferences?.[0]?.uid, created.metadata.uid);
    const ready = await eventually(
      'the HelloWorld to be Ready=True',
      async () =>
        server.object(HelloWorld, 'hello-world', 'demo')?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True'),
      { timeoutMs: 2_000, intervalMs: 5 },
    );
    assert.equal(ready.reason, 'Reconciled');

    // Deleting the HelloWorld takes its ConfigMap with it, as the garbage collector would (the fake collects at once).
    await client.resource(HelloWorld).delete('hello-world', { namespace: 'demo' });
    assert.equal(server.object(ConfigMap, 'hello-world', 'demo'), undefined);
  } finally {
    await manager.stop();
    server.close();
  }
});
