// The watcher loop against a scripted source and a manual clock: which requests it makes, what the
// consumer sees, and when it gives up on a silent connection. The protocol decisions themselves are
// tested in watch-machine.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, ClientError, type ListOptions, type RawWatchEvent, type WatchRequestOptions } from '../client/index.ts';
import { ManualClock, type ObjectList } from '../core/index.ts';
import { type ConfigMap, ConfigMap as ConfigMapKind } from '../kinds/core/v1.ts';
import type { ListWatchSource, WatchEvent } from './watch-event.ts';
import { WatchStats } from './watch-stats.ts';
import { initialEventsSilenceMs, watcher } from './watcher.ts';

/** One open watch response: the test pushes events, ends it or breaks it; an abort breaks it too. */
class FakeStream implements AsyncIterable<RawWatchEvent<ConfigMap>> {
  private readonly queue: Array<RawWatchEvent<ConfigMap> | Error | 'end'> = [];
  private wake: (() => void) | undefined;
  aborted = false;

  constructor(signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', () => {
      this.aborted = true;
      this.push(new Error('aborted'));
    });
  }

  push(item: RawWatchEvent<ConfigMap> | Error | 'end'): void {
    this.queue.push(item);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawWatchEvent<ConfigMap>> {
    for (;;) {
      while (this.queue.length === 0)
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      const item = this.queue.shift()!;
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}

/**
 * A scripted server. A streaming list request (`sendInitialEvents`) takes the next of `snapshots`: its objects as
 * ADDED events, then the end marker (`rv`); or, with `endMarker: false`, only the objects; with none scripted it is
 * refused with 422, as by a server with the WatchList feature gate off. A plain watch takes `watchFailures` first.
 */
class FakeSource implements ListWatchSource<ConfigMap> {
  readonly kind = ConfigMapKind;
  readonly lists: ListOptions[] = [];
  readonly watches: WatchRequestOptions[] = [];
  readonly streamRequests: WatchRequestOptions[] = [];
  readonly streams: FakeStream[] = [];
  pages: Array<ObjectList<ConfigMap> | Error> = [];
  snapshots: Array<{ items: ConfigMap[]; rv: string; endMarker?: boolean } | Error> = [];
  watchFailures: Error[] = [];

  async list(options: ListOptions): Promise<ObjectList<ConfigMap>> {
    this.lists.push(options);
    const page = this.pages.shift();
    if (!page) throw new Error('test: no list page scripted');
    if (page instanceof Error) throw page;
    return page;
  }

  async watch(options: WatchRequestOptions) {
    if (options.sendInitialEvents) {
      this.streamRequests.push(options);
      const snapshot =
        this.snapshots.shift() ?? new ApiError('GET', '/x', 422, { reason: 'Invalid', message: 'sendInitialEvents is forbidden' });
      if (snapshot instanceof Error) throw snapshot;
      const stream = new FakeStream(options.signal);
      for (const object of snapshot.items) stream.push({ type: 'ADDED', object });
      if (snapshot.endMarker !== false) stream.push(endMarker(snapshot.rv));
      this.streams.push(stream);
      return stream;
    }
    this.watches.push(options);
    const failure = this.watchFailures.shift();
    if (failure) throw failure;
    const stream = new FakeStream(options.signal);
    this.streams.push(stream);
    return stream;
  }

  get stream(): FakeStream {
    return this.streams.at(-1)!;
  }
}

const cm = (name: string, rv: string): ConfigMap => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const page = (items: ConfigMap[], rv: string, continueToken?: string): ObjectList<ConfigMap> => ({
  metadata: { resourceVersion: rv, continue: continueToken },
  items,
});
const bookmark = (rv: string): RawWatchEvent<ConfigMap> => ({ type: 'BOOKMARK', object: { metadata: { resourceVersion: rv } } });
const endMarker = (rv: string): RawWatchEvent<ConfigMap> => ({
  type: 'BOOKMARK',
  object: { metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } },
});

function start(source: FakeSource, options: { inactivityTimeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const controller = new AbortController();
  const stats = new WatchStats();
  const events: Array<WatchEvent<ConfigMap>> = [];
  const done = (async () => {
    for await (const event of watcher(source, { clock, signal: controller.signal, onNote: stats.observe, random: () => 0.5, ...options }))
      events.push(event);
  })();
  const summary = () => events.map((e) => ('object' in e ? `${e.type}:${e.object.metadata.name}` : e.type));
  return { clock, controller, stats, events, done, summary };
}

test('the initial sync is one streaming list request, which then goes on as the watch', async () => {
  const source = new FakeSource();
  source.snapshots = [{ items: [cm('a', '3'), cm('b', '4')], rv: '10' }];
  const run = start(source);
  await run.clock.settle();
  assert.equal(source.streamRequests.length, 1);
  const request = source.streamRequests[0]!;
  assert.equal(request.sendInitialEvents, true);
  assert.equal(request.resourceVersionMatch, 'NotOlderThan');
  assert.equal(request.resourceVersion, undefined, 'the latest state: a consistent read');
  assert.equal(request.allowWatchBookmarks, true);
  assert.ok(request.timeoutSeconds! >= 300 && request.timeoutSeconds! <= 600);
  source.stream.push({ type: 'MODIFIED', object: cm('a', '11') });
  source.stream.push(bookmark('12'));
  await run.clock.settle();
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'initApply:b', 'initDone', 'apply:a']);
  assert.equal(source.lists.length + source.watches.length, 0, 'no list, no second watch');
  assert.deepEqual(
    run.stats.notesOf('relistDone').map((n) => [n.objects, n.resourceVersion]),
    [[2, '10']],
  );
  assert.equal(run.stats.counts.requests, 1);
  assert.equal(run.stats.counts.bookmarks, 1, 'the end marker is not counted as a bookmark');
  run.controller.abort();
  await run.done;
  assert.equal(source.stream.aborted, true);
});

