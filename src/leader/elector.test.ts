// The elector's timing with fake time. The Lease API is a scripted stand-in (a stored Lease with
// resourceVersion checks, and switches to make requests hang or fail); the real API server's behaviour
// is covered by e2e/leader/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type RequestOptions } from '../client/index.ts';
import { ManualClock } from '../core/index.ts';
import { type LeaderEvent, LeaderElector } from './elector.ts';
import { LeaderElectionError } from './errors.ts';
import type { Lease } from './lease.ts';

class ScriptedLeaseApi {
  lease: Lease | undefined;
  mode: 'ok' | 'hang' | 'forbidden' = 'ok';
  readonly log: Array<{ method: string; at: number; holder?: string; duration?: number; timeoutMs?: number }> = [];
  onWrite: ((body: Lease) => void) | undefined;
  /** How long each answer takes (on the fake clock). */
  latencyMs = 0;
  private rv = 0;
  private readonly clock: ManualClock;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  /** Another candidate writes the Lease. */
  writeAsOther(holder: string): void {
    this.lease = {
      metadata: { name: 'lock', namespace: 'ops', resourceVersion: String(++this.rv) },
      spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: '1970-01-01T00:00:00.000000Z' },
    };
  }

  async request<T>(options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const body = options.body as Lease | undefined;
    this.log.push({
      method,
      at: this.clock.now(),
      holder: body?.spec?.holderIdentity,
      duration: body?.spec?.leaseDurationSeconds,
      timeoutMs: options.timeoutMs,
    });
    // As KubeClient's AbortSignal.timeout(timeoutMs), which takes whole milliseconds only.
    if (options.timeoutMs !== undefined && !Number.isInteger(options.timeoutMs))
      throw new RangeError(`timeoutMs must be an integer, got ${options.timeoutMs}`);
    if (this.mode === 'hang') {
      return new Promise<T>((_, reject) => {
        const timer = this.clock.setTimer(() => reject(new Error('timed out')), options.timeoutMs ?? 30_000);
        options.signal?.addEventListener('abort', () => {
          timer.cancel();
          reject(options.signal?.reason as Error);
        });
      });
    }
    if (this.latencyMs > 0) await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.latencyMs));
    if (this.mode === 'forbidden') throw new ApiError(method, options.path, 403, { reason: 'Forbidden' });
    if (method === 'GET') {
      if (!this.lease) throw new ApiError(method, options.path, 404, { reason: 'NotFound' });
      return structuredClone(this.lease) as T;
    }
    this.onWrite?.(body!);
    if (method === 'POST' && this.lease) throw new ApiError(method, options.path, 409, { reason: 'AlreadyExists' });
    if (method === 'PUT' && body!.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new ApiError(method, options.path, 409, { reason: 'Conflict' });
    }
    this.lease = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++this.rv) } };
    return structuredClone(this.lease) as T;
  }
}

function setup(options: { releaseOnStop?: boolean } = {}) {
  const clock = new ManualClock();
  const api = new ScriptedLeaseApi(clock);
  const elector = new LeaderElector({
    client: api,
    namespace: 'ops',
    name: 'lock',
    identity: 'me',
    clock,
    random: () => 0,
    ...options,
  });
  const events: Array<[number, LeaderEvent]> = [];
  elector.subscribe((e) => events.push([clock.now(), e]));
  const stop = new AbortController();
  const running = elector.run(stop.signal);
  const kinds = () =>
    events.map(
      ([at, e]) => `${at} ${e.type}${e.type === 'stopped-leading' ? `:${e.reason}` : e.type === 'new-leader' ? `:${e.holder}` : ''}`,
    );
  return { clock, api, elector, events, kinds, stop, running };
}

test('a missing Lease is created and then renewed every retry period, acquireTime kept', async () => {
  const { clock, api, elector, stop, running } = setup();
  await clock.settle();
  assert.equal(elector.isLeader, true);
  const acquired = api.lease?.spec?.acquireTime;
  await clock.advance(4_000);
  assert.deepEqual(
    api.log.map((r) => `${r.at} ${r.method}`),
    ['0 GET', '0 POST', '2000 PUT', '4000 PUT'],
  );
  assert.equal(api.lease?.spec?.acquireTime, acquired);
  assert.equal(api.lease?.spec?.renewTime, '2030-01-01T00:00:04.000000Z');
  stop.abort();
  await running;
});

