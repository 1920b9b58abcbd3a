// `node --test bench/harness/stats.test.ts`: not part of `npm test` (bench/ is outside its globs on purpose).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runOrder } from './schedule.ts';
import { allOf, difference, formatJudgement, formatSpread, judge, median, percentile, ratio, scaled, spread } from './stats.ts';

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

test('a ratio spans every quotient of a run of one and a run of the other', () => {
  const r = ratio(spread([10, 12, 15]), spread([8, 10, 12]));
  assert.equal(r.median, 1.2);
  assert.equal(r.min, 10 / 12);
  assert.equal(r.max, 15 / 8);
  assert.equal(r.runs, 3);
  assert.equal(ratio(spread([1, 2]), spread([4])).runs, 1);
  assert.deepEqual(scaled(spread([100, 200, 300]), 1 / 100), { median: 2, min: 1, max: 3, runs: 3 });
  assert.deepEqual(difference(spread([4, 5, 9]), spread([4, 6])), { median: 0, min: -2, max: 5, runs: 2 });
});

test('met when the whole range is within the limit, not met when none of it is', () => {
  assert.deepEqual(judge(spread([0.9, 1.0, 1.2]), { limit: 1.2 }), { verdict: 'met' });
  assert.deepEqual(judge(spread([1.21, 1.3, 1.5]), { limit: 1.2 }), { verdict: 'not met' });
  // Strict: "< 128 MiB" is not met at 128 exactly.
  assert.deepEqual(judge(spread([120, 128, 127]), { limit: 128, strict: true }), { verdict: 'not distinguishable' });
  assert.deepEqual(judge(spread([128, 130]), { limit: 128, strict: true }), { verdict: 'not met' });
  assert.deepEqual(judge(spread([126, 127.9]), { limit: 128, strict: true }), { verdict: 'met' });
});

test('not distinguishable when the runs fall on both sides of the limit', () => {
  // Issue 20's example: Capstan 0.9× to 1.2× the ceiling's runs read as ranges of the two figures.
  const capstan = spread([9.0, 10.5, 12.0]);
  const ceiling = spread([9.5, 10.0, 10.2]);
  const vsCeiling = ratio(capstan, ceiling);
  assert.deepEqual(judge(vsCeiling, { limit: 1.2 }), { verdict: 'not distinguishable' });
  // Same data, a looser target that even the slowest Capstan run against the fastest ceiling run meets.
  assert.deepEqual(judge(vsCeiling, { limit: 12.0 / 9.5 }), { verdict: 'met' });
  // "No slower than" with overlapping ranges: either could be faster.
  assert.deepEqual(judge(ratio(spread([10, 11]), spread([10.5, 12])), { limit: 1 }), { verdict: 'not distinguishable' });
  // Disjoint ranges decide, whatever the medians.
  assert.deepEqual(judge(ratio(spread([10, 10.4]), spread([10.5, 30])), { limit: 1 }), { verdict: 'met' });
  assert.deepEqual(judge(ratio(spread([10.6, 11]), spread([10, 10.5])), { limit: 1 }), { verdict: 'not met' });
  // Touching ranges: a ≤ b holds for every pair of runs.
  assert.deepEqual(judge(ratio(spread([9, 10]), spread([10, 11])), { limit: 1 }), { verdict: 'met' });
});

test('one run of a noisy figure has no spread; one run of a count does not need one', () => {
  assert.deepEqual(judge(spread([3]), { limit: 1.2 }), { verdict: 'not distinguishable', why: '1 run: no spread' });
  assert.deepEqual(judge(ratio(spread([1, 2, 3]), spread([4])), { limit: 1 }), {
    verdict: 'not distinguishable',
    why: '1 run: no spread',
  });
  assert.deepEqual(judge(spread([4]), { limit: 4, noisy: false }), { verdict: 'met' });
  assert.deepEqual(judge(spread([5]), { limit: 4, noisy: false }), { verdict: 'not met' });
  // Requests on an idle restart, at most controller-runtime's: a count, judged on the difference.
  assert.deepEqual(judge(difference(spread([4]), spread([4])), { limit: 0, noisy: false }), { verdict: 'met' });
  assert.deepEqual(judge(difference(spread([4, 23]), spread([4, 5])), { limit: 0, noisy: false }), { verdict: 'not distinguishable' });
  assert.deepEqual(judge(spread([]), { limit: 4 }), { verdict: 'not distinguishable', why: 'no run' });
  assert.equal(formatJudgement(judge(spread([3]), { limit: 1 })), '**not distinguishable** (1 run: no spread)');
  assert.equal(formatJudgement({ verdict: 'met' }), '**met**');
});

test('all of several verdicts: any miss misses, all met meet, otherwise not distinguishable', () => {
  const met = { verdict: 'met' } as const;
  const missed = { verdict: 'not met' } as const;
  const unclear = { verdict: 'not distinguishable', why: '1 run: no spread' } as const;
  assert.deepEqual(allOf([met, met]), met);
  assert.deepEqual(allOf([met, unclear, missed]), missed);
  assert.deepEqual(allOf([met, unclear]), unclear);
  assert.deepEqual(allOf([]), { verdict: 'not distinguishable', why: 'no run' });
});

test('runs interleave the peers, the order rotating one further each run', () => {
  const peers = ['A', 'B', 'C', 'D'];
  assert.deepEqual(runOrder(peers, 1), ['A', 'B', 'C', 'D']);
  assert.deepEqual(runOrder(peers, 2), ['B', 'C', 'D', 'A']);
  assert.deepEqual(runOrder(peers, 3), ['C', 'D', 'A', 'B']);
  assert.deepEqual(runOrder(peers, 5), ['A', 'B', 'C', 'D']);
  assert.deepEqual(runOrder([], 2), []);
  // Over as many runs as peers, every peer takes every place once.
  for (let place = 0; place < peers.length; place++) {
    const atPlace = [1, 2, 3, 4].map((run) => runOrder(peers, run)[place]);
    assert.deepEqual([...atPlace].sort(), peers);
  }
});