test('a server that ignores sendInitialEvents (a change before the end marker): a list from resourceVersion 0 instead', async () => {
  const source = new FakeSource();
  source.snapshots = [{ items: [cm('a', '3')], rv: '10', endMarker: false }];
  source.pages = [page([cm('a', '5')], '10')];
  const run = start(source);
  await run.clock.settle();
  source.stream.push({ type: 'MODIFIED', object: cm('a', '5') });
  await run.clock.settle();
  assert.equal(source.streams[0]!.aborted, true, 'the plain watch is closed');
  assert.deepEqual(
    source.lists.map((l) => [l.resourceVersion, l.limit]),
    [['0', 500]],
  );
  assert.equal(source.watches[0]?.resourceVersion, '10');
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'init', 'initApply:a', 'initDone']);
  assert.match(run.stats.notesOf('streamingListFallback')[0]?.reason ?? '', /MODIFIED event before the end of the initial events/);
  run.controller.abort();
  await run.done;
});

test('a streaming list that ends before its end marker is retried after a backoff; one silent for 10 s before it falls back to a list', async () => {
  const source = new FakeSource();
  source.snapshots = [
    { items: [cm('a', '3')], rv: '10', endMarker: false },
    { items: [], rv: '10', endMarker: false },
  ];
  source.pages = [page([cm('a', '3')], '10')];
  const run = start(source); // the inactivity timeout is 150 s; before the end marker 10 s of silence is enough
  await run.clock.settle();
  source.stream.push('end');
  await run.clock.settle();
  assert.equal(source.streamRequests.length, 1, 'not at once');
  await run.clock.advance(700); // the first backoff delay: 800 ms less the jitter
  assert.equal(source.streamRequests.length, 2, 'streamed again after the backoff');
  await run.clock.advance(initialEventsSilenceMs - 1);
  assert.equal(source.lists.length, 0, 'not yet: 1 ms short');
  await run.clock.advance(1);
  assert.equal(source.lists.length, 1, 'silent before the end marker: a list');
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'init', 'init', 'initApply:a', 'initDone']);
  run.controller.abort();
  await run.done;
});

