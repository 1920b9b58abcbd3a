// Issue 21: a namespace deleted with the operator's objects in it causes no error storm. While a namespace is
// being deleted the API server refuses every create in it with 403 (NamespaceLifecycle, Status cause
// NamespaceTerminating); for an object in that namespace the controller takes the refusal as the end of its work
// (no error, no retry, one info line), the event recorder drops the refused Events, and a finalizer is still
// removed (updates are allowed there), so the namespace goes.
//
// Made deterministic: the namespace controller deletes a namespace's resources in no fixed order, and the storm
// needs the owners still live once their ConfigMaps are gone. A ValidatingAdmissionPolicy refuses to delete the
// owners ("held") for a while after the namespace deletion starts: the namespace controller deletes the ConfigMaps,
// the operator reconciles the owners and is refused; then the policy goes and the namespace finishes. One control
// plane for the file (the policy is cluster-wide), the operators under their generated RBAC with debug logs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import { metricsAuthRules, rulesFor } from '../../src/manifests/index.ts';
import { type AuditEvent, eventually, metricValue, type RunningOperator, startOperator } from '../../src/testing/index.ts';
import { fileFinalizer, widgetController, widgetCrd, widgetKind } from '../fixtures/widget-operator.ts';
import { HelloWorld, logLines, operatorUser, Rig, Timeline } from './rig.ts';

/** A Widget group of this file's own (its control plane starts with the CRD). */
const Widget = widgetKind('namespace-deletion.widgets.capstan.test');
const objects = 30;
/**
 * How long the owners are held after the namespace deletion starts: enough for the namespace controller's first
 * pass to delete the ConfigMaps and for the operator to reconcile every owner (30 keys, 4 workers, each a write
 * of at most 100 ms on a loaded machine, after the watch delivers the deletes).
 */
const holdMs = 8_000;
/**
 * After the hold: the namespace controller retries a failed pass with exponential backoff (5 ms doubling), so
 * its next pass comes at most about as long after the hold ended as the hold lasted; that pass deletes the owners
 * (a finalizer first goes in one reconcile: read-your-writes wait of 5 s at most, one patch), and the pass after it
 * finds the namespace empty. 20 s margin for the garbage collector, watch delivery and a loaded 2-core machine.
 */
const readYourWritesMs = 5_000;
const namespaceGoneBoundMs = holdMs + readYourWritesMs + 20_000;
const initialConvergeMs = 60_000;
const endedMessage = /^namespace \S+ is being deleted: the work on this object ends/;

let rig: Rig;
before(async () => {
  rig = await Rig.start({ controlPlane: { crds: [widgetCrd(Widget)] } });
});
after(async () => {
  await rig?.stop();
});

