import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { scopedSignal, withScopedSignal } from './scoped-signal.ts';

test('aborts with the reason of the parent that aborts first', () => {
  const a = new AbortController();
  const b = new AbortController();
  const scoped = scopedSignal([a.signal, undefined, b.signal], 60_000);
  b.abort(new Error('b went'));
  a.abort(new Error('a went'));
  assert.equal(scoped.signal.aborted, true);
  assert.equal((scoped.signal.reason as Error).message, 'b went');
  assert.equal(scoped.timedOut, false);
  assert.equal(getEventListeners(a.signal, 'abort').length, 0, 'the other parent is let go');
});

test('a parent aborted already aborts it at once, and nothing is left registered', () => {
  const a = new AbortController();
  a.abort(new Error('earlier'));
  const live = new AbortController();
  const scoped = scopedSignal([live.signal, a.signal], 60_000);
  assert.equal((scoped.signal.reason as Error).message, 'earlier');
  assert.equal(getEventListeners(live.signal, 'abort').length, 0);
});

test('times out with a TimeoutError of its own and says so', async () => {
  const parent = new AbortController();
  const scoped = scopedSignal([parent.signal], 20);
  await sleep(60);
  assert.equal(scoped.signal.aborted, true);
  assert.equal((scoped.signal.reason as DOMException).name, 'TimeoutError');
  assert.equal(scoped.timedOut, true);
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});

test('dispose lets go of the parents and the timer: it never aborts after', async () => {
  const parent = new AbortController();
  const scopes = Array.from({ length: 100 }, () => scopedSignal([parent.signal], 20));
  assert.equal(getEventListeners(parent.signal, 'abort').length, 100);
  for (const s of scopes) s.dispose();
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0, 'a long-lived parent keeps no listener per finished piece of work');
  await sleep(60);
  parent.abort(new Error('late'));
  assert.ok(scopes.every((s) => !s.signal.aborted && !s.timedOut));
});

test('withScopedSignal hands the work its signal and lets go of the parent however the work ends', async () => {
  const parent = new AbortController();
  assert.equal(
    await withScopedSignal([parent.signal], 60_000, async (signal) => {
      assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
      return signal.aborted ? 'aborted' : 'ran';
    }),
    'ran',
  );
  await assert.rejects(
    withScopedSignal([parent.signal], 60_000, () => Promise.reject(new Error('failed'))),
    /failed/,
  );
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});
