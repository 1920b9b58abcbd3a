// The schedule math of the controller (the book's getNextSchedule), with no cluster: missed runs since the last
// one, the starting deadline, the limit of 100 missed starts, and the schedules the webhook accepts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxMissedRuns, missedRuns, nextRun, ScheduleError, scheduleFields } from '../src/schedule.ts';

const at = (iso: string) => new Date(iso);
const everyMinute = {
  schedule: '*/1 * * * *',
  created: at('2030-01-01T00:00:30Z'),
  lastScheduled: undefined,
  startingDeadlineSeconds: undefined,
};

test('the latest missed run since the creation, and the next run after now', () => {
  assert.deepEqual(missedRuns(everyMinute, at('2030-01-01T00:03:10Z')), {
    lastMissed: at('2030-01-01T00:03:00Z'),
    next: at('2030-01-01T00:04:00Z'),
  });
  assert.deepEqual(missedRuns(everyMinute, at('2030-01-01T00:00:50Z')), { lastMissed: undefined, next: at('2030-01-01T00:01:00Z') });
});

test('runs are counted after the last scheduled time: the run already started is not missed again', () => {
  const input = { ...everyMinute, lastScheduled: at('2030-01-01T00:03:00Z') };
  assert.equal(missedRuns(input, at('2030-01-01T00:03:40Z')).lastMissed, undefined);
  assert.deepEqual(missedRuns(input, at('2030-01-01T00:04:00Z')).lastMissed, at('2030-01-01T00:04:00Z'));
});

test('with startingDeadlineSeconds, runs earlier than now minus the deadline are not counted', () => {
  const input = { ...everyMinute, startingDeadlineSeconds: 10 };
  assert.deepEqual(missedRuns(input, at('2030-01-01T00:03:05Z')).lastMissed, at('2030-01-01T00:03:00Z'));
  assert.equal(missedRuns(input, at('2030-01-01T00:03:30Z')).lastMissed, undefined, 'the 00:03 run is 30 s late, past 10 s');
});

test('more than 100 missed starts is an error naming what to do; a deadline bounds the count', () => {
  const now = at('2030-01-01T01:42:00Z'); // 102 runs since the creation
  assert.throws(
    () => missedRuns(everyMinute, now),
    (err: unknown) => err instanceof ScheduleError && err.reason === 'TooManyMissedStarts' && /startingDeadlineSeconds/.test(err.message),
  );
  assert.equal(
    missedRuns(everyMinute, at('2030-01-01T01:40:00Z')).lastMissed?.toISOString(),
    '2030-01-01T01:40:00.000Z',
    `${maxMissedRuns} is fine`,
  );
  assert.deepEqual(missedRuns({ ...everyMinute, startingDeadlineSeconds: 300 }, now).lastMissed, now);
});

test('five fields or a descriptor; anything else is refused with what to give instead', () => {
  assert.deepEqual(scheduleFields('@hourly'), ['0', '*', '*', '*', '*']);
  assert.deepEqual(scheduleFields(' 0  9 * * 1-5 '), ['0', '9', '*', '*', '1-5']);
  assert.deepEqual(nextRun('@daily', at('2030-01-01T12:00:00Z')), at('2030-01-02T00:00:00Z'));
  for (const bad of ['', '* * *', '* * * * * *', '@every 5m', 'nope']) {
    assert.throws(() => nextRun(bad, at('2030-01-01T00:00:00Z')), /is not a cron schedule: give 5 fields/, bad);
  }
  assert.throws(() => nextRun('61 * * * *', at('2030-01-01T00:00:00Z')), /does not parse/);
});
