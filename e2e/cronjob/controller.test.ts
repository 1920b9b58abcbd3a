// The CronJob controller of examples/cronjob on the shared control plane, the book's behaviour one rule per test.
// Each test runs the controller in this process on a fake clock that it moves (`controller(...).clock(c)`), so a
// run "a minute later" takes no minute: the requeue the controller asked for fires when the test advances the clock.
// No job controller runs (as in envtest): the tests mark Jobs finished through the status subresource.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Job } from '../../src/kinds/batch/v1.ts';
import { ownerReferenceTo } from '../../src/controller/index.ts';
import type { Cluster } from '../../src/testing/index.ts';
import { CronJob } from '../../examples/cronjob/src/api/cron-job.ts';
import { scheduledAtAnnotation } from '../../examples/cronjob/src/controllers/cron-job.ts';
import { sharedCluster } from '../support/cluster.ts';
import { cronJobRig, firstMinuteAfter, jobTemplate, rfc3339, until } from './support.ts';

let cluster: Cluster;
before(async () => {
  cluster = await sharedCluster();
});

const names = (jobs: Job[]) => jobs.map((job) => job.metadata.name!).sort();

test('a Job owned by the CronJob appears in status.active (the book’s controller test)', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-active');
  const cronJob = await rig.create('test-cronjob', { schedule: '1 * * * *' });
  await cluster.admin.resource(Job).create(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'test-job', ownerReferences: [ownerReferenceTo(cronJob)] },
      spec: jobTemplate.spec,
    },
    { namespace: rig.namespace },
  );
  const status = await until(rig, 'status.active to list test-job', async () => {
    const current = await rig.cronJob('test-cronjob');
    return current.status?.active?.some((ref) => ref.name === 'test-job') ? current.status : undefined;
  });
  assert.deepEqual(
    status.active?.map((ref) => [ref.kind, ref.name]),
    [['Job', 'test-job']],
  );
});

test('a run is created at its time: named <cronjob>-<unix seconds>, annotated with its scheduled time, controlled by the CronJob', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-run');
  const cronJob = await rig.create('every-minute', { jobTemplate: { ...jobTemplate, metadata: { labels: { team: 'batch' } } } });
  const run = firstMinuteAfter(cronJob);
  // Just before the run; the clock started at the real time, which may already be within that last second (a
  // CronJob created at hh:mm:59 runs at the next minute).
  await rig.moveTo(new Date(Math.max(rig.clock.wallNow().getTime(), run.getTime() - 1_000)));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.deepEqual(names(await rig.jobs()), [], 'nothing runs before its time');
  await rig.moveTo(new Date(run.getTime() + 5_000));
  const [job] = await until(rig, 'the run’s Job', async () => {
    const jobs = await rig.jobs();
    return jobs.length > 0 ? jobs : undefined;
  });
  assert.equal(job!.metadata.name, `every-minute-${run.getTime() / 1000}`);
  assert.equal(job!.metadata.annotations?.[scheduledAtAnnotation], rfc3339(run));
  assert.equal(job!.metadata.labels?.['team'], 'batch');
  assert.deepEqual(
    job!.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
    [['CronJob', 'every-minute', true]],
  );
  const status = await until(rig, 'lastScheduleTime and active in the status', async () => {
    const current = await rig.cronJob('every-minute');
    return current.status?.lastScheduleTime === rfc3339(run) && current.status.active?.length === 1 ? current.status : undefined;
  });
  assert.equal(status.active![0]!.name, job!.metadata.name);
});

test('Forbid skips a run while a Job is active; once it has finished, the run it skipped starts', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-forbid');
  const cronJob = await rig.create('forbid', { concurrencyPolicy: 'Forbid' });
  const first = firstMinuteAfter(cronJob);
  await rig.moveTo(new Date(first.getTime() + 1_000));
  await until(rig, 'the first run', async () => ((await rig.jobs()).length === 1 ? true : undefined));
  await until(rig, 'the first run in status.active', async () =>
    (await rig.cronJob('forbid')).status?.active?.length === 1 ? true : undefined,
  );
  await rig.moveTo(new Date(first.getTime() + 61_000)); // the second run falls due while the first is active
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  assert.deepEqual(names(await rig.jobs()), [`forbid-${first.getTime() / 1000}`], 'the second run is skipped');
  // No starting deadline: the skipped run is still the latest missed one when the Job's finish wakes the CronJob.
  await rig.finish(`forbid-${first.getTime() / 1000}`, 'Complete', first);
  await until(rig, 'the skipped run once the first has finished', async () => ((await rig.jobs()).length === 2 ? true : undefined));
  assert.deepEqual(names(await rig.jobs()), [`forbid-${first.getTime() / 1000}`, `forbid-${first.getTime() / 1000 + 60}`]);
});

