import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WatchHealth, watchErrorCode } from './watch-health.ts';
import { inactivityTimeout } from './errors.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });

test('a quiet watch is healthy; trouble counts from the first failure until an event, bookmark or list', () => {
  const health = new WatchHealth();
  health.observe({ type: 'relistDone', objects: 3, resourceVersion: '10', at: 0 });
  assert.equal(health.unresumedMs(600_000), 0, 'ten quiet minutes are no trouble');
  health.observe({ type: 'error', during: 'watch', error: refused, at: 1_000 });
  health.observe({ type: 'backoff', delayMs: 800, at: 1_000 });
  health.observe({ type: 'error', during: 'watch', error: refused, at: 2_000 });
  assert.equal(health.unresumedMs(31_000), 30_000, 'from the first failure, not the last');
  assert.equal(health.lastFailure, 'connect ECONNREFUSED 127.0.0.1:6443');
  health.observe({ type: 'bookmark', resourceVersion: '11', at: 32_000 });
  assert.equal(health.unresumedMs(33_000), 0);
});

test('a watch that opens and stays open for a second has resumed; one that ends at once has not', () => {
  const health = new WatchHealth();
  health.observe({ type: 'gone', during: 'watch', at: 0 });
  health.observe({ type: 'watchOpened', resourceVersion: '5', at: 500 });
  health.observe({ type: 'watchEnded', short: true, at: 600 });
  health.observe({ type: 'watchOpened', resourceVersion: '5', at: 2_000 });
  assert.equal(health.unresumedMs(2_500), 2_500, 'open for 500 ms: not yet resumed');
  assert.equal(health.unresumedMs(3_000), 0, 'open for a second without failing: resumed');
  assert.equal(health.unresumedMs(90_000), 0);
});

test('an inactivity timeout starts trouble; an open watch without trouble changes nothing', () => {
  const health = new WatchHealth();
  health.observe({ type: 'watchOpened', resourceVersion: '5', at: 0 });
  assert.equal(health.unresumedMs(10), 0);
  health.observe({ type: 'inactivityTimeout', silentMs: 150_000, at: 150_000 });
  assert.equal(health.unresumedMs(160_000), 10_000);
  assert.match(health.lastFailure!, /no event or bookmark for 150 s/);
});

test('error codes: HTTP status, Capstan code, system code (also as a cause), else unknown', () => {
  assert.equal(watchErrorCode(Object.assign(new Error('gone'), { httpStatus: 410 })), '410');
  assert.equal(watchErrorCode(inactivityTimeout('configmaps', 150_000)), 'INACTIVITY_TIMEOUT');
  assert.equal(watchErrorCode(new TypeError('fetch failed', { cause: refused })), 'ECONNREFUSED');
  assert.equal(watchErrorCode('a string'), 'unknown');
});
