import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeClock } from './fake-clock.ts';

test('a fake clock starts at the real time now and moves only when told, firing what falls due', async () => {
  const before = Date.now();
  const clock = fakeClock();
  assert.ok(clock.wallNow().getTime() >= before && clock.wallNow().getTime() <= Date.now());
  const start = clock.wallNow();
  const fired: number[] = [];
  clock.setTimer(() => fired.push(clock.wallNow().getTime() - start.getTime()), 60_000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(clock.wallNow().getTime(), start.getTime(), 'real time passing does not move it');
  await clock.advance(59_999);
  assert.deepEqual(fired, []);
  await clock.set(new Date(start.getTime() + 120_000));
  assert.deepEqual(fired, [60_000]);
});

test('a fake clock can start at a given time', () => {
  assert.equal(
    fakeClock({ now: new Date('2030-06-01T12:00:00Z') })
      .wallNow()
      .toISOString(),
    '2030-06-01T12:00:00.000Z',
  );
});
