// Reads in a reconcile, on a real control plane: two controllers of one manager share one cache per kind (one
// list and one watch per kind at the server, from the audit log); a reconcile lists ConfigMaps by a field index;
// a read of an undeclared kind is refused with a message naming the builder call; nothing is refused by RBAC
// generated from the declarations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { controller, done, type ReconcileContext, ReadError } from '../../src/controller/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { ConfigMap, Secret } from '../../src/kinds/core/v1.ts';
import { type Cluster, eventually, forbiddenSince } from '../../src/testing/index.ts';
import { installWidgets, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';
import { type InProcessManager, startInProcessManager } from '../support/in-process-manager.ts';

interface WidgetObject extends KubeObject {
  spec: { message: string };
  status?: { conditions?: Array<{ type: string; status: string; reason: string; message?: string }> };
}

let cluster: Cluster;
let Widget: WidgetKind;
let operator: InProcessManager;
const ns = uniqueName('reads');
const startedAt = new Date();

/** Reports, in its Indexed condition, the ConfigMaps of the Widget's namespace whose data.widget names it. */
function indexer(kind: WidgetKind) {
  return controller(kind)
    .named('indexer')
    .reads(ConfigMap)
    .index(ConfigMap, 'byWidget', (cm) => (cm.data?.['widget'] ? [cm.data['widget']] : []))
    .reconcile(async (ctx) => {
      if (!ctx.object) return done();
      const found = await ctx.list(ConfigMap, { namespace: ctx.namespace, index: { name: 'byWidget', value: ctx.name } });
      const names = found.map((cm) => cm.metadata.name).sort();
      await ctx.applyStatus([{ type: 'Indexed', status: 'True', reason: 'Listed', message: names.join(',') || '-' }]);
      return done();
    });
}

/** Reads ConfigMaps too (the same cache), and tries a Secret it never declared; reports the refusal. */
function reader(kind: WidgetKind) {
  return controller(kind)
    .named('reader')
    .reads(ConfigMap)
    .reconcile(async (ctx: ReconcileContext<KubeObject>) => {
      if (!ctx.object) return done();
      const all = await ctx.list(ConfigMap, { namespace: ctx.namespace });
      let refusal = 'none';
      try {
        await ctx.get(Secret, 'db');
      } catch (err) {
        if (!(err instanceof ReadError)) throw err;
        refusal = `${err.code}: ${err.message}`;
      }
      await ctx.applyStatus([{ type: 'Read', status: 'True', reason: 'Listed', message: `${all.length} configmaps; ${refusal}` }]);
      return done();
    });
}

before(async () => {
  cluster = await sharedCluster();
  Widget = await installWidgets(cluster, ns, 'reads');
  operator = await startInProcessManager(cluster, [indexer(Widget), reader(Widget)], { namespace: ns, name: 'reads-operator' });
});
after(async () => {
  await operator?.stop();
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const widgets = () => `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`;
const condition = async (name: string, type: string) =>
  (await cluster.admin.request<WidgetObject>({ path: `${widgets()}/${name}` })).status?.conditions?.find((c) => c.type === type);

test('a reconcile lists ConfigMaps through a field index, from the shared cache, and sees a new one', async () => {
  const configMap = (name: string, widget: string) =>
    cluster.admin.resource(ConfigMap).create({ metadata: { name, namespace: ns }, data: { widget } }, { namespace: ns });
  await configMap('a1', 'alpha');
  await configMap('a2', 'alpha');
  await configMap('b1', 'beta');
  await cluster.admin.request({
    method: 'POST',
    path: widgets(),
    body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name: 'alpha' }, spec: { message: 'a' } },
  });
  await eventually('Indexed to list a1 and a2', async () =>
    (await condition('alpha', 'Indexed'))?.message === 'a1,a2' ? true : undefined,
  );
  // A change of a ConfigMap is not a change of the Widget (nothing is watched here): touch the Widget to reconcile again.
  await configMap('a3', 'alpha');
  await cluster.admin.request({
    method: 'PATCH',
    path: `${widgets()}/alpha`,
    contentType: 'application/merge-patch+json',
    body: { spec: { message: 'b' } },
  });
  await eventually('Indexed to list a1, a2 and a3', async () =>
    (await condition('alpha', 'Indexed'))?.message === 'a1,a2,a3' ? true : undefined,
  );
});

test('a read of an undeclared kind is refused with the builder call that would declare it', async () => {
  const read = await eventually('the Read condition', () => condition('alpha', 'Read'));
  assert.match(
    read.message ?? '',
    /^\d+ configmaps; UNDECLARED_READ: ctx\.get\(Secret\): controller reader does not declare reading Secret: add \.reads\(Secret\)/,
  );
});

test('two controllers share one cache per kind: one request of each at the server (a streaming list), and nothing refused', async () => {
  // One audit event per request: a list when it completes; a watch (long-running) when its response starts. The
  // cache's list is a streaming list: a watch with sendInitialEvents=true, which goes on as its watch.
  const events = (await cluster.auditEvents()).filter(
    (e) =>
      e.user.username === operator.username &&
      ((e.verb === 'list' && e.stage === 'ResponseComplete') || (e.verb === 'watch' && e.stage === 'ResponseStarted')),
  );
  const count = (resource: string, verb: string) => events.filter((e) => e.objectRef?.resource === resource && e.verb === verb).length;
  const summary = events.map((e) => `${e.verb} ${e.requestURI}`).join('\n');
  for (const resource of ['widgets', 'configmaps']) {
    assert.equal(count(resource, 'list'), 0, `no plain list of ${resource}:\n${summary}`);
    assert.equal(count(resource, 'watch'), 1, `one watch of ${resource}, the streaming list:\n${summary}`);
    assert.ok(
      events.some((e) => e.objectRef?.resource === resource && /[?&]sendInitialEvents=true/.test(e.requestURI)),
      `the watch of ${resource} streams its initial objects:\n${summary}`,
    );
  }
  assert.deepEqual(await forbiddenSince(cluster, operator.username, startedAt), []);
});
