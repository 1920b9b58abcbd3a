// Restarting the operator on a converged cluster writes nothing: 500 Widgets, a restart, and the audit log
// read up to a marker request shows no create, update, patch or delete from the operator (Events included).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/core/index.ts';
import { type AuditEvent, type Cluster, eventually, metricValue, isObjectWrite } from '../../src/testing/index.ts';
import { installWidgets, widgetController, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { type InProcessManager, startInProcessManager } from '../support/in-process-manager.ts';

const count = 500;
let cluster: Cluster;
let Widget: WidgetKind;
let operator: InProcessManager | undefined;
const ns = uniqueName('restart');

before(async () => {
  cluster = await sharedCluster();
  Widget = await installWidgets(cluster, ns, 'restart');
});
after(async () => {
  await operator?.stop();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface WidgetList {
  items: Array<KubeObject & { status?: { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } }>;
}

test(`restarting the operator on ${count} converged Widgets writes nothing`, { timeout: 600_000 }, async () => {
  const definition = widgetController(Widget);
  operator = await startInProcessManager(cluster, definition, { namespace: ns, name: 'widget-operator' });
  const path = `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`;
  await inParallel([...Array(count).keys()], 20, (i) =>
    cluster.admin.request({
      method: 'POST',
      path,
      body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name: `w-${i}` }, spec: { message: `message ${i}` } },
    }),
  );
  await eventually(
    `all ${count} Widgets Ready=True at their generation`,
    async () => {
      const list = await cluster.admin.request<WidgetList>({ path });
      const converged = list.items.filter(
        (w) =>
          w.status?.observedGeneration === w.metadata.generation &&
          w.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return converged.length === count ? true : undefined;
    },
    { timeoutMs: 300_000 },
  );
  await operator.stop();

  const restartedAt = new Date();
  operator = await startInProcessManager(cluster, definition, { namespace: ns, name: 'widget-operator' });
  const settled = Date.now();
  await eventually(
    `${count} reconciles after the restart, and an empty queue`,
    async () => {
      const text = await operator!.metrics();
      const reconciled = metricValue(text, 'controller_runtime_reconcile_total', { controller: 'widget', result: 'success' }) ?? 0;
      const depth = metricValue(text, 'workqueue_depth', { name: 'widget', controller: 'widget' });
      return reconciled >= count && depth === 0 ? true : undefined;
    },
    { timeoutMs: 120_000 },
  );
  const quietFor = 10_000 - (Date.now() - settled);
  if (quietFor > 0) await new Promise((resolve) => setTimeout(resolve, quietFor));

  const marker = `marker-${randomUUID()}`;
  await cluster.admin.request({ path: `/api/v1/namespaces/${ns}/configmaps/${marker}` }).catch(() => undefined);
  const events = await eventually(
    'the marker in the audit log',
    async () => {
      const all = await cluster.auditEvents();
      const end = all.findIndex((e) => e.requestURI.includes(marker));
      return end < 0 ? undefined : all.slice(0, end);
    },
    { timeoutMs: 10_000 },
  );
  const writes = events.filter(
    (e: AuditEvent) => e.user.username === operator!.username && new Date(e.requestReceivedTimestamp) >= restartedAt && isObjectWrite(e),
  );
  assert.deepEqual(
    writes.map((e) => `${e.verb} ${e.requestURI}`),
    [],
    'no write after the restart',
  );
  const reads = events.filter((e) => e.user.username === operator!.username && new Date(e.requestReceivedTimestamp) >= restartedAt);
  assert.ok(
    reads.some((e) => e.verb === 'list' || /[?&]sendInitialEvents=true/.test(e.requestURI)),
    'the restarted operator did talk to the API server (its lists, streamed or not, are in the audit log)',
  );
});