test('a standby takes over only after the Lease has not changed for its duration, by its own clock', async () => {
  const clock = new ManualClock();
  const api = new ScriptedLeaseApi(clock);
  api.writeAsOther('other'); // renewTime 1970: a standby that trusted timestamps would take it at once
  const { stop, running, kinds, elector } = (() => {
    const elector = new LeaderElector({ client: api, namespace: 'ops', name: 'lock', identity: 'me', clock, random: () => 0 });
    const events: string[] = [];
    elector.subscribe((e) => events.push(`${clock.now()} ${e.type}${e.type === 'new-leader' ? `:${e.holder}` : ''}`));
    const stop = new AbortController();
    return { stop, running: elector.run(stop.signal), kinds: () => events, elector };
  })();
  await clock.advance(5_000);
  api.writeAsOther('other'); // the holder renews at 5 s; the standby sees it at its 6 s poll
  await clock.advance(15_999);
  assert.equal(elector.isLeader, false, 'at 20.999 s the renewal seen at 6 s is still valid');
  await clock.advance(1_001);
  assert.deepEqual(kinds(), ['0 new-leader:other', '22000 new-leader:me', '22000 started-leading']);
  assert.equal(api.lease?.spec?.leaseTransitions, 1);
  stop.abort();
  await running;
});

test('a leader that cannot renew aborts its term at the renew deadline, before the Lease can expire elsewhere, and campaigns again', async () => {
  const { clock, api, elector, kinds, stop, running } = setup();
  await clock.settle();
  api.latencyMs = 500;
  // Renewed by a request sent at 2 s and answered at 2.5 s: the deadline counts from the sending (12 s),
  // as the server may have written it at once; others may take over from 17 s at the earliest.
  await clock.advance(2_500);
  const term = elector.term!;
  api.mode = 'hang';
  await clock.advance(9_499);
  assert.equal(term.signal.aborted, false, 'still leading at 11.999 s');
  const leadingWrites = api.log.filter((r) => r.at > 2_000);
  assert.deepEqual(
    leadingWrites.map((r) => [r.at, r.timeoutMs]),
    [
      [4_500, 5_000],
      [11_500, 500],
    ],
    'retried, each request bounded by the deadline',
  );
  for (const r of leadingWrites) assert.ok(r.at + r.timeoutMs! <= 12_000, `a renewal sent at ${r.at} ms may not outlive the deadline`);
  await clock.advance(1);
  assert.ok(term.signal.aborted);
  assert.ok(term.signal.reason instanceof LeaderElectionError && term.signal.reason.code === 'LEADERSHIP_LOST');
  assert.equal(elector.isLeader, false);
  api.mode = 'ok';
  api.latencyMs = 0;
  await clock.advance(2_400);
  assert.equal(elector.isLeader, true, 'campaigned again in the same process');
  assert.notEqual(elector.term, term);
  assert.deepEqual(
    kinds().filter((k) => !k.includes('new-leader')),
    ['0 started-leading', '9500 error', '12000 stopped-leading:renew-deadline', '14000 started-leading'],
    'the timed-out renewal is reported; the one cut short by the deadline is not',
  );
  stop.abort();
  await running;
});

test('a renewal retried near the deadline has a whole-millisecond timeout (a real client refuses fractions), and renews the term', async () => {
  const { clock, api, elector, stop, running } = setup();
  await clock.settle();
  // Answers take fractions of a millisecond, as real ones do: the time left to the deadline is then fractional.
  api.latencyMs = 0.3;
  await clock.advance(2_001); // renewed by the request sent at 2 s: the deadline is 12 s
  const term = elector.term!;
  api.mode = 'forbidden'; // renewals fail at once, as while the path to the server refuses connections
  await clock.advance(5_000); // at 4.0003 s and 6.0006 s
  api.mode = 'ok';
  await clock.advance(5_100); // the next renewal (8.0009 s) has less than 4 s left: bounded by the deadline
  const timeouts = api.log.map((r) => r.timeoutMs);
  assert.ok(
    timeouts.every((t) => t === undefined || (Number.isInteger(t) && t >= 1)),
    `whole milliseconds: ${timeouts.join(', ')}`,
  );
  assert.ok(
    timeouts.some((t) => t !== undefined && t < 5_000),
    `a renewal was bounded by the deadline: ${timeouts.join(', ')}`,
  );
  assert.equal(
    term.signal.aborted,
    false,
    `the renewal after the failures kept the term: ${api.log.map((r) => `${r.at} ${r.method} ${r.timeoutMs}`).join('; ')}`,
  );
  assert.equal(elector.term, term);
  api.latencyMs = 0; // the release on stop is answered without the clock moving
  stop.abort();
  await running;
});