test('Replace deletes the active Job before creating the new run', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-replace');
  const cronJob = await rig.create('replace', { concurrencyPolicy: 'Replace' });
  const first = firstMinuteAfter(cronJob);
  await rig.moveTo(new Date(first.getTime() + 1_000));
  await until(rig, 'the first run', async () => ((await rig.jobs()).length === 1 ? true : undefined));
  await until(rig, 'the first run in status.active', async () =>
    (await rig.cronJob('replace')).status?.active?.length === 1 ? true : undefined,
  );
  await rig.moveTo(new Date(first.getTime() + 61_000));
  const second = `replace-${first.getTime() / 1000 + 60}`;
  // Deleted with propagation Background: with no Pods (no job controller) it is gone at once.
  await until(rig, 'only the second run left', async () => {
    const jobs = names(await rig.jobs());
    return jobs.length === 1 && jobs[0] === second ? true : undefined;
  });
});

test('a run later than startingDeadlineSeconds is skipped; the next one on time runs', async () => {
  // The operator is down at the first run and comes back 30 s late, past the 10 s deadline.
  const rig = await cronJobRig(cluster, 'cronjob-deadline', { started: false });
  const cronJob = await rig.create('deadline', { startingDeadlineSeconds: 10 });
  const first = firstMinuteAfter(cronJob);
  await rig.moveTo(new Date(first.getTime() + 30_000), { waiting: false });
  await rig.start();
  await until(rig, 'the skipped run reported', async () =>
    (await rig.cronJob('deadline')).status?.conditions?.some((c) => c.type === 'Scheduling') ? true : undefined,
  );
  await rig.moveTo(new Date(first.getTime() + 59_000)); // the controller has waited for its next run
  assert.deepEqual(names(await rig.jobs()), []);
  assert.equal((await rig.cronJob('deadline')).status?.lastScheduleTime, undefined);
  await rig.moveTo(new Date(first.getTime() + 65_000)); // the next run falls due while it runs
  await until(rig, 'the next run', async () => ((await rig.jobs()).length === 1 ? true : undefined));
  assert.deepEqual(names(await rig.jobs()), [`deadline-${first.getTime() / 1000 + 60}`]);
});

test('more than 100 missed starts reports Scheduling=False, TooManyMissedStarts, and creates nothing', async () => {
  // The operator is down for 102 runs.
  const rig = await cronJobRig(cluster, 'cronjob-missed', { started: false });
  const cronJob = await rig.create('missed', {});
  await rig.moveTo(new Date(firstMinuteAfter(cronJob).getTime() + 101 * 60_000), { waiting: false });
  await rig.start();
  const condition = await until(rig, 'Scheduling=False', async () =>
    (await rig.cronJob('missed')).status?.conditions?.find((c) => c.type === 'Scheduling' && c.status === 'False'),
  );
  assert.equal(condition.reason, 'TooManyMissedStarts');
  assert.match(condition.message, /more than 100 missed start times .*startingDeadlineSeconds/);
  assert.deepEqual(names(await rig.jobs()), []);
});

test('history limits delete the oldest finished Jobs (by start time), successful and failed separately', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-history');
  const cronJob = await rig.create('history', { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 });
  const first = firstMinuteAfter(cronJob);
  const runs = [0, 1, 2, 3].map((i) => new Date(first.getTime() + i * 60_000));
  for (const [i, run] of runs.entries()) {
    await rig.moveTo(new Date(run.getTime() + 1_000));
    const name = `history-${run.getTime() / 1000}`;
    await until(rig, `run ${name} in status.active`, async () =>
      (await rig.cronJob('history')).status?.active?.some((ref) => ref.name === name) ? true : undefined,
    );
    await rig.finish(name, i % 2 === 0 ? 'Complete' : 'Failed', run);
    // The finish wakes the CronJob: its reconcile drops the Job from status.active before the clock moves on.
    await until(rig, `${name} finished in the status`, async () =>
      (await rig.cronJob('history')).status?.active?.some((ref) => ref.name === name) ? undefined : true,
    );
  }
  // Complete: runs 0 and 2, failed: runs 1 and 3; the newest of each is kept (each finish wakes the CronJob).
  const kept = await until(rig, 'one Job of each outcome left', async () => {
    const jobs = names(await rig.jobs());
    return jobs.length === 2 ? jobs : undefined;
  });
  assert.deepEqual(kept, [`history-${runs[2]!.getTime() / 1000}`, `history-${runs[3]!.getTime() / 1000}`]);
});

test('suspend stops new Jobs; resuming runs the latest missed run', async () => {
  const rig = await cronJobRig(cluster, 'cronjob-suspend');
  const cronJob = await rig.create('suspended', { suspend: true });
  const first = firstMinuteAfter(cronJob);
  await rig.moveTo(new Date(first.getTime() + 5 * 60_000 + 1_000), { waiting: false });
  const condition = await until(rig, 'Scheduling=False, Suspended', async () =>
    (await rig.cronJob('suspended')).status?.conditions?.find((c) => c.type === 'Scheduling' && c.reason === 'Suspended'),
  );
  assert.equal(condition.status, 'False');
  assert.deepEqual(names(await rig.jobs()), []);
  await cluster.admin.resource(CronJob).mergePatch('suspended', { spec: { suspend: false } }, { namespace: rig.namespace });
  await until(rig, 'the latest missed run', async () => ((await rig.jobs()).length === 1 ? true : undefined));
  assert.deepEqual(names(await rig.jobs()), [`suspended-${first.getTime() / 1000 + 300}`]);
});
