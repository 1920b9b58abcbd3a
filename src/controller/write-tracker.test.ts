import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type KubeObject, ManualClock } from '../core/index.ts';
import type { ObjectSource } from './source.ts';
import { WriteTracker } from './write-tracker.ts';

/** A cache reduced to what the tracker reads: each key's version, and the newest version applied. */
function cache(versions: Record<string, string>, latest: string | undefined): ObjectSource<KubeObject> {
  return {
    get: () => undefined, list: () => [], subscribe: () => () => undefined, synced: true,
    resourceVersionOf: (key) => versions[key],
    latestResourceVersion: () => latest,
  };
}

async function settleTimes(source: ObjectSource<KubeObject>, written: string | undefined): Promise<{ missing: string[]; waitedMs: number }> {
  const clock = new ManualClock();
  const tracker = new WriteTracker(clock);
  tracker.record('ns/a', source, 'ns/a', written);
  const settled = tracker.settle('ns/a', 5_000, new AbortController().signal);
  for (let i = 0; i < 300 && clock.pendingTimers > 0; i++) await clock.advance(20);
  return { missing: await settled, waitedMs: clock.now() };
}

test('a written object the cache holds at that version or later is caught up at once', async () => {
  assert.deepEqual(await settleTimes(cache({ 'ns/a': '12' }, '12'), '12'), { missing: [], waitedMs: 0 });
  assert.deepEqual(await settleTimes(cache({ 'ns/a': '13' }, '13'), '12'), { missing: [], waitedMs: 0 });
});

test('an older version is waited for until the timeout', async () => {
  assert.deepEqual(await settleTimes(cache({ 'ns/a': '11' }, '20'), '12'), { missing: ['ns/a@12'], waitedMs: 5_000 });
});

test('a written object deleted since (absent, the cache past the write) is caught up at once, not waited for', async () => {
  assert.deepEqual(await settleTimes(cache({}, '14'), '12'), { missing: [], waitedMs: 0 });
});

test('an absent object the cache has not reached yet (a create not seen) is waited for', async () => {
  assert.deepEqual(await settleTimes(cache({}, '11'), '12'), { missing: ['ns/a@12'], waitedMs: 5_000 });
  const untracked: ObjectSource<KubeObject> = { ...cache({}, undefined), latestResourceVersion: undefined };
  assert.deepEqual(await settleTimes(untracked, '12'), { missing: ['ns/a@12'], waitedMs: 5_000 }, 'a cache that tracks no latest version');
});

test('a delete is caught up once the object is absent', async () => {
  assert.deepEqual(await settleTimes(cache({}, '11'), undefined), { missing: [], waitedMs: 0 });
});
