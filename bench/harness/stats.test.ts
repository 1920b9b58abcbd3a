// `node --test bench/harness/stats.test.ts`: not part of `npm test` (bench/ is outside its globs on purpose).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSpread, median, percentile, spread } from './stats.ts';

test('median of odd and even counts, NaN for none', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('nearest-rank percentiles', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([5, 1], 50), 1);
});

test('spread ignores runs without a figure and formats the range', () => {
  const s = spread([12, Number.NaN, 10, 11]);
  assert.deepEqual(s, { median: 11, min: 10, max: 12, runs: 3 });
  assert.equal(
    formatSpread(s, (n) => `${n} s`),
    '11 s (10 s–12 s)',
  );
  assert.equal(formatSpread(spread([4]), String), '4');
  assert.equal(formatSpread(spread([]), String), '–');
});
