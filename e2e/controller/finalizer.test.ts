// Finalizers with an external resource (a file per Widget): cleanup runs before the finalizer goes, a
// failing cleanup keeps it and backs off, and an object deleted while the operator was down is cleaned up
// after a restart. The operator runs as its own process under the generated RBAC.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { metricsAuthRules, rulesFor } from '../../src/manifests/index.ts';
import { type Cluster, eventually, metricValue, type RunningOperator, startOperator } from '../../src/testing/index.ts';
import { fileFinalizer, installWidgets, widgetController, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

let cluster: Cluster;
let Widget: WidgetKind;
let dir: string;
let credentials: { kubeconfigPath: string; username: string };
let operator: RunningOperator | undefined;
const ns = uniqueName('fin');
const widgets = () => `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`;
const fileOf = (name: string) => join(dir, `${ns}_${name}`);

before(async () => {
  cluster = await sharedCluster();
  dir = await mkdtemp(join(tmpdir(), 'capstan-finalizer-'));
  Widget = await installWidgets(cluster, ns, 'finalizer');
  const sa = await cluster.serviceAccountKubeconfig({
    namespace: ns,
    name: 'widget-operator',
    clusterRules: [...rulesFor([widgetController(Widget, { finalizerDir: dir }).declaration]), ...metricsAuthRules], // and the rights to check who reads /metrics
  });
  credentials = sa;
});
after(async () => {
  operator?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const widgetMain = new URL('../fixtures/widget-operator-main.ts', import.meta.url).pathname;
/** The test operator as its own process, under the ServiceAccount of the generated rules. */
const startWidgetOperator = () =>
  startOperator({
    cluster,
    main: widgetMain,
    credentials,
    leaderElection: false,
    args: ['--log-level=debug'],
    env: { WIDGET_GROUP: Widget.group, FINALIZER_DIR: dir },
  });
const create = (name: string) =>
  cluster.admin.request({
    method: 'POST',
    path: widgets(),
    body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name }, spec: { message: `for ${name}` } },
  });
const get = (name: string) =>
  cluster.admin.request<KubeObject>({ path: `${widgets()}/${name}` }).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
const withFile = (name: string) =>
  eventually(
    `the file and finalizer of ${name}`,
    async () => (existsSync(fileOf(name)) && (await get(name))?.metadata.finalizers?.includes(fileFinalizer) ? true : undefined),
    { timeoutMs: 20_000 },
  );

test('cleanup runs before the finalizer goes; a failing cleanup keeps it and backs off', { timeout: 120_000 }, async () => {
  operator = await startWidgetOperator();
  await create('one');
  await withFile('one');
  await cluster.admin.request({ method: 'DELETE', path: `${widgets()}/one` });
  const timeline: string[] = [];
  await eventually(
    'Widget one gone',
    async () => {
      const object = await get('one');
      const file = existsSync(fileOf('one'));
      timeline.push(`object ${object ? 'present' : 'gone'}, file ${file ? 'present' : 'gone'}`);
      assert.ok(object || !file, `the object went before its cleanup:\n${timeline.join('\n')}`);
      return object ? undefined : true;
    },
    { timeoutMs: 20_000 },
  );
  assert.equal(existsSync(fileOf('one')), false);

  await writeFile(join(dir, 'fail-cleanup'), '');
  await create('two');
  await withFile('two');
  const retriesBefore = metricValue(await operator.metrics(), 'workqueue_retries_total', { name: 'widget', controller: 'widget' }) ?? 0;
  await cluster.admin.request({ method: 'DELETE', path: `${widgets()}/two` });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const held = await get('two');
  assert.ok(held?.metadata.deletionTimestamp, 'still there, being deleted');
  assert.deepEqual(held.metadata.finalizers, [fileFinalizer], 'a failed cleanup keeps the finalizer');
  assert.ok(existsSync(fileOf('two')));
  const retries =
    (metricValue(await operator.metrics(), 'workqueue_retries_total', { name: 'widget', controller: 'widget' }) ?? 0) - retriesBefore;
  assert.ok(retries >= 3, `retried with backoff (${retries} retries in 3 s)`);
  assert.ok(retries < 20, `backoff, not a hot loop (${retries} retries in 3 s)`);
  await rm(join(dir, 'fail-cleanup'));
  await eventually('Widget two gone once the cleanup succeeds', async () => ((await get('two')) ? undefined : true), { timeoutMs: 30_000 });
  assert.equal(existsSync(fileOf('two')), false);
});

test('an object deleted while the operator was down is cleaned up after restart', { timeout: 120_000 }, async () => {
  operator ??= await startWidgetOperator();
  await create('three');
  await withFile('three');
  operator.kill('SIGTERM');
  assert.equal(await operator.exited, 0, 'a graceful shutdown');
  operator = undefined;
  await cluster.admin.request({ method: 'DELETE', path: `${widgets()}/three` });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.ok((await get('three'))?.metadata.deletionTimestamp, 'held by the finalizer while nobody runs the cleanup');
  assert.ok(existsSync(fileOf('three')));
  operator = await startWidgetOperator();
  await eventually('Widget three cleaned up after the restart', async () => ((await get('three')) ? undefined : true), {
    timeoutMs: 30_000,
  });
  assert.equal(existsSync(fileOf('three')), false);
  operator.kill('SIGTERM');
  await operator.exited;
  operator = undefined;
});
