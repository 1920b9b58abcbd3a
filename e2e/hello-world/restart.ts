// Restarting the operator on a converged cluster writes nothing: 200 HelloWorlds (and whatever the other
// scenarios left) converge, the operator is stopped and started again, and once it has reconciled every one
// of them the audit log, read up to a marker request, shows no create, update, patch or delete from it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuditEvent,
  eventually,
  forbiddenSince,
  metricValue,
  type RunningOperator,
  startOperator,
  isObjectWrite,
} from '../../src/testing/index.ts';
import { HelloWorld, readyCondition, type Scenario } from './scenario.ts';
import { exampleOperator, operatorUser } from './support.ts';

export const restartCount = 200;

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Stops `running`, restarts it, checks, and returns the restarted operator (the caller stops it). */
export async function restartWritesNothing(s: Scenario, running: RunningOperator): Promise<RunningOperator> {
  const ns = await s.namespace('hw-restart');
  const helloWorlds = s.cluster.admin.resource(HelloWorld);
  await inParallel([...Array(restartCount).keys()], 20, (i) =>
    helloWorlds.create(
      {
        apiVersion: HelloWorld.apiVersion,
        kind: 'HelloWorld',
        metadata: { name: `hw-${i}` },
        spec: { name: `Hello number ${i}` },
      },
      { namespace: ns },
    ),
  );
  const total = await eventually(
    'every HelloWorld in the cluster Ready=True at its generation',
    async () => {
      const all = (await helloWorlds.list()).items;
      const converged = all.filter((o) => o.status?.observedGeneration === o.metadata.generation && readyCondition(o)?.status === 'True');
      return all.length >= restartCount && converged.length === all.length ? all.length : undefined;
    },
    { timeoutMs: 180_000 },
  );
  assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, s.installedAt), []);
  await running.stop();

  const restartedAt = new Date();
  const restarted = await startOperator(exampleOperator(s.cluster, s.operatorKubeconfig));
  const success = ['controller_runtime_reconcile_total', { controller: 'helloworld', result: 'success' }] as const;
  await eventually(
    `${total} reconciles after the restart and an empty queue`,
    async () => {
      const text = await restarted.metrics();
      return (metricValue(text, ...success) ?? 0) >= total &&
        metricValue(text, 'workqueue_depth', { name: 'helloworld', controller: 'helloworld' }) === 0
        ? true
        : undefined;
    },
    { timeoutMs: 120_000 },
  );
  // Events are sent in the background, in batches: give anything that would be sent time to be.
  await sleep(3_000);

  const marker = `marker-${randomUUID()}`;
  await s.configMap(ns, marker);
  const events = await eventually(
    'the marker in the audit log',
    async () => {
      const all = await s.cluster.auditEvents();
      const end = all.findIndex((e) => e.requestURI.includes(marker));
      return end < 0 ? undefined : all.slice(0, end);
    },
    { timeoutMs: 10_000 },
  );
  const ours = events.filter((e: AuditEvent) => e.user.username === operatorUser && new Date(e.requestReceivedTimestamp) >= restartedAt);
  const writes = ours.filter((e) => isObjectWrite(e));
  process.stdout.write(
    `# restart on ${total} converged HelloWorlds: ${ours.filter((e) => e.stage === 'ResponseComplete').length} requests, ${writes.length} writes (Lease excluded)\n`,
  );
  assert.deepEqual(
    writes.map((e) => `${e.verb} ${e.requestURI}`),
    [],
    'no write after the restart',
  );
  assert.ok(
    // A streaming list (a watch with sendInitialEvents=true), or a plain list where the server refuses that.
    ours.some((e) => (e.verb === 'list' || /[?&]sendInitialEvents=true/.test(e.requestURI)) && e.objectRef?.resource === 'helloworlds'),
    'the restarted operator did list the HelloWorlds',
  );
  return restarted;
}
