import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/index.ts';
import { QueueError } from './errors.ts';
import type { InFlightWork, QueueMetrics } from './metrics.ts';
import { type WorkOutcome, WorkQueue, type WorkQueueOptions } from './work-queue.ts';

/** A worker whose turns the test ends by hand, recording when each started and what ran at once. */
class ManualWorker {
  readonly started: Array<{ key: string; at: number; retries: number }> = [];
  readonly running = new Map<string, { finish: (outcome?: WorkOutcome) => void; fail: (e: Error) => void; signal: AbortSignal }>();
  maxRunning = 0;
  overlaps: string[] = [];
  private readonly clock: ManualClock;

  constructor(clock: ManualClock) {
    this.clock = clock;
  }

  readonly work = (key: string, { signal, retries }: { signal: AbortSignal; retries: number }): Promise<WorkOutcome | void> => {
    if (this.running.has(key)) this.overlaps.push(key);
    this.started.push({ key, at: this.clock.now(), retries });
    return new Promise((resolve, reject) => {
      this.running.set(key, {
        finish: (outcome) => {
          this.running.delete(key);
          resolve(outcome);
        },
        fail: (e) => {
          this.running.delete(key);
          reject(e);
        },
        signal,
      });
      this.maxRunning = Math.max(this.maxRunning, this.running.size);
    });
  };

  async finish(key: string, outcome?: WorkOutcome): Promise<void> {
    const turn = this.running.get(key);
    assert.ok(turn, `${key} is not running`);
    turn.finish(outcome);
    await this.clock.settle();
  }

  startsOf(key: string): number[] {
    return this.started.filter((s) => s.key === key).map((s) => s.at);
  }
}

function setup(options: Omit<WorkQueueOptions<string>, 'clock'> = {}) {
  const clock = new ManualClock();
  const worker = new ManualWorker(clock);
  const queue = new WorkQueue<string>({ clock, onWorkerError: () => {}, ...options });
  return { clock, worker, queue };
}

test('a key added many times while waiting is processed once', async () => {
  const { clock, worker, queue } = setup();
  for (let i = 0; i < 5; i++) queue.add('a');
  queue.add('b');
  assert.equal(queue.depth, 2);
  queue.start(worker.work);
  await clock.settle();
  await worker.finish('a');
  await worker.finish('b');
  assert.deepEqual(
    worker.started.map((s) => s.key),
    ['a', 'b'],
  );
  assert.equal(queue.depth, 0);
});

test('a key is never processed twice at once; added while running, it runs once more after', async () => {
  const { clock, worker, queue } = setup({ concurrency: 4 });
  queue.start(worker.work);
  queue.add('a');
  await clock.settle();
  queue.add('a');
  queue.add('a');
  await clock.settle();
  assert.equal(worker.running.size, 1, 'the second add waits for the first turn');
  assert.equal(queue.depth, 0, 'a key being processed is not counted as ready');
  await worker.finish('a');
  assert.equal(worker.startsOf('a').length, 2);
  await worker.finish('a');
  assert.equal(worker.startsOf('a').length, 2, 'the adds during the first turn folded into one');
  assert.deepEqual(worker.overlaps, []);
});

test('at most `concurrency` keys run at once, and every key gets its turn', async () => {
  const { clock, worker, queue } = setup({ concurrency: 2 });
  queue.start(worker.work);
  for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
  await clock.settle();
  assert.equal(worker.running.size, 2);
  while (worker.running.size > 0) await worker.finish([...worker.running.keys()][0]!);
  assert.equal(worker.maxRunning, 2);
  assert.deepEqual(
    worker.started.map((s) => s.key),
    ['a', 'b', 'c', 'd', 'e'],
  );
});

