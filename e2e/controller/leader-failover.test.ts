// Two managers of the test operator, each under its own ServiceAccount, with leader election: one leads;
// SIGKILL or SIGTERM of the leader hands over within bounds computed from the lease timings; the audit log
// shows no writes of the two identities overlapping in time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { leaseRules, metricsAuthRules, rulesFor } from '../../src/manifests/index.ts';
import { type AuditEvent, type Cluster, eventually, type RunningOperator, startOperator, isObjectWrite } from '../../src/testing/index.ts';
import { installWidgets, widgetController, type WidgetKind } from '../fixtures/widget-operator.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const lease = { durationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 1_000 };
let cluster: Cluster;
let Widget: WidgetKind;
const ns = uniqueName('leader');
const accounts: Record<string, { kubeconfigPath: string; username: string }> = {};
const usernames: Record<string, string> = {};
const running: RunningOperator[] = [];

before(async () => {
  cluster = await sharedCluster();
  Widget = await installWidgets(cluster, ns, 'leaderFailover');
  for (const name of ['replica-a', 'replica-b']) {
    const sa = await cluster.serviceAccountKubeconfig({
      namespace: ns,
      name,
      rules: leaseRules,
      clusterRules: [...rulesFor([widgetController(Widget).declaration]), ...metricsAuthRules], // and the rights to check who reads /metrics
    });
    usernames[name] = sa.username;
    accounts[name] = sa;
  }
});
after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
});

const leading = async (p: RunningOperator) => (await p.metricValue('leader_election_master_status', { name: 'widget-operator' })) === 1;
const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
const createWidget = (name: string) =>
  cluster.admin.request({
    method: 'POST',
    path: `/apis/${Widget.group}/v1/namespaces/${ns}/widgets`,
    body: { apiVersion: `${Widget.group}/v1`, kind: 'Widget', metadata: { name }, spec: { message: name } },
  });
const hasConfigMap = (name: string) =>
  cluster.admin.request<KubeObject>({ path: cmPath(name) }).then(
    () => true,
    (err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    },
  );

const widgetMain = new URL('../fixtures/widget-operator-main.ts', import.meta.url).pathname;

/** The test operator as its own process under the ServiceAccount `name`, a candidate for the Lease widget-operator. */
async function start(name: string): Promise<RunningOperator> {
  const p = await startOperator({
    cluster,
    main: widgetMain,
    credentials: accounts[name]!,
    leaderElection: { namespace: ns },
    env: { WIDGET_GROUP: Widget.group, LEASE_TIMINGS: `${lease.durationMs},${lease.renewDeadlineMs},${lease.retryPeriodMs}` },
  });
  running.push(p);
  return p;
}

async function handOver(how: 'SIGKILL' | 'SIGTERM', from: RunningOperator, to: RunningOperator, boundMs: number, formula: string) {
  process.stdout.write(`# ${how} bound: ${formula} = ${boundMs} ms\n`);
  const stoppedAt = Date.now();
  from.kill(how);
  // The change is made once the old leader is gone, so that only the standby can reconcile it.
  const code = await from.exited;
  if (how === 'SIGTERM') assert.equal(code, 0, 'graceful exit');
  const widget = `after-${how.toLowerCase()}`;
  await createWidget(widget);
  const timeline: string[] = [];
  for (;;) {
    const elapsed = Date.now() - stoppedAt;
    const done = await hasConfigMap(widget);
    timeline.push(
      `${elapsed} ms: standby leading=${await leading(to).catch(() => 'unreachable')}, ConfigMap ${done ? 'present' : 'absent'}`,
    );
    if (done) break;
    assert.ok(elapsed < boundMs, `the standby did not reconcile within ${boundMs} ms:\n${timeline.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.stdout.write(`# ${how}: the standby reconciled after ${Date.now() - stoppedAt} ms\n`);
}

test('one of two managers leads; the other takes over after SIGKILL and after SIGTERM within the computed bounds', {
  timeout: 240_000,
}, async () => {
  const a = await start('replica-a');
  await eventually('replica-a to lead', async () => ((await leading(a)) ? true : undefined), { timeoutMs: 30_000 });
  const b = await start('replica-b');
  await createWidget('first');
  await eventually('the leader to reconcile', () => hasConfigMap('first'), { timeoutMs: 20_000 });
  assert.equal(await leading(b), false, 'the standby does not lead');
  assert.equal((await fetch(`http://127.0.0.1:${b.probePort}/readyz`)).status, 200, 'the standby is Ready (caches synced)');

  const killBound = lease.durationMs + 2 * lease.retryPeriodMs * 1.2 + 10_000;
  await handOver('SIGKILL', a, b, killBound, `leaseDuration ${lease.durationMs} + 2 × retryPeriod ${lease.retryPeriodMs} × 1.2 + 10000`);

  const a2 = await start('replica-a');
  await createWidget('second');
  await eventually('the new leader to reconcile', () => hasConfigMap('second'), { timeoutMs: 20_000 });
  assert.equal(await leading(a2), false);
  const termBound = lease.retryPeriodMs * 1.2 + 5_000;
  await handOver('SIGTERM', b, a2, termBound, `retryPeriod ${lease.retryPeriodMs} × 1.2 + 5000`);

  // No overlap: sorted by time, the writes of the two identities form blocks, and each block starts only
  // after the previous identity's last write completed. An audit event is written after its response, so
  // read until the last write (a2's) is in.
  const blocks = await eventually(
    'the audit log to show the writes of all three terms',
    async () => {
      const found = writeBlocks(await cluster.auditEvents());
      return found.length >= 3 ? found : undefined;
    },
    { timeoutMs: 15_000 },
  );
  assert.deepEqual(
    blocks.map((b) => b.user),
    [usernames['replica-a'], usernames['replica-b'], usernames['replica-a']],
  );
});

function writeBlocks(events: AuditEvent[]): Array<{ user: string; last: string }> {
  const writes = events
    .filter((e) => Object.values(usernames).includes(e.user.username) && isObjectWrite(e))
    .sort((x, y) => x.requestReceivedTimestamp.localeCompare(y.requestReceivedTimestamp));
  const blocks: Array<{ user: string; last: string }> = [];
  for (const w of writes) {
    const current = blocks.at(-1);
    if (current?.user === w.user.username) {
      if (w.stageTimestamp > current.last) current.last = w.stageTimestamp;
      continue;
    }
    if (current)
      assert.ok(
        w.requestReceivedTimestamp >= current.last,
        `${w.user.username} wrote at ${w.requestReceivedTimestamp} before ${current.user}'s last write completed at ${current.last}`,
      );
    blocks.push({ user: w.user.username, last: w.stageTimestamp });
  }
  return blocks;
}
