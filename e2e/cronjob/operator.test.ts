// examples/cronjob as a user runs it: the operator as its own process under its generated RBAC, its defaulting and
// validating webhooks and its v1 ↔ v2 conversion served on 127.0.0.1 with a certificate made for the test, and
// registered by url as `capstan run` registers them. It runs with --namespace=<this test's namespace>, and its
// admission webhooks see only that namespace, so the CronJobs of controller.test.ts are none of its business.
// Covered: defaulting fills the four defaults; validation refuses a bad schedule and a 53-character name with its
// message and accepts `@hourly`, also for a v2 request (matchPolicy Equivalent: converted to v1 first); one object
// through `kubectl get` of each version; zero 403s; zero writes on an idle restart (audit log); `kubectl auth
// can-i --list` equals the generated rules.
//
// The real clock runs here (the operator's own): every CronJob is suspended or has a yearly schedule.
//
// config/ is applied without its CRD: the shared control plane has the CRD already, with conversion None (see
// e2e/support/crds.ts), and the generated one calls the webhook Service of cronjob-system, which nothing serves
// here; a conversion webhook nobody answers blocks garbage collection and namespace deletion for every other test.
// The conversion test points the CRD at this operator and puts None back before the operator stops.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Cluster,
  createNamespace,
  eventually,
  forbiddenSince,
  kubectl,
  metricValue,
  type RunningOperator,
  startOperator,
  isObjectWrite,
} from '../../src/testing/index.ts';
import { freePort } from '../../src/testing/ports.ts';
import { createCertificateAuthority, issueServingCertificate, webhookConfigurations } from '../../src/webhook/index.ts';
import type { CronJob } from '../../examples/cronjob/src/api/cron-job.ts';
import type { CronJobV2 } from '../../examples/cronjob/src/api/cron-job-v2.ts';
import { webhooks } from '../../examples/cronjob/src/operator.ts';
import { assertSameRights, builtIn, grantedRoles, parseCanIList, rowsOfRules } from '../reliability/rbac-rights.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';
import { jobTemplate } from './support.ts';

const projectDir = new URL('../../examples/cronjob/', import.meta.url).pathname;
const operatorUser = 'system:serviceaccount:cronjob-system:cronjob-operator';
const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/cronjobs.batch.tutorial.kubebuilder.io';
const admissionPath = '/apis/admissionregistration.k8s.io/v1';
/** Fires on 1 January only: nothing runs during the test. */
const yearly = '0 0 1 1 *';

let cluster: Cluster;
let namespace: string;
let operator: RunningOperator | undefined;
let installedAt: Date;
/** The operator's flags: its namespace, a certificate for 127.0.0.1 made for the test, a free port. */
let operatorArgs: string[];
/** Where the operator serves its webhooks, and the CA that signed its certificate (base64). */
let serving: { url: string; caBundle: string };

const run = (args: string[], input?: string) =>
  kubectl(cluster, ['--namespace', namespace, ...args], { cwd: projectDir, ...(input ? { input } : {}) });
/** The error message of a kubectl command expected to fail, or undefined when it succeeded. */
const refusal = (args: string[], input?: string) =>
  run(args, input).then(
    () => undefined,
    (err: Error) => err.message,
  );
const getAs = async <T>(version: 'v1' | 'v2', name: string): Promise<T> =>
  JSON.parse(await run(['get', `cronjobs.${version}.batch.tutorial.kubebuilder.io`, name, '-o', 'json'])) as T;
const describe = () => operator?.describe() ?? 'no operator';

function manifest(name: string, spec: Record<string, unknown>, version: 'v1' | 'v2' = 'v1'): string {
  return JSON.stringify({ apiVersion: `batch.tutorial.kubebuilder.io/${version}`, kind: 'CronJob', metadata: { name }, spec });
}

