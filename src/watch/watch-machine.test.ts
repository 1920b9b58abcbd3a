import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, ClientError, type RawWatchEvent } from '../client/index.ts';
import type { ObjectList } from '../core/index.ts';
import type { ConfigMap } from '../kinds/core/v1.ts';
import { inactivityTimeout } from './errors.ts';
import { initialStep, type RelistCause, step, type WatchInput, type WatchState, type WatchStep } from './watch-machine.ts';

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
const empty = (cause: RelistCause): WatchState => ({ phase: 'Empty', cause });
const endMarker = (rv: string): WatchInput<ConfigMap> =>
  event('BOOKMARK', { metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } });
const watchingAt = (rv: string): WatchState => ({ phase: 'Watching', resourceVersion: rv });

test('the first step opens a streaming list, at once', () => {
  const first = initialStep<ConfigMap>();
  assert.deepEqual(first.state, empty('initial'));
  assert.deepEqual(first.next, { kind: 'stream', delay: { backoff: false } });
  assert.deepEqual(first.signals, [{ type: 'relistStarted', cause: 'initial' }]);
});

test('a streaming list: init, initApply per ADDED, initDone at the end marker, and the same watch goes on', () => {
  const opened = step<ConfigMap>(empty('initial'), { type: 'WatchOpened' });
  assert.deepEqual(opened.state, { phase: 'InitStream', cause: 'initial', objects: 0 });
  assert.deepEqual(opened.events, [{ type: 'init' }]);
  assert.deepEqual(opened.next, { kind: 'read' });
  const a = step(opened.state, event('ADDED', cm('a', '5')));
  const b = step(a.state, event('ADDED', cm('b', '7')));
  assert.deepEqual(
    [...a.events, ...b.events],
    [
      { type: 'initApply', object: cm('a', '5') },
      { type: 'initApply', object: cm('b', '7') },
    ],
  );
  assert.deepEqual(b.signals, [], 'the initial objects are not changes: no event signal');
  const done = step(b.state, endMarker('9'));
  assert.deepEqual(done.events, [{ type: 'initDone' }]);
  assert.deepEqual(done.state, watchingAt('9'));
  assert.deepEqual(done.next, { kind: 'read' }, 'synced, and the stream is now the watch');
  assert.deepEqual(done.signals, [{ type: 'relistDone', objects: 2, resourceVersion: '9' }]);
  const changed = step(done.state, event('MODIFIED', cm('a', '10')));
  assert.deepEqual(changed.events, [{ type: 'apply', object: cm('a', '10') }]);
  assert.deepEqual(changed.state, watchingAt('10'));
});

test('a server that refuses the streaming list (422 with the WatchList gate off, 400): the same relist as a list, at once', () => {
  const invalid = new ApiError('GET', '/x', 422, { reason: 'Invalid', message: 'sendInitialEvents: Forbidden' });
  const badRequest = new ApiError('GET', '/x', 400, { reason: 'BadRequest' });
  for (const error of [invalid, badRequest]) {
    const refused = step<ConfigMap>(empty('initial'), { type: 'WatchFailed', error });
    assert.deepEqual(refused.state, { phase: 'InitPage', cause: 'initial', continueToken: undefined, objects: 0 });
    assert.deepEqual(
      refused.next,
      { kind: 'list', continueToken: undefined, resourceVersion: '0', delay: { backoff: false } },
      'the initial list may come from the watch cache, whole',
    );
    assert.deepEqual(
      refused.signals.map((s) => s.type),
      ['streamingListFallback'],
    );
    assert.equal(refused.events.length, 0);
  }
  const refusedInStream = run(
    empty('initial'),
    { type: 'WatchOpened' },
    { type: 'Event', event: { type: 'ERROR', object: { code: 422, reason: 'Invalid' } } },
  );
  assert.equal(refusedInStream.next.kind, 'list');
  // After a 410 the fallback list asks for the latest state: never older than what the cache had seen.
  const relist = step<ConfigMap>(empty('gone'), { type: 'WatchFailed', error: invalid });
  assert.deepEqual(relist.next, { kind: 'list', continueToken: undefined, resourceVersion: undefined, delay: { backoff: false } });
});

