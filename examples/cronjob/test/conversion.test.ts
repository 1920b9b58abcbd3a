// The conversion between CronJob v1 and v2, as the API server asks for it, with no cluster: the schedule split
// into fields and joined again, and (a property) every object of either version converted there and back unchanged,
// v1 schedules taken in their normal form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assertRoundTrips } from 'capstan/testing';
import { nextRun } from '../src/schedule.ts';
import { cronJobConversion, normalSchedule, toScheduleV1, toScheduleV2 } from '../src/webhooks/cron-job-conversion.ts';

const fieldNames = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;
const metadata = { name: 'nightly', namespace: 'default', uid: 'u-1', generation: 2 };
const jobTemplate = { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } } } };

test('v1 → v2 splits the schedule; `*` fields are left out; a descriptor becomes its fields', () => {
  assert.deepEqual(toScheduleV2('*/5 9-17 * * 1-5'), { minute: '*/5', hour: '9-17', dayOfWeek: '1-5' });
  assert.deepEqual(toScheduleV2('@weekly'), { minute: '0', hour: '0', dayOfWeek: '0' });
  assert.equal(toScheduleV1({ hour: '3' }), '* 3 * * *');
  assert.equal(normalSchedule('@hourly'), '0 * * * *');
  const v2 = cronJobConversion.convert(
    { apiVersion: 'batch.tutorial.kubebuilder.io/v1', kind: 'CronJob', metadata, spec: { schedule: '0 3 * * *', jobTemplate } } as never,
    'batch.tutorial.kubebuilder.io/v2',
  ) as unknown as { spec: unknown };
  assert.deepEqual(v2.spec, { schedule: { minute: '0', hour: '3' }, jobTemplate });
});

test('a v1 schedule that is not cron cannot be converted: the error says why', () => {
  assert.throws(
    () =>
      cronJobConversion.convert(
        {
          apiVersion: 'batch.tutorial.kubebuilder.io/v1',
          kind: 'CronJob',
          metadata,
          spec: { schedule: '@every 5m', jobTemplate },
        } as never,
        'batch.tutorial.kubebuilder.io/v2',
      ),
    /is not a cron schedule/,
  );
});

// A cron field: a value, a range, a step or a list, never `*` alone (left out instead) nor blank.
const cronField = fc.oneof(
  fc.integer({ min: 0, max: 59 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 20 })).map(([a, b]) => `${a}-${b}`),
  fc.integer({ min: 1, max: 30 }).map((n) => `*/${n}`),
  fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 3 }).map((days) => days.join(',')),
);
const scheduleV2 = fc.record(
  Object.fromEntries(fieldNames.map((name) => [name, cronField])) as Record<(typeof fieldNames)[number], typeof cronField>,
  {
    requiredKeys: [],
  },
);
const common = {
  startingDeadlineSeconds: fc.option(fc.nat({ max: 3600 }), { nil: undefined }),
  concurrencyPolicy: fc.option(fc.constantFrom('Allow', 'Forbid', 'Replace'), { nil: undefined }),
  suspend: fc.option(fc.boolean(), { nil: undefined }),
  successfulJobsHistoryLimit: fc.option(fc.nat({ max: 10 }), { nil: undefined }),
};
const status = fc.option(fc.record({ lastScheduleTime: fc.constant('2030-01-01T00:00:00Z') }), { nil: undefined });

test('every v2 CronJob converts to v1 and back unchanged (property)', () => {
  const v2 = fc.record({ schedule: scheduleV2, ...common }).chain((spec) =>
    status.map((s) => ({
      apiVersion: 'batch.tutorial.kubebuilder.io/v2',
      kind: 'CronJob',
      metadata,
      spec: { ...spec, jobTemplate },
      ...(s ? { status: s } : {}),
    })),
  );
  fc.assert(fc.property(v2, (object) => assertRoundTrips(cronJobConversion, object)));
});

test('every v1 CronJob whose schedule is in normal form converts to v2 and back unchanged (property)', () => {
  const schedules = fc.oneof(
    scheduleV2.map(toScheduleV1),
    fc.constantFrom('@yearly', '@monthly', '@weekly', '@daily', '@midnight', '@hourly').map(normalSchedule),
  );
  const v1 = fc.record({ schedule: schedules, ...common }).map((spec) => ({
    apiVersion: 'batch.tutorial.kubebuilder.io/v1',
    kind: 'CronJob',
    metadata,
    spec: { ...spec, jobTemplate },
  }));
  fc.assert(fc.property(v1, (object) => assertRoundTrips(cronJobConversion, object)));
});

test('normalising is idempotent (property); the normal form of a descriptor runs at the same times', () => {
  fc.assert(fc.property(scheduleV2.map(toScheduleV1), (schedule) => normalSchedule(normalSchedule(schedule)) === normalSchedule(schedule)));
  const after = new Date('2030-03-15T10:20:30Z');
  for (const descriptor of ['@yearly', '@monthly', '@weekly', '@daily', '@hourly']) {
    assert.deepEqual(nextRun(normalSchedule(descriptor), after), nextRun(descriptor, after), descriptor);
  }
});
