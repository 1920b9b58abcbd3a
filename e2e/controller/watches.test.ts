// Watches and predicates on a real control plane: a Secret change reconciles exactly the Widgets that reference
// it, found by `.watches(Secret, map)` through a field index on the Widgets; with `generationChanged`, a
// status-only update of a Widget reconciles nothing (read from controller_runtime_reconcile_total).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { controller, done, generationChanged } from '../../src/controller/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { Secret } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually, forbiddenSince, metricValue } from '../../src/testing/index.ts';
import { installWidgets, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { type InProcessManager, startInProcessManager } from '../support/in-process-manager.ts';

interface WidgetObject extends KubeObject {
  spec: { message: string };
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

let cluster: Cluster;
let Widget: WidgetKind;
let operator: InProcessManager;
const ns = uniqueName('watches');
const startedAt = new Date();

/** A Widget's spec.message names a Secret; its Seen condition reports the Secret's `token`. */
function watcher(kind: WidgetKind) {
  return controller(kind)
    .named('watcher')
    .predicates(generationChanged)
    .index(kind, 'bySecret', (widget) => [widget.spec.message])
    .watches(Secret, async (secret, reads) =>
      (await reads.list(kind, { namespace: secret.metadata.namespace, index: { name: 'bySecret', value: secret.metadata.name! } })).map(
        (w) => `${w.metadata.namespace}/${w.metadata.name}`,
      ),
    )
    .reconcile(async (ctx) => {
      if (!ctx.object) return done();
      const secret = await ctx.get(Secret, ctx.object.spec.message);
      const token = secret?.data?.['token'] ? Buffer.from(secret.data['token'], 'base64').toString() : 'none';
      await ctx.applyStatus([{ type: 'Seen', status: 'True', reason: 'Read', message: `token ${token}` }]);
      return done();
    });
}

before(async () => {
  cluster = await sharedCluster();
  Widget = await installWidgets(cluster, ns, 'watches');
  operator = await startInProcessManager(cluster, watcher(Widget), { namespace: ns, name: 'watches-operator' });
});
after(async () => {
  await operator?.stop();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const widgets = () => `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`;
const seen = async (name: string) =>
  (await cluster.admin.request<WidgetObject>({ path: `${widgets()}/${name}` })).status?.conditions?.find((c) => c.type === 'Seen')?.message;
const putSecret = (name: string, token: string) =>
  cluster.admin.resource(Secret).apply(
    { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: { token } },
    {
      fieldManager: 'watches-test',
      force: true,
    },
  );
const reconciles = async () => metricValue(await operator.metrics(), 'controller_runtime_reconcile_total', { controller: 'watcher' }) ?? 0;

test('a Secret change reconciles the Widgets that reference it (a map function through an index), and only those', async () => {
  await putSecret('db', 'one');
  await putSecret('cache', 'uno');
  for (const [name, secret] of [
    ['a', 'db'],
    ['b', 'db'],
    ['c', 'cache'],
  ] as const) {
    await cluster.admin.request({
      method: 'POST',
      path: widgets(),
      body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name }, spec: { message: secret } },
    });
  }
  await eventually('every Widget to see its token', async () =>
    (await seen('a')) === 'token one' && (await seen('b')) === 'token one' && (await seen('c')) === 'token uno' ? true : undefined,
  );
  await sleep(1_000); // the status writes' echoes pass by (filtered: status-only)
  const before = await reconciles();
  await putSecret('db', 'two');
  await eventually('a and b to see the new token', async () =>
    (await seen('a')) === 'token two' && (await seen('b')) === 'token two' ? true : undefined,
  );
  assert.equal(await seen('c'), 'token uno');
  await eventually('both reconciles to be counted', async () => ((await reconciles()) >= before + 2 ? true : undefined));
  await sleep(1_000);
  assert.equal(await reconciles(), before + 2, 'a and b reconciled once each; c not at all');
});

test('with generationChanged, a status-only update reconciles nothing; a spec change reconciles once', async () => {
  const before = await reconciles();
  await cluster.admin.request({
    method: 'PATCH',
    path: `${widgets()}/c/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        conditions: [{ type: 'Other', status: 'True', reason: 'ByHand', message: 'x', lastTransitionTime: new Date().toISOString() }],
      },
    },
  });
  // The update reaches the operator's cache within milliseconds on loopback; 2 s is the margin for a loaded machine.
  await sleep(2_000);
  assert.equal(await reconciles(), before, 'no reconcile for the status-only update');
  await cluster.admin.request({
    method: 'PATCH',
    path: `${widgets()}/c`,
    contentType: 'application/merge-patch+json',
    body: { spec: { message: 'db' } },
  });
  await eventually('c to see the db token', async () => ((await seen('c')) === 'token two' ? true : undefined));
  // The status write lands before the reconcile returns and is counted: wait for the count, then for any echo.
  await eventually('the reconcile to be counted', async () => ((await reconciles()) > before ? true : undefined));
  await sleep(1_000);
  assert.equal(await reconciles(), before + 1, 'one reconcile for the spec change');
  assert.deepEqual(await forbiddenSince(cluster, operator.username, startedAt), []);
});