test('where the server refuses the streaming list: lists page by page, then watches from the list version with bookmarks and a 5–10 minute timeout', async () => {
  const source = new FakeSource();
  source.pages = [page([cm('a', '3')], '10', 'next'), page([cm('b', '4')], '10')];
  const run = start(source);
  await run.clock.settle();
  assert.equal(source.streamRequests.length, 1, 'asked for once, refused');
  assert.equal(run.stats.notesOf('backoff').length, 0, 'the list follows at once');
  assert.deepEqual(
    source.lists.map((l) => [l.limit, l.continueToken, l.resourceVersion]),
    [
      [500, undefined, '0'],
      [500, 'next', undefined],
    ],
  );
  assert.equal(source.watches.length, 1);
  const watch = source.watches[0]!;
  assert.equal(watch.resourceVersion, '10');
  assert.equal(watch.allowWatchBookmarks, true);
  assert.ok(watch.timeoutSeconds! >= 300 && watch.timeoutSeconds! <= 600);
  source.stream.push({ type: 'ADDED', object: cm('c', '11') });
  source.stream.push({ type: 'DELETED', object: cm('a', '12') });
  await run.clock.settle();
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'initApply:b', 'initDone', 'apply:c', 'delete:a']);
  run.controller.abort();
  await run.done;
});

test('a silent watch is abandoned after the inactivity timeout and resumed from the last bookmark, without a relist', async () => {
  const source = new FakeSource();
  source.pages = [page([], '10')];
  const run = start(source, { inactivityTimeoutMs: 150_000 });
  await run.clock.settle();
  source.stream.push(bookmark('20'));
  await run.clock.settle();
  await run.clock.advance(149_999);
  assert.equal(source.stream.aborted, false, 'not yet: 1 ms short of the timeout');
  await run.clock.advance(1);
  assert.equal(source.streams[0]!.aborted, true, 'abandoned at the timeout');
  assert.equal(run.stats.counts.inactivityTimeouts, 1);
  await run.clock.advance(800); // the first backoff is at most 0.8 s
  assert.equal(source.watches.length, 2);
  assert.equal(source.watches[1]!.resourceVersion, '20', 'resumed from the bookmark');
  assert.equal(source.lists.length, 1, 'no relist');
  assert.equal(run.stats.counts.reconnects, 1);
  run.controller.abort();
  await run.done;
});

test('a quiet watch with bookmarks every minute is never restarted', async () => {
  const source = new FakeSource();
  source.pages = [page([], '10')];
  const run = start(source, { inactivityTimeoutMs: 150_000 });
  await run.clock.settle();
  for (let minute = 1; minute <= 10; minute++) {
    await run.clock.advance(60_000);
    source.stream.push(bookmark(String(10 + minute)));
    await run.clock.settle();
  }
  assert.equal(source.watches.length, 1);
  assert.equal(run.stats.counts.inactivityTimeouts, 0);
  assert.equal(run.stats.counts.bookmarks, 10);
  run.controller.abort();
  await run.done;
});

test('a slow consumer does not count as server silence', async () => {
  const source = new FakeSource();
  source.pages = [page([], '10')];
  const clock = new ManualClock();
  const controller = new AbortController();
  const seen: string[] = [];
  const done = (async () => {
    for await (const event of watcher(source, { clock, signal: controller.signal, inactivityTimeoutMs: 1_000 })) {
      seen.push(event.type);
      if (event.type === 'apply') await clock.advance(5_000); // five inactivity timeouts spent handling one event
    }
  })();
  await clock.settle();
  source.stream.push({ type: 'ADDED', object: cm('a', '11') });
  await clock.settle();
  await clock.settle();
  assert.equal(source.streams[0]!.aborted, false);
  assert.equal(source.watches.length, 1);
  controller.abort();
  await done;
  assert.deepEqual(seen, ['init', 'initDone', 'apply']);
});

