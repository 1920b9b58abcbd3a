import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { systemClock } from './clock.ts';

test('systemClock waits a delay longer than setTimeout allows in steps, and never fires Infinity', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const fired: string[] = [];
  const month = 30 * 24 * 3600_000;
  systemClock.setTimer(() => fired.push('month'), month);
  systemClock.setTimer(() => fired.push('never'), Number.POSITIVE_INFINITY);
  const cancelled = systemClock.setTimer(() => fired.push('cancelled'), month);
  mock.timers.tick(1);
  assert.deepEqual(fired, [], 'nothing fires at once (setTimeout alone would fire both after 1 ms)');
  mock.timers.tick(2 ** 31 - 1);
  assert.deepEqual(fired, [], 'nothing fires after the first step');
  cancelled.cancel();
  mock.timers.tick(month - 2 ** 31 - 1000);
  assert.deepEqual(fired, [], 'nothing fires a second before the month is over');
  // Each step is armed when the previous one fires, so a late step delays the end by its lateness (here the tick's).
  mock.timers.tick(2000);
  assert.deepEqual(fired, ['month'], 'the month fires at its time; the timer cancelled between steps does not');
  mock.timers.tick(10 * month);
  assert.deepEqual(fired, ['month']);
});

test('systemClock fires a short delay once, and a negative one at once', (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const fired: number[] = [];
  systemClock.setTimer(() => fired.push(10), 10);
  systemClock.setTimer(() => fired.push(-5), -5);
  mock.timers.tick(0);
  assert.deepEqual(fired, [-5]);
  mock.timers.tick(10);
  assert.deepEqual(fired, [-5, 10]);
});
