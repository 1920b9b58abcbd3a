import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, ClientError, type RawWatchEvent } from '../client/index.ts';
import type { ObjectList } from '../core/index.ts';
import type { ConfigMap } from '../kinds/core/v1.ts';
import { initialStep, step, type WatchInput, type WatchState, type WatchStep } from './watch-machine.ts';

const cm = (name: string, rv: string): ConfigMap => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const page = (items: ConfigMap[], rv: string, continueToken?: string): ObjectList<ConfigMap> => ({
  metadata: { resourceVersion: rv, continue: continueToken },
  items,
});
const run = (state: WatchState, ...inputs: Array<WatchInput<ConfigMap>>): WatchStep<ConfigMap> => {
  let last: WatchStep<ConfigMap> | undefined;
  for (const input of inputs) {
    last = step(state, input);
    state = last.state;
  }
  return last!;
};
const event = (type: RawWatchEvent<ConfigMap>['type'], object: ConfigMap): WatchInput<ConfigMap> => ({
  type: 'Event',
  event: { type, object } as RawWatchEvent<ConfigMap>,
});
const listedAt = (rv: string): WatchState => ({ phase: 'InitListed', resourceVersion: rv });
const watchingAt = (rv: string): WatchState => ({ phase: 'Watching', resourceVersion: rv });

test('the first step lists, at once', () => {
  const first = initialStep<ConfigMap>();
  assert.deepEqual(first.state, { phase: 'Empty', cause: 'initial' });
  assert.deepEqual(first.next, { kind: 'list', continueToken: undefined, delay: { backoff: false } });
  assert.deepEqual(first.signals, [{ type: 'relistStarted', cause: 'initial' }]);
});

test('a paginated list: init, initApply per object across pages, initDone, then a watch from the list version', () => {
  const one = step<ConfigMap>({ phase: 'Empty', cause: 'initial' }, { type: 'Listed', page: page([cm('a', '5')], '10', 'tok1') });
  assert.deepEqual(
    one.events.map((e) => e.type),
    ['init', 'initApply'],
  );
  assert.deepEqual(one.state, { phase: 'InitPage', cause: 'initial', continueToken: 'tok1' });
  assert.deepEqual(one.next, { kind: 'list', continueToken: 'tok1', delay: { backoff: false } });
  const two = step(one.state, { type: 'Listed', page: page([cm('b', '6'), cm('c', '7')], '10') });
  assert.deepEqual(
    two.events.map((e) => e.type),
    ['initApply', 'initApply', 'initDone'],
  );
  assert.deepEqual(two.state, listedAt('10'));
  assert.deepEqual(two.next, { kind: 'watch', resourceVersion: '10', delay: { backoff: false } });
  assert.deepEqual(two.signals, [{ type: 'relistDone', objects: 2, resourceVersion: '10' }]);
});

test('events move the resourceVersion on; bookmarks too, without an event for the consumer', () => {
  const opened = step<ConfigMap>(listedAt('10'), { type: 'WatchOpened' });
  assert.deepEqual(opened.state, watchingAt('10'));
  assert.deepEqual(opened.next, { kind: 'read' });
  const added = step(opened.state, event('ADDED', cm('d', '11')));
  assert.deepEqual(added.events, [{ type: 'apply', object: cm('d', '11') }]);
  const deleted = step(added.state, event('DELETED', cm('d', '12')));
  assert.deepEqual(deleted.events, [{ type: 'delete', object: cm('d', '12') }]);
  assert.deepEqual(deleted.state, watchingAt('12'));
  const bookmark = step(deleted.state, event('BOOKMARK', { metadata: { resourceVersion: '20' } }));
  assert.deepEqual(bookmark.events, []);
  assert.deepEqual(bookmark.state, watchingAt('20'));
  assert.deepEqual(bookmark.signals, [{ type: 'bookmark', resourceVersion: '20' }]);
});

test('a watch that ends normally resumes from the last resourceVersion at once; a very short empty one backs off', () => {
  const ended = step<ConfigMap>(watchingAt('20'), { type: 'WatchEnded', eventsSeen: 3, durationMs: 300_000 });
  assert.deepEqual(ended.next, { kind: 'watch', resourceVersion: '20', delay: { backoff: false } });
  const short = step<ConfigMap>(watchingAt('20'), { type: 'WatchEnded', eventsSeen: 0, durationMs: 50 });
  assert.deepEqual(short.next, { kind: 'watch', resourceVersion: '20', delay: { backoff: true } });
  assert.deepEqual(short.signals, [{ type: 'watchEnded', short: true }]);
});