before(async () => {
  cluster = await sharedCluster();
  namespace = await createNamespace(cluster, 'cronjob-operator', fileScope);
  const dir = await mkdtemp(join(tmpdir(), 'capstan-cronjob-'));
  fileScope.after(() => rm(dir, { recursive: true, force: true }));
  const ca = createCertificateAuthority({ commonName: 'cronjob-test-webhook-ca' });
  const certificate = issueServingCertificate(ca, { commonName: '127.0.0.1', hosts: ['127.0.0.1'] });
  await mkdir(join(dir, 'serving-certs'));
  await writeFile(join(dir, 'serving-certs', 'tls.crt'), certificate.cert);
  await writeFile(join(dir, 'serving-certs', 'tls.key'), certificate.key);
  const port = await freePort();
  serving = { url: `https://127.0.0.1:${port}`, caBundle: Buffer.from(ca.cert).toString('base64') };
  operatorArgs = [`--namespace=${namespace}`, `--webhook-cert-dir=${join(dir, 'serving-certs')}`, `--webhook-port=${port}`];

  // config/ as applyProjectConfig applies it, less the CRD (see the top of the file).
  installedAt = new Date();
  await kubectl(cluster, ['apply', '-f', 'config/manager/namespace.yaml'], { cwd: projectDir });
  await kubectl(cluster, ['apply', '-k', 'config/rbac'], { cwd: projectDir });
  fileScope.after(async () => {
    await operator?.stop();
  });
  operator = await startOperator({ cluster, projectDir, args: operatorArgs });

  const name = `cronjob-${namespace}`;
  const { validating, mutating } = webhookConfigurations(webhooks, { name, clientConfig: serving, namespaces: [namespace] });
  await cluster.admin.request({ method: 'POST', path: `${admissionPath}/validatingwebhookconfigurations`, body: validating });
  await cluster.admin.request({ method: 'POST', path: `${admissionPath}/mutatingwebhookconfigurations`, body: mutating });
  fileScope.after(async () => {
    for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'])
      await cluster.admin.request({ method: 'DELETE', path: `${admissionPath}/${kind}/${name}` }).catch(() => undefined);
  });
  // The API server picks registrations up from a watch: wait until both answer a dry run.
  await eventually(
    'both webhooks to be in effect (a dry run defaulted, a bad schedule refused)',
    async () => {
      const dryRun = ['create', '--dry-run=server', '-o', 'json', '-f', '-'];
      const defaulted = JSON.parse(await run(dryRun, manifest('probe', { schedule: yearly, jobTemplate }))) as CronJob;
      const refused = await refusal(dryRun, manifest('probe', { schedule: 'never', jobTemplate }));
      return defaulted.spec.suspend === false && refused?.includes('denied the request') ? true : undefined;
    },
    { timeoutMs: 30_000, describe },
  );
});

test('defaulting fills the four defaults', async () => {
  await run(['apply', '-f', '-'], manifest('defaults', { schedule: yearly, jobTemplate }));
  const stored = await getAs<CronJob>('v1', 'defaults');
  assert.deepEqual(
    {
      concurrencyPolicy: stored.spec.concurrencyPolicy,
      suspend: stored.spec.suspend,
      successfulJobsHistoryLimit: stored.spec.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: stored.spec.failedJobsHistoryLimit,
    },
    { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 },
  );
  // What the user gave is kept.
  const kept = manifest('kept', { schedule: yearly, jobTemplate, concurrencyPolicy: 'Forbid', suspend: true, failedJobsHistoryLimit: 0 });
  await run(['apply', '-f', '-'], kept);
  const given = (await getAs<CronJob>('v1', 'kept')).spec;
  assert.deepEqual(
    [given.concurrencyPolicy, given.suspend, given.successfulJobsHistoryLimit, given.failedJobsHistoryLimit],
    ['Forbid', true, 3, 0],
  );
  // The operator reconciles it: the Scheduling condition says when it runs next.
  const status = await eventually(
    'CronJob defaults to report Scheduling=True',
    async () => (await getAs<CronJob>('v1', 'defaults')).status?.conditions?.find((c) => c.type === 'Scheduling' && c.status === 'True'),
    { timeoutMs: 15_000, describe },
  );
  assert.match(status.message, /^the next run is at \d{4}-01-01T00:00:00Z$/);
});