/** Refuse to delete HelloWorlds and Widgets until the returned function is called (it deletes the policy). */
async function holdOwners(name: string): Promise<() => Promise<void>> {
  const base = '/apis/admissionregistration.k8s.io/v1';
  await rig.admin.request({
    method: 'POST',
    path: `${base}/validatingadmissionpolicies`,
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [HelloWorld.group], apiVersions: ['*'], operations: ['DELETE'], resources: ['helloworlds'] },
            { apiGroups: [Widget.group], apiVersions: ['*'], operations: ['DELETE'], resources: ['widgets'] },
          ],
        },
        validations: [{ expression: 'false', message: 'held by the test: the owner outlives its ConfigMap' }],
      },
    },
  });
  await rig.admin.request({
    method: 'POST',
    path: `${base}/validatingadmissionpolicybindings`,
    body: { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } },
  });
  // The policy takes effect once the API server's admission has loaded it: probe with a throwaway owner.
  const probeNs = await rig.namespace('hold-probe');
  const [probe] = await rig.createHelloWorlds(probeNs, 1, { prefix: 'probe' });
  await eventually(
    'the hold policy to refuse a delete',
    async () => {
      try {
        await rig.admin.resource(HelloWorld).delete(probe!, { namespace: probeNs, dryRun: true });
        return undefined;
      } catch (err) {
        if ((err as { httpStatus?: number }).httpStatus === 422 || (err as { httpStatus?: number }).httpStatus === 403) return true;
        throw err;
      }
    },
    { timeoutMs: 30_000 },
  );
  return async () => {
    await rig.admin.request({ method: 'DELETE', path: `${base}/validatingadmissionpolicybindings/${name}` });
    await rig.admin.request({ method: 'DELETE', path: `${base}/validatingadmissionpolicies/${name}` });
    await rig.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${probeNs}` });
  };
}

/** Delete `namespace` with its owners held for {@link holdMs}, and resolve once it is gone (with when). */
async function deleteWhileHeld(namespace: string, timeline: Timeline): Promise<{ deletedAt: number; goneAt: number }> {
  const release = await holdOwners(`hold-${namespace}`);
  const deletedAt = timeline.mark(`namespace ${namespace} deleted; its owners held ${holdMs / 1000} s`);
  await rig.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  await release();
  const releasedAt = timeline.mark('hold released');
  await eventually(
    `namespace ${namespace} to be gone`,
    async () =>
      rig.admin.request({ path: `/api/v1/namespaces/${namespace}` }).then(
        () => undefined,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      ),
    { timeoutMs: namespaceGoneBoundMs + 30_000, intervalMs: 250 },
  ).catch((err: unknown) => {
    throw new Error(timeline.explain((err as Error).message));
  });
  const goneAt = timeline.mark(`namespace ${namespace} gone`);
  assert.ok(
    goneAt - releasedAt <= namespaceGoneBoundMs,
    timeline.explain(`the namespace went ${goneAt - releasedAt} ms after the hold was released; bound ${namespaceGoneBoundMs} ms`),
  );
  return { deletedAt, goneAt };
}

/** The operator's creates refused with 403 since `sinceMs`, by the object they would have created. */
function refusedCreates(audit: readonly AuditEvent[], user: string, sinceMs: number): Map<string, number> {
  const byObject = new Map<string, number>();
  for (const e of audit) {
    if (e.user.username !== user || e.stage !== 'ResponseComplete' || e.responseStatus?.code !== 403) continue;
    if (Date.parse(e.requestReceivedTimestamp) < sinceMs) continue;
    const what = `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name ?? '(generated name)'}`;
    byObject.set(what, (byObject.get(what) ?? 0) + 1);
  }
  return byObject;
}

/** What the operator logged about `namespace` at or after `sinceMs`: lines that end an object's work, and warnings or errors. */
function logsAbout(operator: RunningOperator, namespace: string, sinceMs: number) {
  const lines = logLines(operator).filter(
    (l) => l.time >= sinceMs && (l['namespace'] === namespace || JSON.stringify(l['err'] ?? '').includes(namespace)),
  );
  const ended = new Map<string, number[]>();
  for (const l of lines.filter((l) => endedMessage.test(l.msg)))
    ended.set(String(l['name']), [...(ended.get(String(l['name'])) ?? []), l.level]);
  return { ended, errors: lines.filter((l) => l.level >= 40).map((l) => `${l.msg}: ${JSON.stringify(l['err'] ?? '')}`) };
}

test(`a namespace deleted with ${objects} HelloWorlds in it: refused creates end each object's work, no reconcile error, no retried 403, the namespace goes`, {
  timeout: 300_000,
}, async () => {
  const timeline = new Timeline();
  const operator = await rig.startOperator();
  await rig.leading(operator);
  const namespace = await rig.namespace('doomed-hw');
  await rig.createHelloWorlds(namespace, objects);
  await rig.converged([namespace], initialConvergeMs, timeline);
  const errorsBefore =
    metricValue(await operator.metrics(), 'controller_runtime_reconcile_errors_total', { controller: 'helloworld' }) ?? 0;

  const { deletedAt, goneAt } = await deleteWhileHeld(namespace, timeline);
  await rig.converged([], 30_000, timeline); // the operator idle again
  const text = await operator.metrics();
  const errors = (metricValue(text, 'controller_runtime_reconcile_errors_total', { controller: 'helloworld' }) ?? 0) - errorsBefore;
  const refused = refusedCreates(await rig.cp.auditEvents(), operatorUser, deletedAt);
  const { ended, errors: errorLines } = logsAbout(operator, namespace, deletedAt);
  const dropped = metricValue(text, 'capstan_events_dropped_total') ?? 0;
  process.stdout.write(
    `# namespace with ${objects} HelloWorlds gone ${((goneAt - deletedAt) / 1000).toFixed(1)} s after its deletion (held ${holdMs / 1000} s, bound ${namespaceGoneBoundMs / 1000} s after the hold); ` +
      `${[...refused.values()].reduce((a, b) => a + b, 0)} refused creates of ${refused.size} objects, ${ended.size} objects' work ended, ${dropped} Events dropped, ${errors} reconcile errors\n`,
  );
  assert.equal(errors, 0, timeline.explain('no reconcile error counted'));
  assert.deepEqual(errorLines, [], 'no warning or error logged about the namespace');
  // Every owner's ConfigMap was deleted while the owner was held: each was reconciled and refused, exactly once.
  assert.ok(refused.size > 0, timeline.explain('the operator was refused (the scenario produced the refusals it is about)'));
  const retried = [...refused].filter(([, n]) => n > 1);
  assert.deepEqual(retried, [], timeline.explain('no refused create was retried'));
  assert.ok(
    [...ended.values()].every((levels) => levels.filter((l) => l === 30).length === 1),
    `each object's end logged once at info: ${JSON.stringify([...ended])}`,
  );
  const refusedConfigMaps = [...refused.keys()].filter((k) => k.includes('configmaps/')).length;
  assert.equal(ended.size, refusedConfigMaps, 'one ended object per refused ConfigMap');
  operator.kill('SIGTERM');
  await operator.exited;
});

