// Conversion between CronJob v1 (the hub) and v2: the API server calls the manager's /convert when a client asks
// for one version of an object stored in the other. The schedule is joined and split on spaces in its normal form
// (a descriptor becomes its five fields; in v2 a `*` field is left out, as an absent field means `*`), so v2 → v1
// → v2 is exact, and v1 → v2 → v1 is exact for a schedule already in normal form.
import { conversion } from 'capstan/webhook';
import { CronJob } from '../api/cron-job.ts';
import { CronJobV2 } from '../api/cron-job-v2.ts';
import { scheduleFields } from '../schedule.ts';

const fieldNames = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;
type CronScheduleV2 = CronJobV2['spec']['schedule'];

/** v1's schedule string as v2's object: its fields in normal form, `*` left out. Throws for a schedule that is not cron. */
export function toScheduleV2(schedule: string): CronScheduleV2 {
  const fields = scheduleFields(schedule);
  return Object.fromEntries(fieldNames.flatMap((name, i) => (fields[i] === '*' ? [] : [[name, fields[i]!]])));
}

/** v2's schedule object as v1's string: five fields joined by single spaces, `*` where one is left out. */
export function toScheduleV1(schedule: CronScheduleV2): string {
  return fieldNames.map((name) => schedule[name] ?? '*').join(' ');
}

/** The normal form of a v1 schedule: what a round trip through v2 gives. */
export function normalSchedule(schedule: string): string {
  return toScheduleV1(toScheduleV2(schedule));
}

export const cronJobConversion = conversion(CronJob).spoke(CronJobV2, {
  toHub: ({ spec, status }) => ({ spec: { ...spec, schedule: toScheduleV1(spec.schedule) }, ...(status ? { status } : {}) }),
  fromHub: ({ spec, status }) => ({ spec: { ...spec, schedule: toScheduleV2(spec.schedule) }, ...(status ? { status } : {}) }),
});
