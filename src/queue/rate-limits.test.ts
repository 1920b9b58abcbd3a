import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/index.ts';
import { KeyBackoff } from './backoff.ts';
import { TokenBucket } from './token-bucket.ts';

test('backoff: 5 ms doubling to the 1000 s default cap, per key', () => {
  const backoff = new KeyBackoff<string>();
  const delays = Array.from({ length: 22 }, () => backoff.next('a'));
  assert.deepEqual(delays.slice(0, 4), [5, 10, 20, 40]);
  assert.equal(delays[17], 5 * 2 ** 17);
  assert.equal(delays.at(-1), 1_000_000);
  assert.equal(backoff.next('b'), 5);
  for (let i = 0; i < 2_000; i++) backoff.next('a');
  assert.equal(backoff.next('a'), 1_000_000, 'no overflow to Infinity or NaN after many failures');
});

test('token bucket: the burst passes at once, then one token per 1/rate, refilled by elapsed time up to the burst', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket(clock, { perSecond: 10, burst: 3 });
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
  assert.deepEqual([bucket.reserve(), bucket.reserve()], [100, 200]);
  await clock.advance(10_000);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => bucket.reserve()),
    [0, 0, 0, 100],
    'refill is capped at the burst',
  );
});
