// Whether a workload leaked, from three heap sizes measured after forced GCs: before a burst of objects, while the
// burst is held (cached), and after the burst is gone again (deleted, caches back to their start count). Private to
// the repository's reliability tests (e2e/reliability/slow-network.ts) and unit-tested here, where `npm test`'s unit
// phase runs; not exported from `capstan/testing`.
//
// Why not "after within ±20 % of before": the heap of an operator at rest is tens of MiB, and a burst of a few
// hundred objects retains a few MiB, so a leak of the whole burst stays within 20 % and passes. The yardstick here
// is the burst itself: what it retains while held is what a leak of it would leave behind, and the growth from
// before to after must be a small share of that.

/** Heap sizes (used bytes after forced full GCs) at the three moments of a burst. */
export interface HeapMeasurements {
  /** Before the burst, the caches at their start count. */
  beforeBytes: number;
  /** While the burst's objects are held: the caches full. */
  withBurstBytes: number;
  /** Once the burst's objects are gone again and the caches back to their start count. */
  afterBytes: number;
}

/** The bounds of {@link heapGrowthVerdict}. */
export interface HeapGrowthBounds {
  /** The growth from before to after may be at most this share of the burst's retained size; default 0.25. */
  maxShareOfBurst?: number;
  /**
   * The burst must retain at least this many bytes, or the check could not tell a leak of it from the heap's
   * noise and must not pass; default 1 MiB (a forced GC leaves the heap within a few hundred KiB run to run).
   */
  minBurstBytes?: number;
}

/** What {@link heapGrowthVerdict} found, with the numbers it decided by, and a sentence for a report or an assertion. */
export interface HeapGrowthVerdict {
  ok: boolean;
  /** What the burst retained while held: `withBurstBytes − beforeBytes`. */
  burstBytes: number;
  /** What stayed once it was gone: `afterBytes − beforeBytes` (negative when the heap shrank). */
  growthBytes: number;
  /** The most growth allowed: `maxShareOfBurst × burstBytes`. */
  limitBytes: number;
  explanation: string;
}

/**
 * Judge a burst's heap measurements: it passes when the heap after the burst grew from before it by less than
 * `maxShareOfBurst` of what the burst retained while held, and the burst retained at least `minBurstBytes` (so that
 * a leak of its size would show). A workload that keeps what it processed fails: its growth is about the burst's
 * size.
 */
export function heapGrowthVerdict(measurements: HeapMeasurements, bounds: HeapGrowthBounds = {}): HeapGrowthVerdict {
  const maxShare = bounds.maxShareOfBurst ?? 0.25;
  const minBurstBytes = bounds.minBurstBytes ?? 2 ** 20;
  const { beforeBytes, withBurstBytes, afterBytes } = measurements;
  const burstBytes = withBurstBytes - beforeBytes;
  const growthBytes = afterBytes - beforeBytes;
  const limitBytes = Math.max(0, burstBytes) * maxShare;
  const numbers = `heap ${mib(beforeBytes)} before, ${mib(withBurstBytes)} with the burst (it retained ${mib(burstBytes)}), ${mib(afterBytes)} after it (${signed(growthBytes)})`;
  if (burstBytes < minBurstBytes) {
    return {
      ok: false,
      burstBytes,
      growthBytes,
      limitBytes,
      explanation: `${numbers}: the burst retained less than ${mib(minBurstBytes)}, too little to tell a leak of it from noise; make the burst larger`,
    };
  }
  const ok = growthBytes < limitBytes;
  const share = `${((growthBytes / burstBytes) * 100).toFixed(1)} % of the burst's size`;
  return {
    ok,
    burstBytes,
    growthBytes,
    limitBytes,
    explanation: ok
      ? `${numbers}: ${share}, below the bound of ${maxShare * 100} % (${mib(limitBytes)})`
      : `${numbers}: ${share}, not below the bound of ${maxShare * 100} % (${mib(limitBytes)}): something keeps what the burst brought`,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

function signed(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${mib(Math.abs(bytes))}`;
}
