import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReconnectBackoff } from './backoff.ts';

test('delays double from 0.8 s up to the 30 s cap', () => {
  const backoff = new ReconnectBackoff({ random: () => 0 });
  const delays = Array.from({ length: 8 }, (_, i) => backoff.next(i));
  assert.deepEqual(delays, [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
});

test('jitter only shortens a delay, by at most the jitter fraction', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 20 }), (randoms) => {
      let i = 0;
      const backoff = new ReconnectBackoff({ random: () => randoms[i++ % randoms.length]! });
      for (let n = 0; n < randoms.length; n++) {
        const delay = backoff.next(n);
        const base = backoff.baseDelay(n);
        assert.ok(delay <= base && delay >= base * 0.75, `delay ${delay} within [${base * 0.75}, ${base}]`);
        assert.ok(delay <= 30_000);
      }
    }),
  );
});

test('two minutes without a failure start the delays over; less does not', () => {
  const backoff = new ReconnectBackoff({ random: () => 0 });
  backoff.next(0);
  backoff.next(1_000);
  assert.equal(backoff.next(1_000 + 119_999), 3200, 'just under two minutes: still growing');
  assert.equal(backoff.next(1_000 + 119_999 + 120_000), 800, 'two minutes of health: reset');
});

test('maxAttemptsWithin counts attempts that the shortest delays allow', () => {
  const backoff = new ReconnectBackoff();
  // Shortest delays: 600, 1200, 2400, 4800 ms; cumulative 600, 1800, 4200, 9000.
  assert.equal(backoff.maxAttemptsWithin(0), 1);
  assert.equal(backoff.maxAttemptsWithin(600), 2);
  assert.equal(backoff.maxAttemptsWithin(4_199), 3);
  assert.equal(backoff.maxAttemptsWithin(9_000), 5);
});

test('nonsense parameters are refused', () => {
  assert.throws(() => new ReconnectBackoff({ initialMs: 0 }), { name: 'UsageError', code: 'INVALID_ARGUMENT' });
  assert.throws(() => new ReconnectBackoff({ jitter: 1 }), { name: 'UsageError', code: 'INVALID_ARGUMENT' });
});
