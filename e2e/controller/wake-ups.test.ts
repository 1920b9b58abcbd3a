// The queue and wake-ups on a real control plane: a change made while a 5,000-key startup list is queued is
// reconciled while most of that backlog still waits (asserted by order: the startup list is low priority);
// manager.enqueue and a reconcileOn source reconcile the keys they are given.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { controller, done } from '../../src/controller/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually, forbiddenSince, metricValue } from '../../src/testing/index.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { type InProcessManager, startInProcessManager } from '../support/in-process-manager.ts';

const backlog = 5_000;
const ns = uniqueName('wake');
let cluster: Cluster;
let operator: InProcessManager;
const startedAt = new Date();

/** Keys pushed from outside the cluster: an async iterable a test writes to. */
function channel() {
  const waiting: Array<(key: string) => void> = [];
  const pending: string[] = [];
  return {
    push(key: string) {
      const take = waiting.shift();
      if (take) take(key);
      else pending.push(key);
    },
    async *[Symbol.asyncIterator]() {
      for (;;) yield pending.shift() ?? (await new Promise<string>((resolve) => waiting.push(resolve)));
    },
  };
}

const reconciled: string[] = [];
const outside = channel();
// One worker, a few milliseconds per key: the startup list of 5,000 keys takes tens of seconds to work off.
const prioritized = controller(ConfigMap)
  .named('prioritized')
  .reconcileOn(outside)
  .reconcile(async (ctx) => {
    if (ctx.namespace === ns) reconciled.push(ctx.name);
    await sleep(4);
    return done();
  });

before(async () => {
  cluster = await sharedCluster();
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const names = Array.from({ length: backlog }, (_, i) => `cm-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names
        .slice(i, i + 50)
        .map((name) =>
          cluster.admin
            .resource(ConfigMap)
            .create({ metadata: { name, namespace: ns, labels: { 'capstan-wake-test': ns } } }, { namespace: ns }),
        ),
    );
  }
  operator = await startInProcessManager(cluster, prioritized, { namespace: ns, name: 'wake-operator' });
});
after(async () => {
  await operator?.stop();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const depth = async () => metricValue(await operator.metrics(), 'workqueue_depth', { name: 'prioritized' }) ?? Number.NaN;

test(`a change made while a ${backlog}-key startup list is queued is reconciled before most of that backlog`, async () => {
  await cluster.admin.resource(ConfigMap).create({ metadata: { name: 'fresh', namespace: ns } }, { namespace: ns });
  const position = await eventually('the fresh ConfigMap to be reconciled', async () => {
    const at = reconciled.indexOf('fresh');
    return at >= 0 ? at : undefined;
  });
  const waiting = await depth();
  process.stdout.write(`# fresh reconciled as number ${position + 1} of ${backlog + 1}; the queue's depth then: ${waiting}\n`);
  assert.ok(position < backlog / 2, `reconciled at position ${position}, before half the backlog`);
  assert.ok(waiting > backlog / 4, `most of the backlog still waited (depth ${waiting})`);
});

test('manager.enqueue and a reconcileOn source reconcile the keys they are given', async () => {
  assert.equal(operator.manager.enqueue('prioritized', `${ns}/by-hand`), true);
  assert.throws(() => operator.manager.enqueue('nonesuch', `${ns}/x`), /no controller named "nonesuch"/);
  outside.push(`${ns}/from-outside`);
  await eventually('both keys to be reconciled', async () =>
    reconciled.includes('by-hand') && reconciled.includes('from-outside') ? true : undefined,
  );
  assert.deepEqual(await forbiddenSince(cluster, operator.username, startedAt), []);
});
