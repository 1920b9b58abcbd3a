// What the CronJob tests share: the CronJob controller of examples/cronjob run in the test process on a clock the
// test moves (a fakeClock), under a Manager scoped to the test's own namespace, so that no two tests (nor the
// operator process of operator.test.ts) reconcile the same objects. The shared control plane runs no job
// controller, as envtest: the tests own Job status, and set it through the status subresource.
import { Registry } from 'prom-client';
import { controllerReferenceOf } from '../../src/controller/index.ts';
import type { Logger, ManualClock } from '../../src/core/index.ts';
import { Job } from '../../src/kinds/batch/v1.ts';
import { Manager } from '../../src/manager/index.ts';
import { type Cluster, createNamespace, eventually, fakeClock } from '../../src/testing/index.ts';
import { CronJob } from '../../examples/cronjob/src/api/cron-job.ts';
import { cronJobController } from '../../examples/cronjob/src/controllers/cron-job.ts';
import { fileScope } from '../support/cluster.ts';

export const jobTemplate = {
  spec: {
    template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.37', args: ['date'] }], restartPolicy: 'OnFailure' as const } },
  },
};

/** A namespace of its own, the controller on a fake clock in it, and what a test needs to drive it. */
export interface CronJobRig {
  cluster: Cluster;
  namespace: string;
  clock: ManualClock;
  /** Lines logged (warnings and errors) and a timeline, for a failing wait's message. */
  describe: () => string;
  create(name: string, spec: Partial<CronJob['spec']>): Promise<CronJob>;
  cronJob(name: string): Promise<CronJob>;
  jobs(): Promise<Job[]>;
  /** Mark a Job finished, as the job controller would: a status the API server accepts for a terminal Job. */
  finish(name: string, how: 'Complete' | 'Failed', startTime: Date): Promise<void>;
}

export async function cronJobRig(cluster: Cluster, prefix: string): Promise<CronJobRig> {
  const namespace = await createNamespace(cluster, prefix, fileScope);
  const clock = fakeClock();
  const log: string[] = [];
  const manager = new Manager({
    client: cluster.admin,
    namespace,
    registry: new Registry(),
    logger: recording(log),
    shutdownGraceMs: 5_000,
  });
  manager.add(cronJobController({ clock }));
  await manager.start();
  fileScope.after(() => manager.stop());
  const cronJobs = cluster.admin.resource(CronJob);
  const jobs = cluster.admin.resource(Job);
  return {
    cluster,
    namespace,
    clock,
    describe: () => `fake clock at ${clock.wallNow().toISOString()}; operator log:\n${log.slice(-30).join('\n')}`,
    create: (name, spec) =>
      cronJobs.create(
        {
          apiVersion: 'batch.tutorial.kubebuilder.io/v1',
          kind: 'CronJob',
          metadata: { name },
          spec: { schedule: '*/1 * * * *', jobTemplate, ...spec },
        },
        { namespace },
      ),
    cronJob: (name) => cronJobs.get(name, { namespace }),
    jobs: async () => (await jobs.list({ namespace })).items.filter((job) => controllerReferenceOf(job)?.kind === 'CronJob'),
    finish: async (name, how, startTime) => {
      // The times are the fake clock's (ahead of the real one): only their order is checked.
      const done = rfc3339(new Date(startTime.getTime() + 1_000));
      const condition = (type: string) => ({
        type,
        status: 'True',
        reason: how,
        message: how,
        lastProbeTime: done,
        lastTransitionTime: done,
      });
      const status =
        how === 'Complete'
          ? {
              startTime: rfc3339(startTime),
              completionTime: done,
              succeeded: 1,
              active: 0,
              conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
            }
          : { startTime: rfc3339(startTime), failed: 1, active: 0, conditions: [condition('FailureTarget'), condition('Failed')] };
      await cluster.admin.request({
        method: 'PATCH',
        path: `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`,
        contentType: 'application/merge-patch+json',
        body: { status },
      });
    },
  };
}

/** The first run of an every-minute schedule strictly after the CronJob's creation. */
export function firstMinuteAfter(cronJob: CronJob): Date {
  const created = Date.parse(cronJob.metadata.creationTimestamp!);
  return new Date((Math.floor(created / 60_000) + 1) * 60_000);
}

/** Wait until `check` holds, with the rig's diagnostics on failure. */
export function until<T>(rig: CronJobRig, what: string, check: () => Promise<T | false | undefined>, timeoutMs = 15_000): Promise<T> {
  return eventually(what, check, { timeoutMs, describe: rig.describe });
}

export function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function recording(lines: string[], bindings: object = {}): Logger {
  const write = (level: string) => (fields: object, message: string) => {
    lines.push(`${new Date().toISOString()} ${level} ${message} ${JSON.stringify({ ...bindings, ...fields })}`);
  };
  return {
    debug: () => undefined,
    info: write('INFO'),
    warn: write('WARN'),
    error: write('ERROR'),
    child: (more) => recording(lines, { ...bindings, ...more }),
  };
}