test('retries back off per key, doubling from the base to the cap; success forgets the failures', async () => {
  const { clock, worker, queue } = setup({ backoff: { baseMs: 5, maxMs: 40 } });
  queue.start(worker.work);
  queue.add('a');
  await clock.settle();
  for (let i = 0; i < 6; i++) {
    await worker.finish('a', { kind: 'retry' });
    await clock.advance(clock.nextTimerIn() ?? 0);
  }
  const starts = worker.startsOf('a');
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  assert.deepEqual(gaps, [5, 10, 20, 40, 40, 40]);
  assert.deepEqual(
    worker.started.map((s) => s.retries),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.equal(queue.retries('a'), 6);
  await worker.finish('a', { kind: 'done' });
  assert.equal(queue.retries('a'), 0);
  queue.add('a');
  await clock.settle();
  await worker.finish('a', { kind: 'retry' });
  await clock.advance(4);
  assert.equal(worker.running.size, 0, 'after a success the backoff starts over at 5 ms');
  await clock.advance(1);
  assert.equal(worker.running.size, 1);
});

test("forget() resets a key's backoff, and one key's failures do not slow another", async () => {
  const { clock, worker, queue } = setup({ concurrency: 2, backoff: { baseMs: 5, maxMs: 1_000 } });
  queue.start(worker.work);
  for (let i = 0; i < 4; i++) queue.addRateLimited('a');
  assert.equal(queue.retries('a'), 4);
  queue.addRateLimited('b');
  await clock.advance(5);
  assert.deepEqual(
    worker.started.map((s) => s.key),
    ['a', 'b'],
    'a waits its shortest pending delay (5 ms), b too',
  );
  queue.forget('a');
  assert.equal(queue.retries('a'), 0);
});

test('the rate limit slows retries only; first adds and addAfter are never limited', async () => {
  const { clock, worker, queue } = setup({ concurrency: 1_000, backoff: { baseMs: 1 }, rateLimit: { perSecond: 10, burst: 2 } });
  queue.start(worker.work);
  for (const k of ['r1', 'r2', 'r3', 'r4', 'r5']) queue.addRateLimited(k);
  for (let i = 0; i < 50; i++) queue.add(`new-${i}`);
  for (let i = 0; i < 50; i++) queue.addAfter(`later-${i}`, 3);
  const startedAt = (prefix: string, at: number) => worker.started.filter((s) => s.key.startsWith(prefix) && s.at === at).length;
  await clock.settle();
  assert.equal(startedAt('new-', 0), 50, 'fifty first adds start at once despite a burst of 2');
  await clock.advance(3);
  assert.equal(startedAt('later-', 3), 50, 'fifty delayed adds start on time');
  await clock.advance(1_000);
  const retryStarts = ['r1', 'r2', 'r3', 'r4', 'r5'].map((k) => worker.startsOf(k)[0]);
  // Two burst tokens (so the 1 ms backoff decides), then one token per 100 ms.
  assert.deepEqual(retryStarts, [1, 1, 100, 200, 300]);
});

test('addAfter: the key becomes ready at its time; an earlier time for the same key wins', async () => {
  const { clock, worker, queue } = setup();
  queue.start(worker.work);
  queue.addAfter('a', 100);
  queue.addAfter('b', 100);
  queue.addAfter('b', 30);
  queue.addAfter('c', 10);
  queue.addAfter('c', 500);
  assert.equal(queue.waiting, 3);
  await clock.advance(10);
  await worker.finish('c');
  await clock.advance(20);
  await worker.finish('b');
  await clock.advance(1_000);
  await worker.finish('a');
  assert.equal(queue.waiting, 0);
  assert.deepEqual(
    worker.started.map((s) => [s.key, s.at]),
    [
      ['c', 10],
      ['b', 30],
      ['a', 100],
    ],
  );
});

test('requeueAfter runs the key again after the delay, with its failures forgotten', async () => {
  const { clock, worker, queue } = setup();
  queue.start(worker.work);
  queue.addRateLimited('a');
  await clock.advance(5);
  await worker.finish('a', { kind: 'requeueAfter', delayMs: 1_000 });
  assert.equal(queue.retries('a'), 0);
  await clock.advance(999);
  assert.equal(worker.running.size, 0);
  await clock.advance(1);
  assert.deepEqual(worker.startsOf('a'), [5, 1_005]);
});

test('with a requeue clock, requeueAfter waits on it while retries back off on the queue clock', async () => {
  const { clock, worker } = setup();
  const requeueClock = new ManualClock();
  const queue = new WorkQueue<string>({ clock, requeueClock, onWorkerError: () => {} });
  queue.start(worker.work);
  queue.add('a');
  queue.add('b');
  await clock.settle();
  await worker.finish('a', { kind: 'requeueAfter', delayMs: 60_000 });
  await worker.finish('b', { kind: 'retry' });
  assert.equal(queue.waiting, 2);
  await clock.advance(3_600_000); // an hour of real time: b's retry runs, a's requeue does not
  assert.deepEqual([worker.startsOf('a').length, worker.startsOf('b').length], [1, 2]);
  await worker.finish('b');
  await requeueClock.advance(59_999);
  assert.equal(worker.startsOf('a').length, 1);
  await requeueClock.advance(1);
  assert.equal(worker.startsOf('a').length, 2);
  await worker.finish('a', { kind: 'requeueAfter', delayMs: 60_000 });
  await queue.shutdown();
  assert.equal(requeueClock.pendingTimers, 0, 'shutdown cancels the requeue timers too');
});

test('a worker that throws is reported and its key retried with backoff', async () => {
  const clock = new ManualClock();
  const errors: Array<[string, unknown]> = [];
  let calls = 0;
  const queue = new WorkQueue<string>({ clock, onWorkerError: (k, e) => errors.push([k, e]) });
  queue.start(async () => {
    calls++;
    if (calls === 1) throw new Error('boom');
  });
  queue.add('a');
  await clock.advance(4);
  assert.equal(calls, 1);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]![0], 'a');
  await clock.advance(1);
  assert.equal(calls, 2);
});

