// Children by server-side apply on a real API server: the local no-op judgement agrees with the server's
// managedFields for real shapes (keyed lists, sets, atomic lists, maps, defaulted key fields), a dropped field is
// removed, a child first written by merge patch is migrated so that removal works for it too, another writer's
// fields survive, immutable fields give a clear error or a recreate, and a child that is not ours is left alone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import { applyChild, applyDiff, controller, done, ensureChild } from '../../src/controller/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { Deployment } from '../../src/kinds/apps/v1.ts';
import { ConfigMap, type Container, Secret } from '../../src/kinds/core/v1.ts';
import { metricsAuthRules, rulesFor } from '../../src/manifests/index.ts';
import { type Cluster, eventually, forbiddenSince, kubectl, isObjectWrite } from '../../src/testing/index.ts';
import { assertSameRights, builtIn, parseCanIList, rowsOfRules } from '../reliability/rbac-rights.ts';
import { startInProcessManager } from '../support/in-process-manager.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

let cluster: Cluster;
let owner: KubeObject;
const ns = uniqueName('apply');
const manager = 'apply-test-operator';

before(async () => {
  cluster = await sharedCluster();
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  owner = await cluster.admin
    .resource(ConfigMap)
    .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } });
});
after(async () => {
  await cluster?.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

function deployment(name: string, container: Partial<Container> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name }, annotations: { 'example.com/note': 'n' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'example.com/hash': 'abc' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              args: ['--port', '8080'],
              ports: [{ containerPort: 8080, name: 'http' }], // protocol is defaulted: the key field the server adds
              env: [
                { name: 'MODE', value: 'demo' },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
              ],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
              ...container,
            },
          ],
          tolerations: [{ key: 'k', operator: 'Exists' }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

const deployments = () => cluster.admin.resource(Deployment);
const apply = (desired: Deployment, options: { onImmutable?: 'error' | 'recreate' } = {}) =>
  applyChild({
    resource: deployments(),
    cache: { get: () => undefined },
    view: async ({ stale }) => ({ object: await live(desired.metadata.name!), from: stale ? 'live' : 'cache' }),
    owner,
    desired,
    fieldManager: manager,
    ...options,
  });
const live = (name: string) =>
  deployments()
    .get(name, { namespace: ns })
    .catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });

test('an applied child judged unchanged from its managedFields, for every shape a Deployment has', async () => {
  const desired = deployment('shapes');
  const first = await apply(desired);
  assert.equal(first.operation, 'created');
  const current = (await live('shapes'))!;
  const diff = applyDiff(
    { ...desired, metadata: { ...desired.metadata, ownerReferences: current.metadata.ownerReferences! } },
    current,
    manager,
  );
  assert.deepEqual(diff, { noop: true, changed: [], removed: [] }, JSON.stringify(current.metadata.managedFields, null, 1));
  const again = await apply(desired);
  assert.equal(again.operation, 'unchanged');
  // (the resourceVersion moves on anyway: the deployment controller writes the status; 'unchanged' means nothing was sent)
});

test('a field dropped from the desired child is removed; a field of another writer survives', async () => {
  await apply(deployment('prune'));
  await deployments().mergePatch('prune', { metadata: { labels: { team: 'theirs' } } }, { namespace: ns, fieldManager: 'kubectl-edit' });
  const slimmer = deployment('prune');
  const podSpec = slimmer.spec!.template.spec!;
  const { args: _args, ...withoutArgs } = podSpec.containers[0]!;
  podSpec.containers[0] = { ...withoutArgs, env: [{ name: 'MODE', value: 'demo' }] };
  delete slimmer.metadata.annotations;
  const outcome = await apply(slimmer);
  assert.equal(outcome.operation, 'updated');
  assert.ok(outcome.operation === 'updated' && outcome.removed.some((p) => p.includes('TOKEN')), JSON.stringify(outcome));
  const after = (await live('prune'))!;
  const container = after.spec!.template.spec!.containers[0]!;
  assert.equal(container.args, undefined);
  assert.deepEqual(
    container.env?.map((e) => e.name),
    ['MODE'],
  );
  assert.equal(after.metadata.annotations?.['example.com/note'], undefined);
  assert.equal(after.metadata.labels?.['team'], 'theirs', "another writer's label survives");
  assert.equal((await apply(slimmer)).operation, 'unchanged');
});

test('a child first written by merge patch (ensureChild) is migrated to the apply manager, and a dropped field is removed', async () => {
  const cms = cluster.admin.resource(ConfigMap);
  const desired: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'legacy', namespace: ns },
    data: { message: 'hi', extra: 'x' },
  };
  await ensureChild({ resource: cms, cache: { get: () => undefined }, owner, desired, fieldManager: manager });
  await ensureChild({
    resource: cms,
    cache: { get: () => undefined },
    view: async () => ({ object: await cms.get('legacy', { namespace: ns }), from: 'live' }),
    owner,
    desired: { ...desired, data: { message: 'hello', extra: 'x' } },
    fieldManager: manager,
  });
  const outcome = await applyChild({
    resource: cms,
    cache: { get: () => undefined },
    view: async () => ({ object: await cms.get('legacy', { namespace: ns }), from: 'live' }),
    owner,
    desired: { ...desired, data: { message: 'hello' } },
    fieldManager: manager,
  });
  assert.equal(outcome.operation, 'updated');
  assert.ok(outcome.operation === 'updated' && outcome.migrated);
  const after = await cms.get('legacy', { namespace: ns });
  assert.deepEqual(after.data, { message: 'hello' });
  assert.deepEqual(
    after.metadata.managedFields?.filter((e) => e.manager === manager).map((e) => e.operation),
    ['Apply'],
  );
});

