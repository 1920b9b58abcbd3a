// Cron schedules, as the book reads them with robfig/cron's ParseStandard: five fields (minute, hour, day of month,
// month, day of week) or a descriptor. Times are UTC. The normal form (descriptors expanded, fields split on
// whitespace) is what v1 ↔ v2 conversion and the controller share; cron-parser does the date arithmetic.
import { CronExpressionParser } from 'cron-parser';

/** The descriptors robfig/cron accepts besides `@every`, as five fields. */
const descriptors: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Why a schedule gives no run: its `reason` is the condition's reason the controller reports. */
export class ScheduleError extends Error {
  readonly reason: 'InvalidSchedule' | 'TooManyMissedStarts';
  constructor(reason: ScheduleError['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** More missed runs than this is an error, as in the book: the clock is off, or the CronJob was suspended for long. */
export const maxMissedRuns = 100;

/** The five fields of `schedule` (a descriptor expanded); throws a {@link ScheduleError} that says what is wrong. */
export function scheduleFields(schedule: string): string[] {
  const trimmed = schedule.trim();
  const fields = (descriptors[trimmed.toLowerCase()] ?? trimmed).split(/\s+/);
  if (fields.length !== 5 || fields[0] === '') {
    throw new ScheduleError(
      'InvalidSchedule',
      `schedule "${schedule}" is not a cron schedule: give 5 fields (minute hour day-of-month month day-of-week, e.g. "*/5 * * * *") or one of ${Object.keys(descriptors).join(', ')}`,
    );
  }
  return fields;
}

/** The first scheduled time strictly after `after`; throws, saying why, for a schedule that does not parse. */
export function nextRun(schedule: string, after: Date): Date {
  const fields = scheduleFields(schedule);
  try {
    return CronExpressionParser.parse(fields.join(' '), { currentDate: after, tz: 'UTC' }).next().toDate();
  } catch (err) {
    throw new ScheduleError('InvalidSchedule', `schedule "${schedule}" does not parse: ${(err as Error).message}`, { cause: err });
  }
}

/** The scheduled times in (`after`, `until`], at most `limit + 1` of them. */
function runsBetween(schedule: string, after: Date, until: Date, limit: number): Date[] {
  const expression = CronExpressionParser.parse(scheduleFields(schedule).join(' '), { currentDate: after, tz: 'UTC' });
  const runs: Date[] = [];
  for (let run = expression.next().toDate(); run <= until && runs.length <= limit; run = expression.next().toDate()) runs.push(run);
  return runs;
}

/** What {@link missedRuns} found: the latest run that should have started, and the next one to wait for. */
export interface MissedRuns {
  readonly lastMissed: Date | undefined;
  readonly next: Date;
}

/**
 * The book's getNextSchedule: the runs missed since `lastScheduled` (or the CronJob's creation), counted from no
 * earlier than `now - startingDeadlineSeconds` when that is set, and the next run after `now`. More than
 * {@link maxMissedRuns} missed runs throw.
 */
export function missedRuns(
  input: { schedule: string; created: Date; lastScheduled: Date | undefined; startingDeadlineSeconds: number | undefined },
  now: Date,
): MissedRuns {
  let earliest = input.lastScheduled ?? input.created;
  if (input.startingDeadlineSeconds !== undefined) {
    const deadline = new Date(now.getTime() - input.startingDeadlineSeconds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const next = nextRun(input.schedule, now);
  if (earliest > now) return { lastMissed: undefined, next };
  const runs = runsBetween(input.schedule, earliest, now, maxMissedRuns);
  if (runs.length > maxMissedRuns) {
    throw new ScheduleError(
      'TooManyMissedStarts',
      `more than ${maxMissedRuns} missed start times since ${earliest.toISOString()}: set or decrease spec.startingDeadlineSeconds, or check the clocks`,
    );
  }
  return { lastMissed: runs.at(-1), next };
}
