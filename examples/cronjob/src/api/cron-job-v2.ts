// CronJob v2 (the book's api/v2/cronjob_types.go): v1's spec with the schedule as an object of its five fields,
// served beside v1, which stays the storage version; src/webhooks/cron-job-conversion.ts converts between them.
import Type from 'typebox';
import { customResource, type ObjectOf } from 'capstan';
import { ConcurrencyPolicy, CronJob, CronJobStatus, JobTemplate } from './cron-job.ts';

// One cron field (`*`, `*/5`, `1-5`, `mon,wed`); left out, it is `*`.
const field = (description: string) => Type.Optional(Type.String({ minLength: 1, pattern: '^\\S+$', description }));

export const CronSchedule = Type.Object(
  {
    minute: field('Minutes, 0–59.'),
    hour: field('Hours, 0–23.'),
    dayOfMonth: field('Days of the month, 1–31.'),
    month: field('Months, 1–12.'),
    dayOfWeek: field('Days of the week, 0–6 (Sunday is 0).'),
  },
  { description: 'When to run, field by field; a field left out means every value (`*`).' },
);

export const CronJobV2 = customResource({
  group: 'batch.tutorial.kubebuilder.io',
  version: 'v2',
  kind: 'CronJob',
  storage: false,
  description: 'CronJob runs a Job on a cron schedule, given field by field.',
  spec: Type.Object({
    schedule: CronSchedule,
    startingDeadlineSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    concurrencyPolicy: Type.Optional(ConcurrencyPolicy),
    suspend: Type.Optional(Type.Boolean()),
    jobTemplate: JobTemplate,
    successfulJobsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0 })),
    failedJobsHistoryLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  status: CronJobStatus,
  printerColumns: CronJob.printerColumns.filter((c) => c.name !== 'Schedule'),
});
export type CronJobV2 = ObjectOf<typeof CronJobV2>;