test('a 403, a 5xx or a broken connection on the streaming list: the stream again after a backoff, not a list', () => {
  const forbidden = new ApiError('GET', '/x', 403, { reason: 'Forbidden' });
  const busy = new ApiError('GET', '/x', 429, { reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });
  const reset = new ClientError('CONNECTION_FAILED', 'reset');
  const r1 = step<ConfigMap>(empty('initial'), { type: 'WatchFailed', error: forbidden });
  assert.deepEqual(r1.state, empty('initial'));
  assert.deepEqual(r1.next, { kind: 'stream', delay: { backoff: true, atLeastMs: undefined } });
  const r2 = step<ConfigMap>(empty('gone'), { type: 'WatchFailed', error: busy });
  assert.deepEqual(r2.next, { kind: 'stream', delay: { backoff: true, atLeastMs: 2000 } });
  assert.deepEqual(r2.state, empty('gone'), 'still the same relist');
  const broken = run(empty('initial'), { type: 'WatchOpened' }, event('ADDED', cm('a', '5')), { type: 'WatchFailed', error: reset });
  assert.deepEqual(broken.state, empty('initial'));
  assert.deepEqual(broken.next, { kind: 'stream', delay: { backoff: true, atLeastMs: undefined } });
  assert.deepEqual(
    broken.signals.map((s) => s.type),
    ['error'],
  );
});

test('a streaming list that ends before its end marker streams again after a backoff, from init', () => {
  const ended = run(empty('initial'), { type: 'WatchOpened' }, event('ADDED', cm('a', '5')), {
    type: 'WatchEnded',
    eventsSeen: 1,
    durationMs: 30_000,
  });
  assert.deepEqual(ended.state, empty('initial'));
  assert.deepEqual(ended.next, { kind: 'stream', delay: { backoff: true } });
  assert.deepEqual(ended.signals, [{ type: 'watchEnded', short: false }]);
  // The next stream begins with init again, so the consumer drops what the broken one delivered.
  assert.deepEqual(step<ConfigMap>(ended.state, { type: 'WatchOpened' }).events, [{ type: 'init' }]);
});

test('a server that ignores sendInitialEvents (a change, a plain bookmark, or silence before the end marker): a list instead', () => {
  const opened = step<ConfigMap>(empty('initial'), { type: 'WatchOpened' }).state;
  const inputs: Array<WatchInput<ConfigMap>> = [
    event('MODIFIED', cm('a', '6')),
    event('DELETED', cm('a', '6')),
    event('BOOKMARK', { metadata: { resourceVersion: '8' } }),
    { type: 'WatchFailed', error: inactivityTimeout('watch configmaps', 150_000) },
  ];
  for (const input of inputs) {
    const result = run(opened, event('ADDED', cm('b', '5')), input);
    assert.deepEqual(result.state, { phase: 'InitPage', cause: 'initial', continueToken: undefined, objects: 0 }, input.type);
    assert.deepEqual(result.next, { kind: 'list', continueToken: undefined, resourceVersion: '0', delay: { backoff: false } });
    assert.deepEqual(result.events, [], 'nothing from the plain watch reaches the consumer');
    assert.equal(result.signals[0]?.type, 'streamingListFallback');
  }
  // The list begins with init: the consumer drops the objects the ignored stream delivered.
  const listed = run(opened, event('MODIFIED', cm('a', '6')), { type: 'Listed', page: page([cm('a', '6')], '9') });
  assert.deepEqual(
    listed.events.map((e) => e.type),
    ['init', 'initApply', 'initDone'],
  );
});

test('410 during a streaming list: the relist starts over after a backoff', () => {
  const gone = run(empty('initial'), { type: 'WatchOpened' }, event('ADDED', cm('a', '5')), {
    type: 'Event',
    event: { type: 'ERROR', object: { code: 410, reason: 'Expired' } },
  });
  assert.deepEqual(gone.state, empty('gone'));
  assert.deepEqual(gone.next, { kind: 'stream', delay: { backoff: true } });
  assert.deepEqual(
    gone.signals.filter((s) => s.type !== 'error'),
    [
      { type: 'gone', during: 'watch' },
      { type: 'relistStarted', cause: 'gone' },
    ],
  );
});

