// The heap check of the reliability suite, proven on workloads run here: one that keeps what it processed (a leak
// of the burst's size) must fail it, the same workload without the leak must pass. Heap sizes are taken as the
// slow-network scenario takes them from the operator: forced full GCs, then the used size, through the inspector
// (here this process's own).
import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { after, before, test } from 'node:test';
import { heapGrowthVerdict, type HeapMeasurements } from './heap-growth.ts';

const session = new Session();
before(() => session.connect());
after(() => session.disconnect());

/** `HeapProfiler.collectGarbage` twice (finalizers, weak references), then `Runtime.getHeapUsage`. */
async function heapAfterGc(): Promise<number> {
  await session.post('HeapProfiler.collectGarbage');
  await session.post('HeapProfiler.collectGarbage');
  const usage = (await session.post('Runtime.getHeapUsage')) as unknown as { usedSize: number };
  return usage.usedSize;
}

interface Item {
  metadata: { name: string; namespace: string; uid: string; labels: Record<string, string> };
  spec: { name: string };
}

/**
 * A miniature operator: a cache of objects, and a reconcile that derives a child from each. `keep` is where a
 * leaky one stashes what it processed (as an event recorder that never forgets its series did).
 */
class Workload {
  readonly cache = new Map<string, Item>();
  readonly children = new Map<string, { name: string; data: Record<string, string> }>();
  private readonly keep: unknown[] | undefined;
  constructor(keep?: unknown[]) {
    this.keep = keep;
  }

  add(item: Item): void {
    const key = `${item.metadata.namespace}/${item.metadata.name}`;
    this.cache.set(key, item);
    const child = { name: item.metadata.name, data: { message: `${item.spec.name} (${item.metadata.uid})` } };
    this.children.set(key, child);
    this.keep?.push({ key, child, note: `created ConfigMap ${item.metadata.name} for ${item.spec.name}` });
  }

  remove(key: string): void {
    this.cache.delete(key);
    this.children.delete(key);
  }
}

const burst = 3_000;
const item = (i: number): Item => ({
  metadata: { name: `burst-${i}`, namespace: 'demo', uid: crypto.randomUUID(), labels: { 'app.kubernetes.io/name': `burst-${i}` } },
  spec: { name: `hello ${i} `.repeat(40) },
});

/** Before, with and after a burst through `workload`, measured as the e2e scenario measures the operator. */
async function measure(workload: Workload): Promise<HeapMeasurements> {
  // Warm up as the scenario does, so the code paths and the maps' first growth are not counted as the burst's.
  for (let i = 0; i < 100; i++) workload.add(item(-i - 1));
  for (let i = 0; i < 100; i++) workload.remove(`demo/burst-${-i - 1}`);
  const beforeBytes = await heapAfterGc();
  for (let i = 0; i < burst; i++) workload.add(item(i));
  const withBurstBytes = await heapAfterGc();
  for (let i = 0; i < burst; i++) workload.remove(`demo/burst-${i}`);
  assert.equal(workload.cache.size, 0, 'the caches are back to their start count');
  const afterBytes = await heapAfterGc();
  return { beforeBytes, withBurstBytes, afterBytes };
}

test('a workload that keeps what it processed fails the check: its heap grows by about the burst', async () => {
  const kept: unknown[] = [];
  const verdict = heapGrowthVerdict(await measure(new Workload(kept)));
  process.stdout.write(`# leaking workload: ${verdict.explanation}\n`);
  assert.equal(kept.length, burst + 100, 'the leak is real');
  assert.equal(verdict.ok, false, verdict.explanation);
  assert.ok(verdict.growthBytes > verdict.limitBytes, verdict.explanation);
});

test('the same workload without the leak passes: its heap is back near where it was', async () => {
  const verdict = heapGrowthVerdict(await measure(new Workload()));
  process.stdout.write(`# clean workload: ${verdict.explanation}\n`);
  assert.equal(verdict.ok, true, verdict.explanation);
  assert.ok(verdict.burstBytes > 2 ** 20, `the burst retained a measurable size (${verdict.explanation})`);
});

test('the old check (±20 % of the heap before) would have passed the leak; this one does not', () => {
  // The slow-network numbers an operator shows: ~40 MiB at rest, a burst retaining ~4 MiB, all of it leaked.
  const leaked = { beforeBytes: 40 * 2 ** 20, withBurstBytes: 44 * 2 ** 20, afterBytes: 44 * 2 ** 20 };
  assert.ok(Math.abs(leaked.afterBytes / leaked.beforeBytes - 1) <= 0.2, 'within ±20 %');
  assert.equal(heapGrowthVerdict(leaked).ok, false);
  // A quarter of the burst is the bound: just below passes, at it fails.
  const quarter = 2 ** 20;
  assert.equal(heapGrowthVerdict({ ...leaked, afterBytes: leaked.beforeBytes + quarter - 1 }).ok, true);
  assert.equal(heapGrowthVerdict({ ...leaked, afterBytes: leaked.beforeBytes + quarter }).ok, false);
  assert.equal(heapGrowthVerdict({ ...leaked, afterBytes: leaked.beforeBytes - quarter }).ok, true, 'a heap that shrank passes');
});

test('a burst too small to show a leak of its size does not pass: the check could not fail', () => {
  const verdict = heapGrowthVerdict({ beforeBytes: 40 * 2 ** 20, withBurstBytes: 40 * 2 ** 20 + 300_000, afterBytes: 40 * 2 ** 20 });
  assert.equal(verdict.ok, false);
  assert.match(verdict.explanation, /too little to tell a leak of it from noise/);
  assert.equal(
    heapGrowthVerdict({ beforeBytes: 10, withBurstBytes: 5 * 2 ** 20, afterBytes: 10 }, { minBurstBytes: 6 * 2 ** 20 }).ok,
    false,
  );
});
