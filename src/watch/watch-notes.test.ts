import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type WatchMetrics, watchMetricsObserver, type WatchNote } from './watch-notes.ts';
import { WatchStats } from './watch-stats.ts';

const notes: WatchNote[] = [
  { type: 'relistStarted', cause: 'initial', at: 0 },
  { type: 'listRequested', continueToken: undefined, at: 1 },
  { type: 'relistDone', objects: 2, resourceVersion: '5', at: 2 },
  { type: 'watchRequested', resourceVersion: '5', reconnect: false, at: 3 },
  { type: 'event', eventType: 'ADDED', at: 4 },
  { type: 'bookmark', resourceVersion: '7', at: 5 },
  { type: 'inactivityTimeout', silentMs: 150_000, at: 150_005 },
  { type: 'error', during: 'watch', error: new Error('silent'), at: 150_006 },
  { type: 'backoff', delayMs: 800, at: 150_006 },
  { type: 'watchRequested', resourceVersion: '7', reconnect: true, at: 150_806 },
  { type: 'gone', during: 'watch', at: 150_900 },
  { type: 'relistStarted', cause: 'gone', at: 150_900 },
];

test('the metrics observer maps notes to the WatchMetrics calls, labelled with the watch name', () => {
  const calls: string[] = [];
  const metrics: WatchMetrics = {
    eventReceived: (w, t) => calls.push(`${w} event ${t}`),
    bookmarkReceived: (w) => calls.push(`${w} bookmark`),
    relisted: (w, cause) => calls.push(`${w} relist ${cause}`),
    goneReceived: (w) => calls.push(`${w} 410`),
    reconnected: (w) => calls.push(`${w} reconnect`),
    lastActivity: (w, s) => calls.push(`${w} activity ${s > 1e9 ? 'epoch' : s}`),
    errorReceived: (w, code) => calls.push(`${w} error ${code}`),
  };
  const observe = watchMetricsObserver(metrics, 'cms');
  for (const note of notes) observe(note);
  assert.deepEqual(calls, [
    'cms relist initial',
    'cms activity epoch', // the completed list
    'cms event ADDED',
    'cms activity epoch',
    'cms bookmark',
    'cms activity epoch',
    'cms error unknown',
    'cms reconnect',
    'cms 410',
    'cms relist gone',
  ]);
});

test('WatchStats counts what happened and prints a timeline', () => {
  const stats = new WatchStats();
  for (const note of notes) stats.observe(note);
  assert.deepEqual(stats.counts, {
    events: 1,
    bookmarks: 1,
    relists: 1,
    gone: 1,
    reconnects: 1,
    inactivityTimeouts: 1,
    errors: 1,
    requests: 3,
  });
  assert.equal(stats.synced, true);
  assert.equal(stats.lastActivityAt, 5);
  assert.equal(stats.secondsSinceActivity(2_005), 2);
  assert.equal(new WatchStats().secondsSinceActivity(), undefined);
  assert.equal((stats.lastError as Error).message, 'silent');
  assert.deepEqual(
    stats.notesOf('backoff').map((n) => n.delayMs),
    [800],
  );
  const lines = stats.formatTimeline().split('\n');
  assert.equal(lines.length, notes.length);
  assert.match(lines[6]!, /^\s+150\.005 s {2}inactivityTimeout silentMs=150000$/);
  assert.match(lines[7]!, /error during="watch" error=silent/);
});

test('WatchStats keeps only the latest notes', () => {
  const stats = new WatchStats({ keepNotes: 3 });
  for (const note of notes) stats.observe(note);
  assert.deepEqual(
    stats.timeline.map((n) => n.type),
    ['watchRequested', 'gone', 'relistStarted'],
  );
  assert.equal(stats.counts.events, 1, 'counters are not limited');
});
