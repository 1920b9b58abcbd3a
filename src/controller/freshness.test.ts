import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore, type StoreChange } from '../cache/index.ts';
import { type KubeObject, ManualClock } from '../core/index.ts';
import { Freshness } from './freshness.ts';

const object = (name: string, resourceVersion: string): KubeObject => ({ metadata: { namespace: 'ns', name, resourceVersion } });

/** The real store, listed with `objects`, its newest applied version `latest` (as after a relist at that version). */
function cache(objects: KubeObject[], latest?: string): MemoryStore<KubeObject> {
  const store = new MemoryStore<KubeObject>();
  store.applyEvent({ type: 'init' });
  for (const o of objects) store.applyEvent({ type: 'initApply', object: o });
  if (latest !== undefined) store.applyEvent({ type: 'initApply', object: object('marker', latest) });
  store.applyEvent({ type: 'initDone' });
  if (latest !== undefined) store.applyEvent({ type: 'delete', object: object('marker', latest) });
  return store;
}

/** What settle leaves behind for `ns/a` written at `written`, and how long it waited, on a manual clock. */
async function settleTimes(store: MemoryStore<KubeObject>, written: string | undefined, during?: (clock: ManualClock) => Promise<void>) {
  const clock = new ManualClock();
  const freshness = new Freshness(clock);
  freshness.recordWrite('ns/a', store, 'ns/a', written);
  const settled = freshness.settle('ns/a', 5_000, new AbortController().signal);
  await during?.(clock);
  for (let i = 0; i < 10 && clock.pendingTimers > 0; i++) await clock.advance(1_000);
  const view = await settled;
  return { behind: view.describeBehind(), waitedMs: clock.now() };
}

test('a written object the cache holds at that version or later is caught up at once', async () => {
  assert.deepEqual(await settleTimes(cache([object('a', '12')]), '12'), { behind: [], waitedMs: 0 });
  assert.deepEqual(await settleTimes(cache([object('a', '13')]), '12'), { behind: [], waitedMs: 0 });
});

test('an older version is waited for until the timeout, and then counts as behind', async () => {
  assert.deepEqual(await settleTimes(cache([object('a', '11')], '20'), '12'), { behind: ['ns/a@12'], waitedMs: 5_000 });
});

test('the wait ends when the cache applies the write: a subscription, not a poll', async () => {
  const store = cache([object('a', '11')]);
  const result = await settleTimes(store, '12', async (clock) => {
    await clock.advance(300);
    store.applyEvent({ type: 'apply', object: object('a', '12') });
  });
  assert.deepEqual(result, { behind: [], waitedMs: 300 });
});

test('a written object deleted since (absent, the cache past the write) is caught up at once, not waited for', async () => {
  assert.deepEqual(await settleTimes(cache([], '14'), '12'), { behind: [], waitedMs: 0 });
});

test('an absent object the cache has not reached yet (a create not seen) is waited for', async () => {
  assert.deepEqual(await settleTimes(cache([], '11'), '12'), { behind: ['ns/a@12'], waitedMs: 5_000 });
  assert.deepEqual(await settleTimes(cache([]), '12'), { behind: ['ns/a@12'], waitedMs: 5_000 }, 'a cache that has applied nothing');
});

test('a delete is caught up once the object is absent', async () => {
  assert.deepEqual(await settleTimes(cache([], '11'), undefined), { behind: [], waitedMs: 0 });
});

test('the current view: from the cache, or live where the cache is behind our own write', async () => {
  const clock = new ManualClock();
  const freshness = new Freshness(clock);
  const store = cache([object('a', '11'), object('b', '5')]);
  freshness.recordWrite('ns/a', store, 'ns/a', '12');
  const settled = freshness.settle('ns/a', 1_000, new AbortController().signal);
  await clock.advance(1_000);
  const view = await settled;
  const live = object('a', '12');
  assert.deepEqual(await view.current(store, 'ns/a', async () => live), { object: live, from: 'live' });
  assert.deepEqual(await view.current(store, 'ns/b', async () => assert.fail('not read live')), {
    object: object('b', '5'),
    from: 'cache',
  });
  assert.deepEqual(await view.current(store, 'ns/b', async () => undefined, { stale: true }), { object: undefined, from: 'live' });
});

test('an owner a child of which the cache saw deleted is read live until the child is back', async () => {
  const freshness = new Freshness(new ManualClock());
  const owners = cache([object('owner', '1')]);
  const children = cache([]);
  const view = await freshness.settle('ns/owner', 0, new AbortController().signal);
  const owner = { cache: owners, key: 'ns/owner' };
  const fromCache = () => view.current(owners, 'ns/owner', async () => assert.fail('not read live'));
  assert.equal((await fromCache()).from, 'cache');
  const deleted: StoreChange<KubeObject> = { type: 'deleted', object: object('child', '2') };
  assert.equal(freshness.observe(children, deleted, owner), true);
  assert.deepEqual(await view.current(owners, 'ns/owner', async () => undefined), { object: undefined, from: 'live' });
  assert.equal((await view.current(children, 'ns/owner', async () => assert.fail('another cache'))).from, 'cache');
  freshness.observe(children, { type: 'added', object: object('child', '3') }, owner);
  assert.equal((await fromCache()).from, 'cache');
});

test('the echo of our own last write is recognised once; any other version of the object is not an echo', () => {
  const freshness = new Freshness(new ManualClock());
  const store = cache([]);
  const other = cache([]);
  const changed = (name: string, rv: string): StoreChange<KubeObject> => ({ type: 'added', object: object(name, rv) });
  const isEcho = (c: MemoryStore<KubeObject>, name: string, rv: string) => !freshness.observe(c, changed(name, rv));
  freshness.recordWrite('ns/a', store, 'ns/a', '12');
  assert.equal(isEcho(store, 'a', '11'), false, 'an older change (a user edit before ours) is not ours');
  assert.equal(isEcho(other, 'a', '12'), false, 'the same key in another cache is another object');
  assert.equal(isEcho(store, 'b', '12'), false);
  assert.equal(isEcho(store, 'a', '12'), true);
  assert.equal(isEcho(store, 'a', '12'), false, 'answered once');

  freshness.recordWrite('ns/a', store, 'ns/a', '20');
  assert.equal(isEcho(store, 'a', '21'), false, 'a change past our write (a user edit after it) is not ours');
  assert.equal(isEcho(store, 'a', '20'), false, 'and once past it, the record is gone');

  freshness.recordWrite('ns/a', store, 'ns/a', '30');
  freshness.recordWrite('ns/a', store, 'ns/a', '31');
  assert.equal(isEcho(store, 'a', '30'), false, 'only the last write of an object counts');
  assert.equal(isEcho(store, 'a', '31'), true);

  freshness.recordWrite('ns/a', store, 'ns/a', '40');
  freshness.recordWrite('ns/a', store, 'ns/a', undefined);
  assert.equal(isEcho(store, 'a', '40'), false, 'a delete clears it');
});
