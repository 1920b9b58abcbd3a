// Order statistics and verdicts for the report: pure functions, tested in stats.test.ts.

/** The median; for an even count, the mean of the two middle values. NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile (`p` in 0..100): the smallest value with at least p% of values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** A figure over several runs: the median, and the smallest and largest run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: finite.length };
}

/** `12.3 s (11.9–13.0)`: the median with the spread, or the value alone for a single run. */
export function formatSpread(s: Spread, format: (n: number) => string): string {
  if (s.runs === 0) return '–';
  if (s.runs === 1 || s.min === s.max) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/**
 * `a` over `b` (say Capstan's convergence over the ceiling's), with the range of every quotient a run of `a`
 * and a run of `b` could give: a.min / b.max to a.max / b.min; the median is a's median over b's. Its range
 * is what the verdicts read: "a ≤ k·b" is met when the whole range is ≤ k, that is when a's slowest run is
 * no slower than k times b's fastest. `runs` is the fewer of the two.
 */
export function ratio(a: Spread, b: Spread): Spread {
  return { median: a.median / b.median, min: a.min / b.max, max: a.max / b.min, runs: Math.min(a.runs, b.runs) };
}

/**
 * `a` minus `b` (requests on an idle restart, say), with the range of every difference a run of `a` and a run
 * of `b` could give: a.min − b.max to a.max − b.min. For counts, where a ratio would divide by zero.
 */
export function difference(a: Spread, b: Spread): Spread {
  return { median: a.median - b.median, min: a.min - b.max, max: a.max - b.min, runs: Math.min(a.runs, b.runs) };
}

/** A spread scaled by a constant (CPU-s over N, bytes to MiB): the runs keep their order. */
export function scaled(s: Spread, factor: number): Spread {
  return { median: s.median * factor, min: s.min * factor, max: s.max * factor, runs: s.runs };
}

/** Every target's verdict: one of these three, nothing else. */
export type Verdict = 'met' | 'not met' | 'not distinguishable';

export interface Judgement {
  verdict: Verdict;
  /** Why, when the verdict alone does not say it: "1 run: no spread", "no run". */
  why?: string;
}

export interface Target {
  /** The figure must be at most this (or, with `strict`, below it). */
  limit: number;
  strict?: boolean;
  /**
   * A measured figure (time, CPU, memory) that varies from run to run: from a single run its verdict is not
   * distinguishable ("1 run: no spread"). Counted figures (requests in the audit log) are judged from any
   * number of runs. Defaults to true.
   */
  noisy?: boolean;
}

/**
 * The verdict on "`value` ≤ `target.limit`" (or < with `strict`) over the runs' range [min, max]:
 * - **met** when every run satisfies it (max ≤ limit);
 * - **not met** when no run does (min > limit);
 * - **not distinguishable** when the range straddles the limit: the runs fall on both sides of it, so the
 *   target could be either. A noisy figure from one run is not distinguishable either: a single run has no
 *   spread to tell a difference from noise.
 *
 * Comparing two figures ("no slower than controller-runtime", "within 1.2× the ceiling") judges their
 * {@link ratio} against the factor: met when `a`'s slowest run is within k times `b`'s fastest, not met when
 * `a`'s fastest run is beyond k times `b`'s slowest; overlapping ranges are not distinguishable.
 */
export function judge(value: Spread, target: Target): Judgement {
  if (value.runs === 0 || Number.isNaN(value.min) || Number.isNaN(value.max)) return { verdict: 'not distinguishable', why: 'no run' };
  if ((target.noisy ?? true) && value.runs < 2) return { verdict: 'not distinguishable', why: '1 run: no spread' };
  const within = (v: number) => (target.strict ? v < target.limit : v <= target.limit);
  if (within(value.max)) return { verdict: 'met' };
  if (!within(value.min)) return { verdict: 'not met' };
  return { verdict: 'not distinguishable' };
}

/**
 * Several verdicts that must all hold ("fastest of all peers" is "no slower than each"): not met if any is
 * not met, met if all are met, otherwise not distinguishable (with the first reason given).
 */
export function allOf(judgements: readonly Judgement[]): Judgement {
  if (judgements.length === 0) return { verdict: 'not distinguishable', why: 'no run' };
  const missed = judgements.find((j) => j.verdict === 'not met');
  if (missed) return missed;
  if (judgements.every((j) => j.verdict === 'met')) return { verdict: 'met' };
  const why = judgements.find((j) => j.why)?.why;
  return why ? { verdict: 'not distinguishable', why } : { verdict: 'not distinguishable' };
}

/** `**met**`, `**not distinguishable** (1 run: no spread)`. */
export function formatJudgement(j: Judgement): string {
  return `**${j.verdict}**${j.why ? ` (${j.why})` : ''}`;
}