test('410 Expired relists once through a streaming list; the new objects come as init … initDone', async () => {
  const source = new FakeSource();
  source.snapshots = [
    { items: [cm('a', '3'), cm('b', '4')], rv: '10' },
    { items: [cm('b', '30')], rv: '31' },
  ];
  const run = start(source);
  await run.clock.settle();
  source.stream.push({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
  await run.clock.settle();
  assert.equal(source.streamRequests.length, 2, 'streamed again at once, no backoff');
  assert.equal(source.streamRequests[1]!.resourceVersion, undefined);
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'initApply:b', 'initDone', 'init', 'initApply:b', 'initDone']);
  assert.equal(run.stats.counts.relists, 1);
  assert.equal(run.stats.counts.gone, 1);
  assert.equal(source.lists.length, 0);
  run.controller.abort();
  await run.done;
});

test('410 Expired where the server refuses streaming lists relists once as a list and delivers it as init … initDone', async () => {
  const source = new FakeSource();
  source.pages = [page([cm('a', '3'), cm('b', '4')], '10'), page([cm('b', '30')], '31')];
  const run = start(source);
  await run.clock.settle();
  source.stream.push({
    type: 'ERROR',
    object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 10 (25)' },
  });
  await run.clock.settle();
  assert.equal(source.lists.length, 2, 'relisted at once, no backoff');
  assert.equal(source.watches.at(-1)!.resourceVersion, '31');
  assert.deepEqual(run.summary(), ['init', 'initApply:a', 'initApply:b', 'initDone', 'init', 'initApply:b', 'initDone']);
  assert.equal(run.stats.counts.relists, 1);
  assert.equal(run.stats.counts.gone, 1);
  run.controller.abort();
  await run.done;
});

test('failures back off with growing delays and resume from the same version; errors never end the watcher', async () => {
  const source = new FakeSource();
  source.pages = [new ClientError('CONNECTION_FAILED', 'refused'), page([], '10')];
  const refused = () => new ClientError('CONNECTION_FAILED', 'refused');
  source.watchFailures = [
    refused(),
    refused(),
    new ApiError('GET', '/x', 429, { reason: 'TooManyRequests', details: { retryAfterSeconds: 5 } }),
  ];
  const run = start(source);
  await run.clock.advance(60_000);
  // random() = 0.5 and jitter 0.25 → each delay is 87.5 % of its base: 700, 1400, 2800, then max(5600, Retry-After 5000).
  assert.deepEqual(
    run.stats.notesOf('backoff').map((n) => n.delayMs),
    [700, 1400, 2800, 5600],
  );
  assert.equal(source.lists.length, 2);
  assert.deepEqual(
    source.watches.map((w) => w.resourceVersion),
    ['10', '10', '10', '10'],
  );
  assert.equal(run.stats.counts.errors, 4);
  run.controller.abort();
  await run.done;
});

test('a watch the server ends normally is reopened at once; one that ends at once with nothing backs off', async () => {
  const source = new FakeSource();
  source.pages = [page([], '10')];
  const run = start(source);
  await run.clock.settle();
  source.stream.push(bookmark('15'));
  await run.clock.advance(100_000); // within the inactivity timeout
  source.stream.push('end');
  await run.clock.settle();
  assert.equal(source.watches.length, 2);
  assert.equal(source.watches[1]!.resourceVersion, '15');
  assert.equal(run.stats.notesOf('backoff').length, 0);
  source.stream.push('end');
  await run.clock.settle();
  assert.equal(source.watches.length, 2, 'a very short empty watch waits for the backoff');
  await run.clock.advance(800);
  assert.equal(source.watches.length, 3);
  run.controller.abort();
  await run.done;
});

test('aborting the signal ends the iteration and closes the open watch', async () => {
  const source = new FakeSource();
  source.pages = [page([], '10')];
  const run = start(source);
  await run.clock.settle();
  run.controller.abort();
  await run.done;
  assert.equal(source.stream.aborted, true);
});