test('validation refuses a bad schedule and a 53-character name with its message, and accepts @hourly', async () => {
  const badSchedule = await refusal(['apply', '-f', '-'], manifest('bad-schedule', { schedule: '*/5 * * *', jobTemplate }));
  assert.match(
    badSchedule ?? 'accepted',
    /denied the request: spec\.schedule: schedule "\*\/5 \* \* \*" is not a cron schedule: give 5 fields/,
  );
  const outOfRange = await refusal(['apply', '-f', '-'], manifest('out-of-range', { schedule: '61 * * * *', jobTemplate }));
  assert.match(outOfRange ?? 'accepted', /denied the request: spec\.schedule: schedule "61 \* \* \* \*" does not parse: .*61/);

  const long = 'a'.repeat(53);
  const longName = await refusal(['apply', '-f', '-'], manifest(long, { schedule: yearly, jobTemplate }));
  assert.match(longName ?? 'accepted', new RegExp(`denied the request: metadata\\.name "${long}" has 53 characters: at most 52`));

  const longest = 'b'.repeat(52);
  await run(['apply', '-f', '-'], manifest(longest, { schedule: '@hourly', jobTemplate, suspend: true }));
  assert.equal((await getAs<CronJob>('v1', longest)).spec.schedule, '@hourly');
  assert.match(await run(['get', 'cronjobs.batch.tutorial.kubebuilder.io', '-o', 'name']), new RegExp(`/${longest}$`, 'm'));
  assert.doesNotMatch(await run(['get', 'cronjobs.batch.tutorial.kubebuilder.io', '-o', 'name']), /bad-schedule|out-of-range|aaaa/);
});

test('v1 ↔ v2: one object through kubectl get of each version; a v2 request is defaulted and validated as v1', {
  timeout: 60_000,
}, async () => {
  // The CRD calls this operator's /convert while the test runs; None again afterwards, and before the operator
  // stops if the test fails on the way (cleanups run latest first, so this one before the operator's stop).
  let converting = true;
  const noConversion = async () => {
    if (!converting) return;
    await cluster.admin.request({
      method: 'PATCH',
      path: crdPath,
      contentType: 'application/json-patch+json',
      body: [{ op: 'replace', path: '/spec/conversion', value: { strategy: 'None' } }],
    });
    // In effect once v2 reads give v1's schedule strings unconverted.
    await eventually('the CRD to convert no more (strategy None)', async () => {
      const list = JSON.parse(await run(['get', 'cronjobs.v2.batch.tutorial.kubebuilder.io', '-o', 'json'])) as {
        items: Array<{ spec: { schedule: unknown } }>;
      };
      return list.items.every((item) => typeof item.spec.schedule === 'string') ? true : undefined;
    });
    converting = false;
  };
  fileScope.after(async () => {
    try {
      await noConversion();
    } catch (err) {
      // The later cleanups do not run after this one fails: stop the operator here, or the file never ends.
      await operator?.stop().catch(() => undefined);
      throw err;
    }
  });
  await cluster.admin.request({
    method: 'PATCH',
    path: crdPath,
    contentType: 'application/merge-patch+json',
    body: {
      spec: {
        conversion: {
          strategy: 'Webhook',
          webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: `${serving.url}/convert`, caBundle: serving.caBundle } },
        },
      },
    },
  });
  try {
    // The v1 object of the first test, seen as v2: the schedule split into its fields, `*` left out.
    const asV2 = await eventually(
      'CronJob defaults to read as v2 with its schedule converted',
      async () => {
        const read = await getAs<CronJobV2>('v2', 'defaults');
        return typeof read.spec.schedule === 'object' ? read : undefined;
      },
      { timeoutMs: 30_000, describe },
    );
    assert.equal(asV2.apiVersion, 'batch.tutorial.kubebuilder.io/v2');
    assert.deepEqual(asV2.spec.schedule, { minute: '0', hour: '0', dayOfMonth: '1', month: '1' });
    assert.equal(asV2.spec.successfulJobsHistoryLimit, 3);
    assert.equal(asV2.status?.conditions?.find((c) => c.type === 'Scheduling')?.status, 'True', 'the status converts too');
    // A descriptor is read as its five fields.
    assert.deepEqual((await getAs<CronJobV2>('v2', 'b'.repeat(52))).spec.schedule, { minute: '0' });

    // Created as v2: stored as v1, defaulted and validated by the v1 webhooks (matchPolicy Equivalent).
    const schedule = { minute: '30', hour: '4', dayOfMonth: '1', month: '1' };
    await run(['apply', '-f', '-'], manifest('from-v2', { schedule, jobTemplate }, 'v2'));
    const asV1 = await getAs<CronJob>('v1', 'from-v2');
    assert.equal(asV1.apiVersion, 'batch.tutorial.kubebuilder.io/v1');
    assert.equal(asV1.spec.schedule, '30 4 1 1 *');
    assert.deepEqual([asV1.spec.concurrencyPolicy, asV1.spec.suspend, asV1.spec.failedJobsHistoryLimit], ['Allow', false, 1]);
    assert.deepEqual((await getAs<CronJobV2>('v2', 'from-v2')).spec.schedule, schedule);
    assert.match(await run(['get', 'cronjobs.v1.batch.tutorial.kubebuilder.io', 'from-v2']), /from-v2\s+30 4 1 1 \*\s+false/);
    const refused = await refusal(['apply', '-f', '-'], manifest('bad-v2', { schedule: { minute: '61' }, jobTemplate }, 'v2'));
    assert.match(refused ?? 'accepted', /denied the request: spec\.schedule: schedule "61 \* \* \* \*" does not parse/);
  } finally {
    await noConversion();
  }
});

