import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from './manual-clock.ts';

test('timers fire in due order at their own time, including timers set by fired callbacks', async () => {
  const clock = new ManualClock();
  const fired: Array<[string, number]> = [];
  clock.setTimer(() => fired.push(['b', clock.now()]), 20);
  clock.setTimer(() => {
    fired.push(['a', clock.now()]);
    clock.setTimer(() => fired.push(['c', clock.now()]), 5);
  }, 10);
  const cancelled = clock.setTimer(() => fired.push(['x', clock.now()]), 12);
  cancelled.cancel();
  await clock.advance(14);
  assert.deepEqual(fired, [['a', 10]]);
  await clock.advance(100);
  assert.deepEqual(fired, [
    ['a', 10],
    ['c', 15],
    ['b', 20],
  ]);
  assert.equal(clock.now(), 114);
  assert.equal(clock.pendingTimers, 0);
});

test('async work started by a timer runs before time moves on', async () => {
  const clock = new ManualClock();
  const log: number[] = [];
  clock.setTimer(() => {
    void (async () => {
      await Promise.resolve();
      await Promise.resolve();
      log.push(clock.now());
    })();
  }, 5);
  await clock.advance(10);
  assert.deepEqual(log, [5]);
});

test('wall time moves with monotonic time', async () => {
  const clock = new ManualClock({ wallStart: new Date('2030-01-01T00:00:00Z') });
  await clock.advance(1500);
  assert.equal(clock.wallNow().toISOString(), '2030-01-01T00:00:01.500Z');
  assert.equal(clock.nextTimerIn(), undefined);
});

test('set moves to a wall-clock time, firing what falls due; it never goes back', async () => {
  const clock = new ManualClock({ wallStart: new Date('2030-01-01T00:00:00Z') });
  const fired: string[] = [];
  clock.setTimer(() => fired.push(clock.wallNow().toISOString()), 60_000);
  await clock.set(new Date('2030-01-01T00:05:00Z'));
  assert.deepEqual(fired, ['2030-01-01T00:01:00.000Z']);
  assert.equal(clock.wallNow().toISOString(), '2030-01-01T00:05:00.000Z');
  assert.equal(clock.now(), 300_000);
  await assert.rejects(clock.set(new Date('2030-01-01T00:04:00Z')), /never goes back/);
});