test('a namespace deleted with Widgets under a finalizer: their work ends at the refusal, and each finalizer is still removed', {
  timeout: 300_000,
}, async () => {
  const timeline = new Timeline();
  const dir = await mkdtemp(join(tmpdir(), 'capstan-ns-deletion-'));
  const account = { namespace: 'widget-system', name: 'widget-operator' };
  await rig.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: account.namespace } } });
  const credentials = await rig.cp.serviceAccountKubeconfig({
    ...account,
    clusterRules: [...rulesFor([widgetController(Widget, { finalizerDir: dir }).declaration]), ...metricsAuthRules], // and the rights to check who reads /metrics
  });
  const operator = await startOperator({
    cluster: rig.cp,
    main: new URL('../fixtures/widget-operator-main.ts', import.meta.url).pathname,
    credentials,
    leaderElection: false,
    args: ['--log-level=debug'],
    env: { WIDGET_GROUP: Widget.group, FINALIZER_DIR: dir },
  });
  try {
    const namespace = await rig.namespace('doomed-widget');
    const widgets = `/apis/${Widget.group}/v1/namespaces/${namespace}/widgets`;
    const names = Array.from({ length: 10 }, (_, i) => `w-${i}`);
    for (const name of names) {
      await rig.admin.request({
        method: 'POST',
        path: widgets,
        body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name }, spec: { message: `for ${name}` } },
      });
    }
    await eventually(
      'every Widget with its file, its finalizer and its ConfigMap',
      async () => {
        const list = await rig.admin.request<{ items: Array<{ metadata: { finalizers?: string[] } }> }>({ path: widgets });
        const files = (await readdir(dir)).filter((f) => f.startsWith(`${namespace}_`));
        const configMaps = await rig.admin.request<{ items: unknown[] }>({
          path: `/api/v1/namespaces/${namespace}/configmaps`,
          query: { labelSelector: 'app.kubernetes.io/managed-by=widget-operator' },
        });
        const ready =
          files.length === names.length &&
          configMaps.items.length === names.length &&
          list.items.every((w) => w.metadata.finalizers?.includes(fileFinalizer));
        return ready ? true : undefined;
      },
      { timeoutMs: initialConvergeMs },
    );
    timeline.mark(`${names.length} Widgets with files, finalizers and ConfigMaps`);
    const errorsBefore = metricValue(await operator.metrics(), 'controller_runtime_reconcile_errors_total', { controller: 'widget' }) ?? 0;

    const { deletedAt, goneAt } = await deleteWhileHeld(namespace, timeline);
    const text = await operator.metrics();
    const errors = (metricValue(text, 'controller_runtime_reconcile_errors_total', { controller: 'widget' }) ?? 0) - errorsBefore;
    const refused = refusedCreates(await rig.cp.auditEvents(), credentials.username, deletedAt);
    const { ended, errors: errorLines } = logsAbout(operator, namespace, deletedAt);
    const left = names.filter((name) => existsSync(join(dir, `${namespace}_${name}`)));
    process.stdout.write(
      `# namespace with ${names.length} finalized Widgets gone ${((goneAt - deletedAt) / 1000).toFixed(1)} s after its deletion (held ${holdMs / 1000} s); ` +
        `${refused.size} objects refused, ${ended.size} objects' work ended, ${errors} reconcile errors, ${left.length} files left\n`,
    );
    assert.deepEqual(left, [], 'every cleanup ran before its finalizer went (the namespace is gone, so every finalizer went)');
    assert.equal(errors, 0, timeline.explain('no reconcile error counted'));
    assert.deepEqual(errorLines, [], 'no warning or error logged about the namespace');
    assert.ok(refused.size > 0, timeline.explain('the operator was refused (the scenario produced the refusals it is about)'));
    assert.deepEqual(
      [...refused].filter(([, n]) => n > 1),
      [],
      timeline.explain('no refused create was retried'),
    );
  } finally {
    operator.kill('SIGTERM');
    await operator.exited;
    await rm(dir, { recursive: true, force: true });
  }
});

test('the operators were refused nothing but creates in the namespaces being deleted (audit log, since waitForKind)', async () => {
  const unexpected = (await rig.forbidden([operatorUser, 'system:serviceaccount:widget-system:widget-operator'])).filter(
    (r) => !/^(create|patch) \/api(s\/[^/]+)?\/v1\/namespaces\/doomed-/.test(r),
  );
  assert.deepEqual(unexpected, []);
});
