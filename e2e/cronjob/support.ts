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
  /**
   * Move the fake clock to `date` once the controller is idle: no reconcile running or queued and, unless
   * `waiting` is false (a suspended CronJob waits for nothing), its requeue for the next run scheduled. A
   * reconcile still in flight when the clock jumps would schedule its requeue from the new time, past `date`.
   */
  moveTo(date: Date, options?: { waiting?: boolean }): Promise<void>;
  /** Start the controller of a rig made with `started: false`. */
  start(): Promise<void>;
  /** Lines logged (warnings and errors) and a timeline, for a failing wait's message. */
  describe: () => string;
  create(name: string, spec: Partial<CronJob['spec']>): Promise<CronJob>;
  cronJob(name: string): Promise<CronJob>;
  jobs(): Promise<Job[]>;
  /** Mark a Job finished, as the job controller would: a status the API server accepts for a terminal Job. */
  finish(name: string, how: 'Complete' | 'Failed', startTime: Date): Promise<void>;
}

/**
 * `started: false` leaves the controller stopped until {@link CronJobRig.start}: the CronJobs a test creates and
 * the time it moves meanwhile are what an operator that was down finds when it comes back.
 */
export async function cronJobRig(cluster: Cluster, prefix: string, options: { started?: boolean } = {}): Promise<CronJobRig> {
  const namespace = await createNamespace(cluster, prefix, fileScope);
  const clock = fakeClock();
  const log: string[] = [];
  const registry = new Registry();
  const manager = new Manager({
    client: cluster.admin,
    namespace,
    registry,
    logger: recording(log),
    shutdownGraceMs: 5_000,
  });
  manager.add(cronJobController({ clock }));
  fileScope.after(() => manager.stop());
  if (options.started ?? true) await manager.start();
  const cronJobs = cluster.admin.resource(CronJob);
  const jobs = cluster.admin.resource(Job);
  const gauge = async (name: string) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return values.reduce((sum, { value }) => sum + value, 0);
  };
  const rig: CronJobRig = {
    cluster,
    namespace,
    clock,
    moveTo: async (date, { waiting = true } = {}) => {
      await until(
        rig,
        `the controller idle${waiting ? ', its next run scheduled' : ''}, before moving the clock to ${date.toISOString()}`,
        async () => {
          const idle = (await gauge('controller_runtime_active_workers')) === 0 && (await gauge('workqueue_depth')) === 0;
          return idle && (!waiting || clock.pendingTimers > 0) ? true : undefined;
        },
      );
      await clock.set(date);
    },
    start: () => manager.start(),
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
  return rig;
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