test('a broken connection or inactivity timeout resumes from the last resourceVersion after a backoff, no relist', () => {
  const error = new ClientError('CONNECTION_FAILED', 'reset');
  const failed = step<ConfigMap>(watchingAt('20'), { type: 'WatchFailed', error });
  assert.deepEqual(failed.state, listedAt('20'));
  assert.deepEqual(failed.next, { kind: 'watch', resourceVersion: '20', delay: { backoff: true, atLeastMs: undefined } });
  assert.equal(failed.events.length, 0);
  assert.ok(!failed.signals.some((s) => s.type === 'relistStarted'));
});

test('410 on opening the watch, or as an ERROR event (Expired or Gone), relists at once', () => {
  const viaOpen = step<ConfigMap>(listedAt('20'), { type: 'WatchFailed', error: new ApiError('GET', '/x', 410, { reason: 'Expired' }) });
  const viaEvent = run(watchingAt('20'), {
    type: 'Event',
    event: { type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } },
  });
  const viaGoneReason = run(watchingAt('20'), { type: 'Event', event: { type: 'ERROR', object: { reason: 'Gone' } } });
  for (const result of [viaOpen, viaEvent, viaGoneReason]) {
    assert.deepEqual(result.state, { phase: 'Empty', cause: 'gone' });
    assert.deepEqual(result.next, { kind: 'list', continueToken: undefined, delay: { backoff: false } });
    assert.deepEqual(
      result.signals.filter((s) => s.type !== 'error'),
      [
        { type: 'gone', during: 'watch' },
        { type: 'relistStarted', cause: 'gone' },
      ],
    );
  }
});

test('504 ResourceVersionTooLarge and 429 (watch cache initializing) retry the same watch with backoff; Retry-After is a floor', () => {
  const tooLarge = new ApiError('GET', '/x', 504, {
    reason: 'Timeout',
    details: { causes: [{ type: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
  });
  const r1 = step<ConfigMap>(listedAt('20'), { type: 'WatchFailed', error: tooLarge });
  assert.deepEqual(r1.next, { kind: 'watch', resourceVersion: '20', delay: { backoff: true, atLeastMs: 1000 } });
  const busy = new ApiError('GET', '/x', 429, { reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });
  const r2 = step<ConfigMap>(listedAt('20'), { type: 'WatchFailed', error: busy });
  assert.deepEqual(r2.next, { kind: 'watch', resourceVersion: '20', delay: { backoff: true, atLeastMs: 2000 } });
  const inStream = run(watchingAt('20'), { type: 'Event', event: { type: 'ERROR', object: { code: 500, reason: 'InternalError' } } });
  assert.deepEqual(inStream.state, listedAt('20'));
  assert.equal(inStream.next.kind, 'watch');
});

test('a failed list page is retried with backoff from the same page; an expired continue token starts the list over', () => {
  const mid: WatchState = { phase: 'InitPage', cause: 'initial', continueToken: 'tok' };
  const failed = step<ConfigMap>(mid, { type: 'ListFailed', error: new ClientError('REQUEST_TIMEOUT', 'slow') });
  assert.deepEqual(failed.state, mid);
  assert.deepEqual(failed.next, { kind: 'list', continueToken: 'tok', delay: { backoff: true, atLeastMs: undefined } });
  const expired = step<ConfigMap>(mid, { type: 'ListFailed', error: new ApiError('GET', '/x', 410, { reason: 'Expired' }) });
  assert.deepEqual(expired.state, { phase: 'Empty', cause: 'continueExpired' });
  assert.deepEqual(expired.next, { kind: 'list', continueToken: undefined, delay: { backoff: true } });
  // The restarted list begins with init again, so the consumer drops the partial pages.
  const restarted = step(expired.state, { type: 'Listed', page: page([cm('a', '30')], '31') });
  assert.deepEqual(
    restarted.events.map((e) => e.type),
    ['init', 'initApply', 'initDone'],
  );
});

test('inputs that cannot happen in a state are refused loudly', () => {
  assert.throws(() => step<ConfigMap>({ phase: 'Empty', cause: 'initial' }, event('ADDED', cm('a', '1'))), /cannot happen in phase Empty/);
  assert.throws(() => step<ConfigMap>(watchingAt('1'), { type: 'Listed', page: page([], '1') }), {
    name: 'UsageError',
    code: 'INVALID_STATE',
  });
});