test('a leader that finds another holder after a conflict stops at once', async () => {
  const { clock, api, elector, kinds, stop, running } = setup();
  await clock.settle();
  const term = elector.term!;
  api.writeAsOther('usurper');
  await clock.advance(2_000);
  assert.ok(term.signal.aborted);
  assert.equal(elector.observedLeader, 'usurper');
  assert.deepEqual(kinds(), ['0 new-leader:me', '0 started-leading', '2000 new-leader:usurper', '2000 stopped-leading:lost']);
  stop.abort();
  await running;
});

test("stopping releases the Lease after the term's signal has aborted: no holder, one-second duration", async () => {
  const { clock, api, elector, kinds, stop, running } = setup();
  await clock.advance(2_000);
  const term = elector.term!;
  let abortedBeforeRelease: boolean | undefined;
  api.onWrite = () => {
    abortedBeforeRelease = term.signal.aborted;
  };
  stop.abort();
  await running;
  assert.equal(abortedBeforeRelease, true);
  assert.ok(term.signal.reason instanceof LeaderElectionError && term.signal.reason.code === 'LEADERSHIP_RELEASED');
  assert.deepEqual(api.log.at(-1), { method: 'PUT', at: 2_000, holder: '', duration: 1, timeoutMs: 5_000 });
  assert.equal(kinds().at(-1), '2000 stopped-leading:released');
  assert.equal(elector.isLeader, false);
});

test('with releaseOnStop false, stopping writes nothing and the Lease runs out', async () => {
  const { clock, api, kinds, stop, running } = setup({ releaseOnStop: false });
  await clock.advance(2_000);
  const writes = api.log.length;
  stop.abort();
  await running;
  assert.equal(api.log.length, writes);
  assert.equal(api.lease?.spec?.holderIdentity, 'me');
  assert.equal(kinds().at(-1), '2000 stopped-leading:stopped');
});

test('errors other than contention are reported; waitForLeadership resolves once leading; run() twice is refused', async () => {
  const clock = new ManualClock();
  const api = new ScriptedLeaseApi(clock);
  api.mode = 'forbidden';
  const elector = new LeaderElector({ client: api, namespace: 'ops', name: 'lock', clock, random: () => 0 });
  assert.match(elector.identity, /_[0-9a-f]{8}$/, 'default identity: host name and a random suffix');
  const errors: unknown[] = [];
  elector.subscribe((e) => {
    if (e.type === 'error') errors.push(e.error);
  });
  const stop = new AbortController();
  const running = elector.run(stop.signal);
  await assert.rejects(elector.run(stop.signal), (e: unknown) => e instanceof LeaderElectionError && e.code === 'LEADER_ALREADY_RUNNING');
  const leading = elector.waitForLeadership();
  await clock.advance(2_000);
  assert.equal(errors.length, 2);
  assert.ok(errors[0] instanceof ApiError && errors[0].httpStatus === 403 && errors[0].code === 'FORBIDDEN');
  api.mode = 'ok';
  await clock.advance(2_000);
  assert.equal((await leading).identity, elector.identity);
  stop.abort();
  await running;
});

test('timings that cannot work are refused with the rule they break', () => {
  const client = { request: () => Promise.reject(new Error('unused')) };
  const refuses = (options: object, pattern: RegExp) =>
    assert.throws(
      () => new LeaderElector({ client, namespace: 'ops', name: 'lock', ...options }),
      (e: unknown) => e instanceof LeaderElectionError && e.code === 'LEADER_INVALID_OPTIONS' && pattern.test(e.message),
    );
  refuses({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }, /must exceed renewDeadlineMs/);
  refuses({ renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }, /must exceed retryPeriodMs × 1.2/);
  refuses({ leaseDurationMs: 15_500 }, /whole seconds/);
  refuses({ name: '' }, /namespace and name/);
  refuses({ identity: '' }, /identity must not be empty/);
});