test('a paginated fallback list: init, initApply per object across pages, initDone, then a watch from the list version', () => {
  const start: WatchState = { phase: 'InitPage', cause: 'initial', continueToken: undefined, objects: 0 };
  const one = step<ConfigMap>(start, { type: 'Listed', page: page([cm('a', '5')], '10', 'tok1') });
  assert.deepEqual(
    one.events.map((e) => e.type),
    ['init', 'initApply'],
  );
  assert.deepEqual(one.state, { phase: 'InitPage', cause: 'initial', continueToken: 'tok1', objects: 1 });
  assert.deepEqual(one.next, { kind: 'list', continueToken: 'tok1', resourceVersion: undefined, delay: { backoff: false } });
  const two = step(one.state, { type: 'Listed', page: page([cm('b', '6'), cm('c', '7')], '10') });
  assert.deepEqual(
    two.events.map((e) => e.type),
    ['initApply', 'initApply', 'initDone'],
  );
  assert.deepEqual(two.state, listedAt('10'));
  assert.deepEqual(two.next, { kind: 'watch', resourceVersion: '10', delay: { backoff: false } });
  assert.deepEqual(two.signals, [{ type: 'relistDone', objects: 3, resourceVersion: '10' }], 'objects of every page');
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

test('410 on opening the watch, or as an ERROR event (Expired or Gone), relists at once (a streaming list)', () => {
  const viaOpen = step<ConfigMap>(listedAt('20'), { type: 'WatchFailed', error: new ApiError('GET', '/x', 410, { reason: 'Expired' }) });
  const viaEvent = run(watchingAt('20'), {
    type: 'Event',
    event: { type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } },
  });
  const viaGoneReason = run(watchingAt('20'), { type: 'Event', event: { type: 'ERROR', object: { reason: 'Gone' } } });
  for (const result of [viaOpen, viaEvent, viaGoneReason]) {
    assert.deepEqual(result.state, empty('gone'));
    assert.deepEqual(result.next, { kind: 'stream', delay: { backoff: false } });
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
  const mid: WatchState = { phase: 'InitPage', cause: 'initial', continueToken: 'tok', objects: 500 };
  const failed = step<ConfigMap>(mid, { type: 'ListFailed', error: new ClientError('REQUEST_TIMEOUT', 'slow') });
  assert.deepEqual(failed.state, mid);
  assert.deepEqual(failed.next, {
    kind: 'list',
    continueToken: 'tok',
    resourceVersion: undefined,
    delay: { backoff: true, atLeastMs: undefined },
  });
  const first: WatchState = { phase: 'InitPage', cause: 'initial', continueToken: undefined, objects: 0 };
  const failedFirst = step<ConfigMap>(first, { type: 'ListFailed', error: new ClientError('REQUEST_TIMEOUT', 'slow') });
  assert.deepEqual(failedFirst.next, {
    kind: 'list',
    continueToken: undefined,
    resourceVersion: '0',
    delay: { backoff: true, atLeastMs: undefined },
  });
  const expired = step<ConfigMap>(mid, { type: 'ListFailed', error: new ApiError('GET', '/x', 410, { reason: 'Expired' }) });
  assert.deepEqual(expired.state, { phase: 'InitPage', cause: 'continueExpired', continueToken: undefined, objects: 0 });
  assert.deepEqual(expired.next, { kind: 'list', continueToken: undefined, resourceVersion: undefined, delay: { backoff: true } });
  // The restarted list begins with init again, so the consumer drops the partial pages.
  const restarted = step(expired.state, { type: 'Listed', page: page([cm('a', '30')], '31') });
  assert.deepEqual(
    restarted.events.map((e) => e.type),
    ['init', 'initApply', 'initDone'],
  );
});

test('inputs that cannot happen in a state are refused loudly', () => {
  assert.throws(() => step<ConfigMap>(empty('initial'), event('ADDED', cm('a', '1'))), /cannot happen in phase Empty/);
  assert.throws(() => step<ConfigMap>(empty('initial'), { type: 'Listed', page: page([], '1') }), /cannot happen in phase Empty/);
  assert.throws(() => step<ConfigMap>(watchingAt('1'), { type: 'Listed', page: page([], '1') }), {
    name: 'UsageError',
    code: 'INVALID_STATE',
  });
});
