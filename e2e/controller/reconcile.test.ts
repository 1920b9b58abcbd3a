// The controller runtime on a real control plane, with a small test operator running under a
// ServiceAccount bound to the RBAC generated from its declaration.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isConflict, isNotFound } from '../../src/client/index.ts';
import { ensureChild } from '../../src/controller/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually, metricValue } from '../../src/testing/index.ts';
import { installWidgets, managedBy, widgetController, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { type InProcessManager, startInProcessManager } from '../support/in-process-manager.ts';

interface Cm extends KubeObject {
  data?: Record<string, string>;
}
interface WidgetObject extends KubeObject {
  spec: { message: string; mode?: string };
  status?: {
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; reason: string; lastTransitionTime: string }>;
  };
}
interface EventObject {
  reason: string;
  type: string;
  regarding: { name: string };
}

let cluster: Cluster;
let Widget: WidgetKind;
let operator: InProcessManager;
const ns = uniqueName('ctl');
const widgets = () => `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`;
const cms = `/api/v1/namespaces/${ns}/configmaps`;

before(async () => {
  cluster = await sharedCluster();
  Widget = await installWidgets(cluster, ns, 'reconcile');
  operator = await startInProcessManager(cluster, widgetController(Widget), { namespace: ns, name: 'widget-operator' });
});
after(async () => {
  await operator?.stop();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const createWidget = (name: string, spec: WidgetObject['spec']) =>
  cluster.admin.request<WidgetObject>({
    method: 'POST',
    path: widgets(),
    body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name }, spec },
  });
const getWidget = (name: string) => cluster.admin.request<WidgetObject>({ path: `${widgets()}/${name}` });
const getCm = (name: string) => cluster.admin.request<Cm>({ path: `${cms}/${name}` });
const ready = (w: WidgetObject) => w.status?.conditions?.find((c) => c.type === 'Ready');
const gone = async (path: string) =>
  cluster.admin.request({ path }).then(
    () => undefined,
    (err: unknown) => {
      if (isNotFound(err)) return true;
      throw err;
    },
  );
const events = async (name: string) =>
  (await cluster.admin.request<{ items: EventObject[] }>({ path: `/apis/events.k8s.io/v1/namespaces/${ns}/events` })).items.filter(
    (e) => e.regarding.name === name,
  );