test('an immutable field: a clear error, or with onImmutable recreate, the child deleted', async () => {
  await apply(deployment('fixed'));
  const changed = deployment('fixed');
  changed.spec!.selector = { matchLabels: { app: 'fixed', tier: 'web' } };
  changed.spec!.template.metadata!.labels!['tier'] = 'web';
  await assert.rejects(apply(changed), (err: Error) => /immutable/.test(err.message) && /onImmutable: 'recreate'/.test(err.message));
  const outcome = await apply(changed, { onImmutable: 'recreate' });
  assert.equal(outcome.operation, 'deleted');
  const gone = await live('fixed');
  assert.ok(gone === undefined || gone.metadata.deletionTimestamp !== undefined);
});

test('a child of that name that is not ours is never adopted', async () => {
  await deployments().create(deployment('foreign'), { namespace: ns });
  const outcome = await apply(deployment('foreign', { image: 'nginx:1.28' }));
  assert.equal(outcome.operation, 'collision');
  const after = (await live('foreign'))!;
  assert.equal(after.metadata.ownerReferences, undefined);
});

test('a controller applying children converges, then writes nothing, also after a restart (audit log)', { timeout: 90_000 }, async () => {
  const space = uniqueName('apply-ctl');
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: space } } });
  await cluster.admin.resource(Secret).create({ metadata: { name: 'apply-settings', namespace: space }, stringData: { tier: 'web' } });
  const sources = controller(ConfigMap)
    .named('apply-sources')
    .owns(ConfigMap, { labelSelector: 'role=child' })
    .owns(Deployment, { labelSelector: 'role=child' })
    .writes({ status: false, events: false })
    // A further rule: one Secret, read by name with the client (nothing in the builder declares it).
    .rbac([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['apply-settings'] }])
    .reconcile(async (ctx) => {
      const source = ctx.object;
      if (!source || source.metadata.labels?.['role'] !== 'source') return done();
      const settings = await ctx.client.resource(Secret).get('apply-settings', { namespace: ctx.namespace });
      await ctx.apply(ConfigMap, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `${ctx.name}-child`,
          labels: { role: 'child', tier: Buffer.from(settings.data?.['tier'] ?? '', 'base64').toString() },
        },
        data: { ...source.data },
      });
      const d = deployment(`${ctx.name}-app`);
      await ctx.apply(Deployment, {
        ...d,
        metadata: { ...d.metadata, namespace: undefined, labels: { role: 'child', app: d.metadata.name! } },
      });
      return done();
    });
  const run = () => startInProcessManager(cluster, sources, { namespace: space, name: 'apply-operator' });
  const started = new Date();
  let operator = await run();
  try {
    for (const name of ['a', 'b']) {
      await cluster.admin.resource(ConfigMap).create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: space, labels: { role: 'source' } },
        data: { k: name },
      });
    }
    await eventually('both children', async () => {
      const children = await cluster.admin.resource(ConfigMap).list({ namespace: space, labelSelector: 'role=child' });
      return children.items.length === 2 ? true : undefined;
    });
    const writesOf = async (since: Date) =>
      (await cluster.auditEvents()).filter(
        (e) =>
          e.user.username === operator.username &&
          isObjectWrite(e, { leases: true }) &&
          e.objectRef?.namespace === space &&
          new Date(e.requestReceivedTimestamp) >= since,
      );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.ok((await writesOf(started)).length >= 4, 'the audit log shows the children written');
    assert.deepEqual(await forbiddenSince(cluster, operator.username, started), [], 'the .rbac rule covers the Secret read');
    const rights = parseCanIList(await kubectl(cluster, ['auth', 'can-i', '--list', `--as=${operator.username}`, `--namespace=${space}`]));
    assertSameRights('kubectl auth can-i --list', rights, [
      ...rowsOfRules([...rulesFor([sources.declaration]), ...metricsAuthRules]),
      ...builtIn,
    ]);
    assert.ok(rights.some((row) => row.resource === 'secrets' && row.resourceNames === 'apply-settings'));
    const settled = new Date();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.deepEqual(
      (await writesOf(settled)).map((e) => `${e.verb} ${e.requestURI}`),
      [],
      'converged: nothing written',
    );
    await operator.stop();
    const restarted = new Date();
    operator = await run();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    assert.deepEqual(
      (await writesOf(restarted)).map((e) => `${e.verb} ${e.requestURI}`),
      [],
      'an idle restart writes nothing',
    );
  } finally {
    await operator.stop();
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${space}` }).catch(() => undefined);
  }
});
