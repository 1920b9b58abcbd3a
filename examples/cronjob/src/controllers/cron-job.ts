// Reconciles CronJobs as the book's controller does: list the CronJob's Jobs (by a field index on their controller's
// name), report the running ones and the last scheduled time in the status, delete finished Jobs beyond the history
// limits, and, unless suspended, start the latest missed run (within the starting deadline, as the concurrency
// policy allows), then wait for the next run. The time is `ctx.now()`: a test moves it with an injected clock.
import { type ConditionInput, controller, done, Job, requeueAfter } from 'capstan';
import { controllerReferenceOf } from 'capstan/controller';
import type { Clock } from 'capstan/core';
import { CronJob } from '../api/cron-job.ts';
import { type MissedRuns, missedRuns, ScheduleError } from '../schedule.ts';

/** The annotation that records when a Job was scheduled to run (RFC 3339). */
export const scheduledAtAnnotation = 'batch.tutorial.kubebuilder.io/scheduled-at';
/** The field index of Jobs by the name of the CronJob that controls them (the book's `.metadata.controller`). */
export const ownerIndex = 'cronJob';

/** The CronJob controller, on the real clock unless one is given (tests pass `fakeClock()` of capstan/testing). */
export function cronJobController(options: { clock?: Clock } = {}) {
  const builder = controller(CronJob)
    .owns(Job)
    .index(Job, ownerIndex, (job) => {
      const owner = controllerReferenceOf(job);
      return owner?.kind === 'CronJob' && owner.apiVersion.startsWith(`${CronJob.group}/`) ? [owner.name] : [];
    });
  return (options.clock ? builder.clock(options.clock) : builder).reconcile(async (ctx) => {
    const cronJob = ctx.object;
    // Deleted: its Jobs go with it through garbage collection.
    if (!cronJob || cronJob.metadata.deletionTimestamp) return done();
    const now = ctx.now();
    const { spec } = cronJob;

    // 1. The CronJob's Jobs: running, succeeded, failed; the latest scheduled time.
    const jobs = await ctx.list(Job, { namespace: ctx.namespace, index: { name: ownerIndex, value: ctx.name } });
    const active: Job[] = [];
    const succeeded: Job[] = [];
    const failed: Job[] = [];
    let lastScheduled = cronJob.status?.lastScheduleTime ? new Date(cronJob.status.lastScheduleTime) : undefined;
    for (const job of jobs) {
      const finished = finishedAs(job);
      (finished === 'Complete' ? succeeded : finished === 'Failed' ? failed : active).push(job);
      const scheduledAt = job.metadata.annotations?.[scheduledAtAnnotation];
      const at = scheduledAt === undefined ? undefined : new Date(scheduledAt);
      if (at && !Number.isNaN(at.getTime()) && (!lastScheduled || at > lastScheduled)) lastScheduled = at;
    }

    // 2. When to run: the latest missed run and the next one, or why not (a condition, not a crash loop).
    let runs: MissedRuns | undefined;
    let scheduling: ConditionInput;
    try {
      runs = missedRuns(
        {
          schedule: spec.schedule,
          created: new Date(cronJob.metadata.creationTimestamp!),
          lastScheduled,
          startingDeadlineSeconds: spec.startingDeadlineSeconds,
        },
        now,
      );
      scheduling = spec.suspend
        ? { type: 'Scheduling', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: no new Jobs' }
        : { type: 'Scheduling', status: 'True', reason: 'OnSchedule', message: `the next run is at ${rfc3339(runs.next)}` };
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      scheduling = { type: 'Scheduling', status: 'False', reason: err.reason, message: err.message };
    }

    // 3. The status: the running Jobs and the last scheduled time, written only when it changes.
    const writeStatus = (running: Job[], last: Date | undefined) =>
      ctx.applyStatus([scheduling], {
        active: running
          .map((job) => ({
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name!,
            namespace: ctx.namespace!,
            uid: job.metadata.uid!,
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        ...(last ? { lastScheduleTime: rfc3339(last) } : {}),
      });
    await writeStatus(active, lastScheduled);

    // 4. History: delete the oldest finished Jobs beyond the limits (their Pods too: propagation Background).
    for (const [finished, limit] of [
      [failed, spec.failedJobsHistoryLimit],
      [succeeded, spec.successfulJobsHistoryLimit],
    ] as const) {
      if (limit === undefined) continue;
      const oldestFirst = [...finished].sort((a, b) => (a.status?.startTime ?? '').localeCompare(b.status?.startTime ?? ''));
      for (const job of oldestFirst.slice(0, Math.max(0, oldestFirst.length - limit))) {
        const deleted = await ctx.deleteChild(Job, job.metadata.name!, { propagationPolicy: 'Background' });
        if (deleted.operation === 'deleted') ctx.recordEvent('Normal', 'DeletedJob', `Deleted old finished Job ${job.metadata.name}`);
      }
    }

    // 5. Suspended, or no valid schedule: nothing to start, nothing to wait for (a spec change wakes it).
    if (spec.suspend || !runs) return done();
    const wait = requeueAfter(Math.max(0, runs.next.getTime() - now.getTime()));
    const run = runs.lastMissed;
    if (!run) return wait;
    if (spec.startingDeadlineSeconds !== undefined && run.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
      ctx.log.info({ run: rfc3339(run) }, 'missed the starting deadline of the last run; skipping it');
      return wait;
    }

    // 6. The concurrency policy, then the run's Job, named after its scheduled time (the same name on a retry).
    if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
      ctx.log.info({ run: rfc3339(run), active: active.length }, 'concurrency policy forbids concurrent runs; skipping');
      return wait;
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const job of active) {
        const deleted = await ctx.deleteChild(Job, job.metadata.name!, { propagationPolicy: 'Background' });
        if (deleted.operation === 'deleted')
          ctx.recordEvent('Normal', 'ReplacedJob', `Deleted active Job ${job.metadata.name} to replace it`);
      }
    }
    const name = `${ctx.name}-${Math.floor(run.getTime() / 1000)}`;
    const template = spec.jobTemplate;
    const created = await ctx.apply(Job, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations, [scheduledAtAnnotation]: rfc3339(run) },
      },
      spec: template.spec,
    });
    if (created.operation === 'collision') return wait;
    if (created.operation === 'created')
      ctx.recordEvent('Normal', 'SuccessfulCreate', `Created Job ${name} for the run at ${rfc3339(run)}`);
    // The Job's own watch event does not wake us (it is our write): report it now.
    await writeStatus([...(spec.concurrencyPolicy === 'Replace' ? [] : active), created.object], run);
    return wait;
  });
}

/** `Complete` or `Failed` when the Job has that condition True; undefined while it runs. */
function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return finished?.type as 'Complete' | 'Failed' | undefined;
}

/** RFC 3339 to the second, as Kubernetes writes times. */
function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
