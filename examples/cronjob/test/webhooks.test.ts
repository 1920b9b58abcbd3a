// The admission webhooks of CronJob, called as the API server calls them (an AdmissionReview in, the answer out),
// with no cluster: the four defaults, and what validation refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdmissionHandler, type AdmissionReview, review } from 'capstan/webhook';
import type { CronJob } from '../src/api/cron-job.ts';
import { cronJobWebhooks } from '../src/webhooks/cron-job.ts';

const jobTemplate = { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' as const } } } };
function cronJob(name: string, spec: Partial<CronJob['spec']>): CronJob {
  return {
    apiVersion: 'batch.tutorial.kubebuilder.io/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: { schedule: '*/1 * * * *', jobTemplate, ...spec },
  };
}

async function admit(handler: AdmissionHandler<CronJob>, object: CronJob): Promise<NonNullable<AdmissionReview['response']>> {
  const answer = await review(
    handler,
    {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'test',
        kind: { group: 'batch.tutorial.kubebuilder.io', version: 'v1', kind: 'CronJob' },
        resource: { group: 'batch.tutorial.kubebuilder.io', version: 'v1', resource: 'cronjobs' },
        name: object.metadata.name,
        namespace: 'default',
        operation: 'CREATE',
        userInfo: { username: 'test' },
        object,
      },
    },
    { signal: AbortSignal.timeout(5_000) },
  );
  return answer.response!;
}

test('defaulting fills the four defaults and keeps what is set', async () => {
  const defaulted = await admit(cronJobWebhooks.mutating!, cronJob('nightly', {}));
  const patch = JSON.parse(Buffer.from(defaulted.patch!, 'base64').toString('utf8')) as Array<{ path: string; value: unknown }>;
  assert.deepEqual(Object.fromEntries(patch.map((op) => [op.path, op.value])), {
    '/spec/concurrencyPolicy': 'Allow',
    '/spec/suspend': false,
    '/spec/successfulJobsHistoryLimit': 3,
    '/spec/failedJobsHistoryLimit': 1,
  });
  const set = cronJob('nightly', { concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 });
  assert.equal((await admit(cronJobWebhooks.mutating!, set)).patch, undefined);
});

test('validation refuses a schedule that is not cron and a name over 52 characters; accepts @hourly', async () => {
  const badSchedule = await admit(cronJobWebhooks.validating!, cronJob('nightly', { schedule: '*/1 * *' }));
  assert.equal(badSchedule.allowed, false);
  assert.match(badSchedule.status!.message!, /^spec\.schedule: schedule "\*\/1 \* \*" is not a cron schedule: give 5 fields/);
  const longName = await admit(cronJobWebhooks.validating!, cronJob('a'.repeat(53), {}));
  assert.match(longName.status!.message!, /metadata\.name "a{53}" has 53 characters: at most 52/);
  assert.equal((await admit(cronJobWebhooks.validating!, cronJob('a'.repeat(52), { schedule: '@hourly' }))).allowed, true);
});