test('an idle restart writes nothing (audit log); the operator was refused nothing', { timeout: 90_000 }, async () => {
  await run(['apply', '-f', '-'], manifest('suspended', { schedule: '*/1 * * * *', jobTemplate, suspend: true }));
  await eventually(
    'CronJob suspended to report Scheduling=False (Suspended)',
    async () => (await getAs<CronJob>('v1', 'suspended')).status?.conditions?.some((c) => c.reason === 'Suspended'),
    { timeoutMs: 15_000, describe },
  );
  const count = (await run(['get', 'cronjobs.batch.tutorial.kubebuilder.io', '-o', 'name'])).trim().split('\n').length;
  await sleep(1_000); // the last status writes are answered and audited
  await operator!.stop();
  const restarted = new Date();
  operator = await startOperator({ cluster, projectDir, args: operatorArgs });
  // Quiet: every CronJob reconciled once since the start (after the Lease), nothing in flight or queued.
  await eventually(
    `the restarted operator to reconcile the ${count} CronJobs and fall idle`,
    async () => {
      const metrics = await operator!.metrics();
      const reconciled = metricValue(metrics, 'controller_runtime_reconcile_total', { controller: 'cronjob' }) ?? 0;
      const busy = (metricValue(metrics, 'controller_runtime_active_workers') ?? 0) + (metricValue(metrics, 'workqueue_depth') ?? 0);
      return reconciled >= count && busy === 0 ? true : undefined;
    },
    { timeoutMs: 30_000, describe },
  );
  await sleep(1_000); // a write would have been sent by now; its audit event written
  assert.equal(operator.username, operatorUser);
  const sinceRestart = (await cluster.auditEvents()).filter(
    (e) => e.user.username === operatorUser && e.stage === 'ResponseComplete' && new Date(e.requestReceivedTimestamp) >= restarted,
  );
  // Its list of CronJobs is a streaming list (a watch with sendInitialEvents=true, still open: only its
  // ResponseStarted is logged), or a plain list where the server refuses that.
  const listedSinceRestart = (await cluster.auditEvents()).filter(
    (e) =>
      e.user.username === operatorUser &&
      new Date(e.requestReceivedTimestamp) >= restarted &&
      (e.verb === 'list' || /[?&]sendInitialEvents=true/.test(e.requestURI)),
  );
  assert.ok(
    listedSinceRestart.some((e) => e.objectRef?.resource === 'cronjobs'),
    'the audit log shows the restarted operator (its list of CronJobs)',
  );
  const writes = sinceRestart.filter((e) => isObjectWrite(e));
  assert.deepEqual(
    writes.map((e) => `${e.verb} ${e.requestURI}`),
    [],
  );
  assert.deepEqual(await forbiddenSince(cluster, operatorUser, installedAt), []);
});

test('kubectl auth can-i --list is exactly the generated rules plus the built-in ones', async () => {
  const roles = await grantedRoles(join(projectDir, 'config', 'rbac'));
  const everywhere = rowsOfRules(roles.filter((r) => r.kind === 'ClusterRole').flatMap((r) => r.rules));
  assert.ok(everywhere.some((row) => row.resource === 'jobs.batch'));
  const rows = parseCanIList(await run(['auth', 'can-i', '--list', `--as=${operatorUser}`]));
  assertSameRights(`kubectl auth can-i --list --as=${operatorUser} in ${namespace}`, rows, [...everywhere, ...builtIn]);
});
