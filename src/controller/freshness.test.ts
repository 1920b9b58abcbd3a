import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type KubeObject, ManualClock } from '../core/index.ts';
import type { ObjectSource } from './source.ts';
import { describeMissing, WriteTracker } from './write-tracker.ts';

/** A cache reduced to what the tracker reads: each key's version, and the newest version applied. */
function cache(versions: Record<string, string>, latest: string | undefined): ObjectSource<KubeObject> {
  return {
    get: () => undefined,
    list: () => [],
    subscribe: () => () => undefined,
    synced: true,
    resourceVersionOf: (key) => versions[key],
    latestResourceVersion: () => latest,
  };
}

async function settleTimes(
  source: ObjectSource<KubeObject>,
  written: string | undefined,
): Promise<{ missing: string[]; waitedMs: number }> {
  const clock = new ManualClock();
  const tracker = new WriteTracker(clock);
  tracker.record('ns/a', source, 'ns/a', written);
  const settled = tracker.settle('ns/a', 5_000, new AbortController().signal);
  for (let i = 0; i < 300 && clock.pendingTimers > 0; i++) await clock.advance(20);
  return { missing: describeMissing(await settled), waitedMs: clock.now() };
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

test('the echo of our own last write is recognised once; any other version of the object is not an echo', () => {
  const tracker = new WriteTracker(new ManualClock());
  const source = cache({}, undefined);
  const other = cache({}, undefined);
  tracker.record('ns/a', source, 'ns/a', '12');
  assert.equal(tracker.isEcho(source, 'ns/a', '11'), false, 'an older change (a user edit before ours) is not ours');
  assert.equal(tracker.isEcho(other, 'ns/a', '12'), false, 'the same key in another cache is another object');
  assert.equal(tracker.isEcho(source, 'ns/b', '12'), false);
  assert.equal(tracker.isEcho(source, 'ns/a', '12'), true);
  assert.equal(tracker.isEcho(source, 'ns/a', '12'), false, 'answered once');

  tracker.record('ns/a', source, 'ns/a', '20');
  assert.equal(tracker.isEcho(source, 'ns/a', '21'), false, 'a change past our write (a user edit after it) is not ours');
  assert.equal(tracker.isEcho(source, 'ns/a', '20'), false, 'and once past it, the record is gone');

  tracker.record('ns/a', source, 'ns/a', '30');
  tracker.record('ns/a', source, 'ns/a', '31');
  assert.equal(tracker.isEcho(source, 'ns/a', '30'), false, 'only the last write of an object counts');
  assert.equal(tracker.isEcho(source, 'ns/a', '31'), true);

  tracker.record('ns/a', source, 'ns/a', '40');
  tracker.record('ns/a', source, 'ns/a', undefined);
  assert.equal(tracker.isEcho(source, 'ns/a', '40'), false, 'a delete clears it');
  assert.equal(tracker.isEcho(source, 'ns/a', undefined), false);
});
