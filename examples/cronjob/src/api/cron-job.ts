// CronJob v1, the hub and storage version (the book's api/v1/cronjob_types.go): one typebox schema gives the CRD
// (`capstan generate`) and the object's TypeScript type.
import Type from 'typebox';
import { Conditions, customResource, type ObjectOf } from 'capstan';
import { MapOf } from 'capstan/crd';
import type { JobSpec } from 'capstan/kinds/batch/v1';

/** The Job each run creates: its labels and annotations, and a batch/v1 JobSpec (checked by the API server when the Job is created). */
export const JobTemplate = Type.Object(
  {
    metadata: Type.Optional(Type.Object({ labels: Type.Optional(MapOf(Type.String())), annotations: Type.Optional(MapOf(Type.String())) })),
    spec: Type.Unsafe<JobSpec>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'A batch/v1 JobSpec.' }),
  },
  { description: 'The Job to create at each scheduled time.' },
);

/** The v1 status, which v2 shares: the running Jobs, and when a Job was last scheduled. */
export const CronJobStatus = Type.Object({
  active: Type.Optional(
    Type.Array(
      Type.Object({
        apiVersion: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        namespace: Type.String(),
        uid: Type.String(),
      }),
      { description: 'The Jobs that are running.' },
    ),
  ),
  lastScheduleTime: Type.Optional(Type.String({ format: 'date-time', description: 'When a Job was last scheduled.' })),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions()),
});

export const ConcurrencyPolicy = Type.Union([Type.Literal('Allow'), Type.Literal('Forbid'), Type.Literal('Replace')], {
  description: 'Allow runs at once; Forbid skips a run while one is active; Replace deletes the active Job first.',
});

export const CronJob = customResource({
  group: 'batch.tutorial.kubebuilder.io',
  version: 'v1',
  kind: 'CronJob',
  description: 'CronJob runs a Job on a cron schedule (the Kubebuilder book’s tutorial).',
  spec: Type.Object({
    schedule: Type.String({ minLength: 1, description: 'The schedule in cron format (5 fields, or @hourly, @daily, …).' }),
    startingDeadlineSeconds: Type.Optional(
      Type.Integer({ minimum: 0, description: 'How late a missed run may still start, in seconds; a later one is skipped.' }),
    ),
    concurrencyPolicy: Type.Optional(ConcurrencyPolicy),
    suspend: Type.Optional(Type.Boolean({ description: 'True: no new runs (the running ones go on).' })),
    jobTemplate: JobTemplate,
    successfulJobsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0, description: 'Finished successful Jobs to keep.' })),
    failedJobsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0, description: 'Finished failed Jobs to keep.' })),
  }),
  status: CronJobStatus,
  printerColumns: [
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Last Schedule', type: 'date', jsonPath: '.status.lastScheduleTime' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});
export type CronJob = ObjectOf<typeof CronJob>;