test('a Widget gets its ConfigMap, owned by it, and Ready=True with observedGeneration', { timeout: 60_000 }, async () => {
  const created = await createWidget('alpha', { message: 'hello' });
  const cm = await eventually('the ConfigMap alpha', () => getCm('alpha').catch(() => undefined), { timeoutMs: 20_000 });
  assert.equal(cm.data?.['message'], 'hello');
  assert.equal(cm.metadata.labels?.['app.kubernetes.io/managed-by'], managedBy);
  assert.deepEqual(cm.metadata.ownerReferences, [
    {
      apiVersion: `${Widget.group}/v1`,
      kind: 'Widget',
      name: 'alpha',
      uid: created.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  const widget = await eventually(
    'Ready=True',
    async () => {
      const w = await getWidget('alpha');
      return ready(w)?.status === 'True' ? w : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(widget.status?.observedGeneration, widget.metadata.generation);
  assert.equal(ready(widget)?.reason, 'Reconciled');
  // Events are written in the background; wait for it, then check there is exactly one.
  await eventually('the Created event', async () => ((await events('alpha')).length > 0 ? true : undefined), { timeoutMs: 10_000 });
  assert.deepEqual(
    (await events('alpha')).map((e) => `${e.type}/${e.reason}`),
    ['Normal/Created'],
  );
});

test("drift of an owned field is repaired while a user's own keys are left alone; a deleted child comes back", {
  timeout: 60_000,
}, async () => {
  await createWidget('beta', { message: 'original' });
  await eventually('the ConfigMap beta', () => getCm('beta').catch(() => undefined), { timeoutMs: 20_000 });
  await cluster.admin.request({
    method: 'PATCH',
    path: `${cms}/beta`,
    contentType: 'application/merge-patch+json',
    body: { data: { message: 'edited', extra: 'mine' } },
  });
  const repaired = await eventually(
    'message repaired',
    async () => {
      const cm = await getCm('beta');
      return cm.data?.['message'] === 'original' ? cm : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(repaired.data?.['extra'], 'mine');
  const uid = repaired.metadata.uid;
  await cluster.admin.request({ method: 'DELETE', path: `${cms}/beta` });
  const recreated = await eventually(
    'ConfigMap beta recreated',
    async () => {
      const cm = await getCm('beta').catch(() => undefined);
      return cm && cm.metadata.uid !== uid ? cm : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(recreated.data?.['message'], 'original');
});

test('a write from a stale view gets 409 and nothing is lost; a fight with another writer converges', { timeout: 60_000 }, async () => {
  const owner = await createWidget('gamma', { message: 'mine' });
  const cm = await eventually('the ConfigMap gamma', () => getCm('gamma').catch(() => undefined), { timeoutMs: 20_000 });
  await cluster.admin.request({
    method: 'PATCH',
    path: `${cms}/gamma`,
    contentType: 'application/merge-patch+json',
    body: { data: { other: 'writer' } },
  });
  const stale = { ...cm, data: { message: 'old view' } };
  await assert.rejects(
    ensureChild({
      resource: cluster.admin.resource(ConfigMap),
      cache: { get: () => stale },
      owner: { ...owner, apiVersion: `${Widget.group}/v1`, kind: 'Widget' },
      desired: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gamma', namespace: ns }, data: { message: 'from stale view' } },
      fieldManager: 'test',
    }),
    (err: unknown) => isConflict(err),
  );
  assert.equal((await getCm('gamma')).data?.['other'], 'writer', 'the stale write changed nothing');

  const until = Date.now() + 3_000;
  for (let i = 0; Date.now() < until; i++) {
    await cluster.admin.request({
      method: 'PATCH',
      path: `${cms}/gamma`,
      contentType: 'application/merge-patch+json',
      body: { data: { message: `fight-${i}` } },
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  await eventually(
    'the controller to win the fight once it ends',
    async () => ((await getCm('gamma')).data?.['message'] === 'mine' ? true : undefined),
    { timeoutMs: 30_000 },
  );
});

test('deleting a Widget removes its ConfigMap through garbage collection', { timeout: 120_000 }, async () => {
  await createWidget('delta', { message: 'bye' });
  await eventually('the ConfigMap delta', () => getCm('delta').catch(() => undefined), { timeoutMs: 20_000 });
  await cluster.admin.request({ method: 'DELETE', path: `${widgets()}/delta` });
  await eventually('the garbage collector to delete ConfigMap delta', () => gone(`${cms}/delta`), { timeoutMs: 90_000 });
});

test('a ConfigMap that is not ours is never overwritten: Ready=False ConfigMapExists and a Warning, until it is gone', {
  timeout: 120_000,
}, async () => {
  await cluster.admin.request({
    method: 'POST',
    path: cms,
    body: { metadata: { name: 'taken', labels: { 'app.kubernetes.io/managed-by': managedBy } }, data: { message: "a user's" } },
  });
  await createWidget('taken', { message: 'ours' });
  const refused = await eventually(
    'Ready=False ConfigMapExists',
    async () => {
      const w = await getWidget('taken');
      return ready(w)?.reason === 'ConfigMapExists' ? w : undefined;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(ready(refused)?.status, 'False');
  const cm = await getCm('taken');
  assert.equal(cm.data?.['message'], "a user's");
  assert.equal(cm.metadata.ownerReferences, undefined, 'not adopted');
  // The event is written in the background, after the status.
  await eventually(
    'a Warning ConfigMapExists event',
    async () => ((await events('taken')).some((e) => e.type === 'Warning' && e.reason === 'ConfigMapExists') ? true : undefined),
    { timeoutMs: 10_000 },
  );

  await cluster.admin.request({ method: 'DELETE', path: `${cms}/taken` });
  const boundMs = 30_000 + 10_000;
  process.stdout.write(`# collision recovery bound: requeue 30 s + 10 s margin = ${boundMs} ms\n`);
  await eventually(
    'recovery once the foreign ConfigMap is gone',
    async () => ((await getCm('taken').catch(() => undefined))?.data?.['message'] === 'ours' ? true : undefined),
    { timeoutMs: boundMs },
  );
});

test('a terminal error is counted, reported once as a Warning, and not retried until the spec changes', { timeout: 60_000 }, async () => {
  const series = ['controller_runtime_terminal_reconcile_errors_total', { controller: 'widget' }] as const;
  const before = metricValue(await operator.metrics(), ...series) ?? 0;
  await createWidget('epsilon', { message: 'x', mode: 'terminal' });
  await eventually(
    'a Warning InvalidSpec event',
    async () => ((await events('epsilon')).some((e) => e.reason === 'InvalidSpec') ? true : undefined),
    { timeoutMs: 20_000 },
  );
  assert.equal(metricValue(await operator.metrics(), ...series), before + 1);
  // A change that keeps the generation (a label) must not retry it; wait well past the first backoff steps.
  await cluster.admin.request({
    method: 'PATCH',
    path: `${widgets()}/epsilon`,
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { touched: 'yes' } } },
  });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal(metricValue(await operator.metrics(), ...series), before + 1, 'not retried');
  await cluster.admin.request({
    method: 'PATCH',
    path: `${widgets()}/epsilon`,
    contentType: 'application/merge-patch+json',
    body: { spec: { mode: 'normal' } },
  });
  await eventually(
    'Ready=True after the spec changed',
    async () => (ready(await getWidget('epsilon'))?.status === 'True' ? true : undefined),
    { timeoutMs: 20_000 },
  );
});

test('/metrics: reconciles counted, the queue drained, every controller-runtime name present', { timeout: 60_000 }, async () => {
  const success = ['controller_runtime_reconcile_total', { controller: 'widget', result: 'success' }] as const;
  const start = metricValue(await operator.metrics(), ...success) ?? 0;
  const n = 5;
  for (let i = 0; i < n; i++) await createWidget(`metric-${i}`, { message: `m${i}` });
  await eventually(
    `${n} more successful reconciles`,
    async () => ((metricValue(await operator.metrics(), ...success) ?? 0) >= start + n ? true : undefined),
    { timeoutMs: 30_000 },
  );
  const text = await eventually(
    'workqueue_depth back to 0',
    async () => {
      const t = await operator.metrics();
      return metricValue(t, 'workqueue_depth', { name: 'widget', controller: 'widget' }) === 0 ? t : undefined;
    },
    { timeoutMs: 20_000 },
  );
  for (const name of [
    'controller_runtime_reconcile_total',
    'controller_runtime_reconcile_errors_total',
    'controller_runtime_terminal_reconcile_errors_total',
    'controller_runtime_reconcile_time_seconds_bucket',
    'controller_runtime_active_workers',
    'controller_runtime_max_concurrent_reconciles',
    'workqueue_depth',
    'workqueue_adds_total',
    'workqueue_retries_total',
    'workqueue_queue_duration_seconds_bucket',
    'workqueue_work_duration_seconds_bucket',
    'workqueue_longest_running_processor_seconds',
  ])
    assert.match(text, new RegExp(`^${name}\\{[^}]*controller="widget"`, 'm'), `${name}{controller="widget"} is exposed`);
  assert.equal(metricValue(text, 'controller_runtime_max_concurrent_reconciles', { controller: 'widget' }), 4);
  assert.match(text, /^process_cpu_seconds_total /m);
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
});
