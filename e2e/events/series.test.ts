import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventRecorder } from '../../src/events/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

interface EventObject {
  reason: string;
  type: string;
  note: string;
  series?: { count: number };
  reportingController: string;
}

test('10 identical events become one Event with series.count of 10 on the API server', { timeout: 60_000 }, async () => {
  const cluster = await sharedCluster();
  const ns = uniqueName('events');
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const cm = await cluster.admin.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    body: { metadata: { name: 'subject' } },
  });
  const errors: unknown[] = [];
  const recorder = new EventRecorder({
    client: cluster.admin,
    controller: 'capstan.test/events',
    instance: 'test',
    onError: (e) => errors.push(e),
  });
  const regarding = { apiVersion: 'v1', kind: 'ConfigMap', name: 'subject', namespace: ns, uid: cm.metadata.uid };
  for (let i = 0; i < 10; i++)
    recorder.emit({ regarding, type: 'Warning', reason: 'SomethingFailed', action: 'Reconcile', note: 'the same failure' });
  recorder.emit({ regarding, type: 'Normal', reason: 'Reconciled', action: 'Reconcile', note: 'fine now' });
  await recorder.close();
  assert.deepEqual(errors, []);

  const list = await cluster.admin.request<{ items: EventObject[] }>({ path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` });
  const failures = list.items.filter((e) => e.reason === 'SomethingFailed');
  assert.equal(failures.length, 1, 'one Event for the ten identical ones');
  assert.equal(failures[0]!.series?.count, 10);
  assert.equal(failures[0]!.reportingController, 'capstan.test/events');
  assert.equal(list.items.filter((e) => e.reason === 'Reconciled').length, 1);
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` });
});
