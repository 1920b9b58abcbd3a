// Admission webhooks of CronJob (the book's cronjob_webhook.go): defaulting fills what the controller would
// otherwise assume, validation refuses a schedule that is not cron and a name too long for its Jobs' names. They
// are registered for v1 with matchPolicy Equivalent, so the API server converts a v2 request to v1 and sends it
// here: v2 needs no webhooks of its own.
import { deny, webhook } from 'capstan/webhook';
import { CronJob } from '../api/cron-job.ts';
import { nextRun } from '../schedule.ts';

/** A Job is named `<cronjob>-<unix seconds>` (11 more characters) and its Pods' labels carry that name (≤ 63). */
export const maxNameLength = 52;

export const cronJobWebhooks = webhook(CronJob)
  .mutate(({ object }) => ({
    ...object,
    spec: {
      ...object.spec,
      concurrencyPolicy: object.spec.concurrencyPolicy ?? 'Allow',
      suspend: object.spec.suspend ?? false,
      successfulJobsHistoryLimit: object.spec.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: object.spec.failedJobsHistoryLimit ?? 1,
    },
  }))
  .validate(({ object }) => {
    const problems: string[] = [];
    const name = object.metadata.name ?? '';
    if (name.length > maxNameLength) {
      problems.push(
        `metadata.name "${name}" has ${name.length} characters: at most ${maxNameLength}, so that its Jobs' names stay valid labels`,
      );
    }
    try {
      nextRun(object.spec.schedule, new Date());
    } catch (err) {
      problems.push(`spec.schedule: ${(err as Error).message}`);
    }
    return problems.length > 0 ? deny(problems.join('; ')) : undefined;
  });