test('shutdown: nothing new starts, waiting keys are dropped, in-flight work finishes within the grace period', async () => {
  const { clock, worker, queue } = setup();
  queue.start(worker.work);
  queue.add('a');
  queue.add('b');
  queue.addAfter('c', 10);
  await clock.settle();
  let report: unknown;
  void queue.shutdown({ graceMs: 1_000 }).then((r) => {
    report = r;
  });
  assert.equal(queue.add('d'), false);
  assert.equal(queue.addAfter('e', 1), false);
  assert.equal(queue.depth, 0);
  await clock.advance(500);
  assert.equal(report, undefined, 'shutdown waits for work in flight');
  assert.equal(worker.running.get('a')?.signal.aborted, false);
  await worker.finish('a', { kind: 'retry' });
  assert.deepEqual(report, { aborted: [] });
  await clock.advance(10_000);
  assert.deepEqual(
    worker.started.map((s) => s.key),
    ['a'],
    'b (waiting), c (delayed) and the retry of a never ran',
  );
  assert.equal(clock.pendingTimers, 0);
  assert.throws(
    () => queue.start(worker.work),
    (e: unknown) => e instanceof QueueError && e.code === 'QUEUE_ALREADY_STARTED',
  );
});

test('shutdown: when the grace period ends, in-flight work is aborted and reported', async () => {
  const { clock, worker, queue } = setup({ concurrency: 2 });
  queue.start(worker.work);
  queue.add('slow');
  queue.add('quick');
  await clock.settle();
  const stopping = queue.shutdown({ graceMs: 1_000 });
  assert.equal(queue.shutdown(), stopping, 'shutdown is idempotent');
  await worker.finish('quick');
  await clock.advance(999);
  const signal = worker.running.get('slow')!.signal;
  assert.equal(signal.aborted, false);
  await clock.advance(1);
  assert.ok(signal.aborted);
  assert.ok(signal.reason instanceof QueueError && signal.reason.code === 'QUEUE_GRACE_EXPIRED');
  assert.deepEqual(await stopping, { aborted: ['slow'] });
});

test('metrics: adds, retries, depth, queue and work durations, in-flight view', async () => {
  const log = { added: 0, retried: 0, depth: [] as number[], queued: [] as number[], worked: [] as number[] };
  let view: InFlightWork | undefined;
  const metrics: QueueMetrics = {
    added: () => {
      log.added++;
    },
    retried: () => {
      log.retried++;
    },
    depthChanged: (d) => {
      log.depth.push(d);
    },
    queued: (s) => {
      log.queued.push(s);
    },
    worked: (s) => {
      log.worked.push(s);
    },
    trackInFlight: (v) => {
      view = v;
    },
  };
  const { clock, worker, queue } = setup({ metrics, concurrency: 2 });
  queue.add('a');
  queue.add('a');
  queue.add('b');
  queue.add('c');
  assert.equal(log.added, 3, 'a duplicate is not an add');
  assert.deepEqual(log.depth, [1, 2, 3]);
  await clock.advance(2_000);
  queue.start(worker.work);
  await clock.settle();
  await clock.advance(3_000);
  assert.equal(view?.longestRunningProcessorSeconds(), 3);
  assert.equal(view?.unfinishedWorkSeconds(), 6);
  await worker.finish('a', { kind: 'retry' });
  assert.equal(log.retried, 1);
  await worker.finish('c');
  await worker.finish('b');
  assert.deepEqual(log.queued, [2, 2, 5]);
  assert.deepEqual(log.worked, [3, 0, 3], 'a and b ran 3 s; c started when a finished and finished at once');
  assert.equal(log.depth.at(-1), 0);
  assert.equal(view?.longestRunningProcessorSeconds(), 0);
});

test('invalid options are refused with a message saying what is expected', () => {
  assert.throws(
    () => new WorkQueue({ concurrency: 0 }),
    (e: unknown) => e instanceof QueueError && e.code === 'QUEUE_INVALID_OPTIONS' && /positive integer/.test(e.message),
  );
});

test('normal keys are served before low ones (a startup backlog); a low key added again as normal is promoted', async () => {
  const clock = new ManualClock();
  const queue = new WorkQueue<string>({ clock });
  const order: string[] = [];
  for (const key of ['b1', 'b2', 'b3', 'b4']) queue.add(key, { priority: 'low' });
  queue.add('fresh');
  queue.add('b3');
  queue.add('b2', { priority: 'low' });
  assert.equal(queue.depth, 5);
  queue.start(async (key) => {
    order.push(key);
  });
  for (let i = 0; i < 20 && order.length < 5; i++) await clock.advance(1);
  assert.deepEqual(order, ['fresh', 'b3', 'b1', 'b2', 'b4']);
  assert.equal(queue.depth, 0);
  await queue.shutdown();
});
