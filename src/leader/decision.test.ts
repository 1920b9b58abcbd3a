import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, observeLease, releaseSpec } from './decision.ts';
import type { Lease } from './lease.ts';

const wallNow = new Date('2030-01-01T00:00:10Z');
const held = (holder: string, rv: string, extra: Lease['spec'] = {}): Lease => ({
  metadata: { name: 'lock', namespace: 'ops', resourceVersion: rv },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: '2030-01-01T00:00:00.000000Z',
    renewTime: '2030-01-01T00:00:05.000000Z',
    leaseTransitions: 2,
    ...extra,
  },
});
const base = { identity: 'me', wallNow, leaseDurationMs: 15_000 };

test('observation: observedAt moves only when holder, renewTime or resourceVersion change', () => {
  const first = observeLease(undefined, held('a', '1'), 100, 15_000);
  assert.equal(first.observedAt, 100);
  assert.equal(observeLease(first, held('a', '1'), 900, 15_000).observedAt, 100);
  assert.equal(observeLease(first, held('a', '2'), 900, 15_000).observedAt, 900);
  assert.equal(observeLease(first, held('b', '1'), 900, 15_000).observedAt, 900);
  assert.equal(observeLease(first, held('a', '1', { renewTime: 'later' }), 900, 15_000).observedAt, 900);
  assert.equal(observeLease(undefined, held('a', '1', { leaseDurationSeconds: 4 }), 0, 15_000).leaseDurationMs, 4_000);
  assert.equal(observeLease(undefined, { metadata: {} }, 0, 15_000).leaseDurationMs, 15_000, 'a Lease without a duration uses ours');
});

test('a missing Lease is created with us as holder, now as acquire and renew time, no transitions', () => {
  assert.deepEqual(decide({ ...base, lease: undefined, observation: undefined, now: 0 }), {
    action: 'create',
    spec: {
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2030-01-01T00:00:10.000000Z',
      renewTime: '2030-01-01T00:00:10.000000Z',
      leaseTransitions: 0,
    },
  });
});

test('a Lease held by another is left alone until it has not changed for its duration by our clock', () => {
  const lease = held('other', '5');
  const observation = observeLease(undefined, lease, 1_000, 15_000);
  assert.deepEqual(decide({ ...base, lease, observation, now: 15_999 }), { action: 'wait', holder: 'other', expiresInMs: 1 });
  const taken = decide({ ...base, lease, observation, now: 16_000 });
  assert.equal(taken.action, 'update');
  assert.ok(taken.action === 'update' && taken.acquiring);
  assert.deepEqual(taken.action === 'update' && taken.spec, {
    holderIdentity: 'me',
    leaseDurationSeconds: 15,
    acquireTime: '2030-01-01T00:00:10.000000Z',
    renewTime: '2030-01-01T00:00:10.000000Z',
    leaseTransitions: 3,
  });
});

test("the Lease's own timestamps are never used: an ancient renewTime is not expired, a future one not held longer", () => {
  const ancient = held('other', '5', { renewTime: '1970-01-01T00:00:00.000000Z' });
  const future = held('other', '5', { renewTime: '2999-01-01T00:00:00.000000Z' });
  assert.equal(decide({ ...base, lease: ancient, observation: observeLease(undefined, ancient, 0, 15_000), now: 1 }).action, 'wait');
  assert.equal(decide({ ...base, lease: future, observation: observeLease(undefined, future, 0, 15_000), now: 15_000 }).action, 'update');
});

test("the holder's declared duration decides, not ours", () => {
  const lease = held('other', '5', { leaseDurationSeconds: 60 });
  const observation = observeLease(undefined, lease, 0, 15_000);
  assert.equal(decide({ ...base, lease, observation, now: 59_999 }).action, 'wait');
});

test('a free Lease (no holder, as after a release) is taken at once', () => {
  const lease = held('', '9', { leaseDurationSeconds: 1 });
  const decision = decide({ ...base, lease, observation: observeLease(undefined, lease, 500, 15_000), now: 500 });
  assert.ok(decision.action === 'update' && decision.acquiring && decision.spec.holderIdentity === 'me');
});

test('our own Lease is renewed: same acquireTime and transitions, new renewTime', () => {
  const lease = held('me', '5');
  const decision = decide({ ...base, lease, observation: observeLease(undefined, lease, 0, 15_000), now: 3_000 });
  assert.deepEqual(decision, {
    action: 'update',
    acquiring: false,
    spec: {
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: '2030-01-01T00:00:00.000000Z',
      renewTime: '2030-01-01T00:00:10.000000Z',
      leaseTransitions: 2,
    },
  });
});

test('release clears the holder and shortens the duration to one second, keeping the transition count', () => {
  assert.deepEqual(releaseSpec(held('me', '5'), wallNow), {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: '2030-01-01T00:00:10.000000Z',
    renewTime: '2030-01-01T00:00:10.000000Z',
    leaseTransitions: 2,
  });
});
