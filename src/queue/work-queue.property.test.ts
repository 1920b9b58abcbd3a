// Properties of the queue under random interleavings of adds, delayed adds, retries, completions and time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../core/index.ts';
import { type WorkOutcome, WorkQueue } from './work-queue.ts';

const keys = ['a', 'b', 'c', 'd'] as const;
const op = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key: fc.constantFrom(...keys) }),
  fc.record({ op: fc.constant('addAfter' as const), key: fc.constantFrom(...keys), ms: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('retry' as const), key: fc.constantFrom(...keys) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  fc.record({
    op: fc.constant('finish' as const),
    pick: fc.nat(),
    outcome: fc.constantFrom<WorkOutcome>({ kind: 'done' }, { kind: 'retry' }, { kind: 'requeueAfter', delayMs: 7 }),
  }),
);

test('never the same key twice at once, never more than `concurrency`, and every add is followed by a turn', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (ops, concurrency) => {
      const clock = new ManualClock();
      const queue = new WorkQueue<string>({ clock, concurrency, backoff: { baseMs: 1, maxMs: 20 }, onWorkerError: () => {} });
      let seq = 0;
      const running = new Map<string, (o: WorkOutcome) => void>();
      const starts: Array<{ key: string; seq: number }> = [];
      const adds: Array<{ key: string; seq: number }> = [];
      let maxRunning = 0;
      queue.start((key) => {
        assert.ok(!running.has(key), `${key} started while running`);
        starts.push({ key, seq: seq++ });
        return new Promise<WorkOutcome>((resolve) => {
          running.set(key, (o) => {
            running.delete(key);
            resolve(o);
          });
          maxRunning = Math.max(maxRunning, running.size);
        });
      });
      for (const o of ops) {
        if (o.op !== 'advance' && o.op !== 'finish') adds.push({ key: o.key, seq: seq++ });
        if (o.op === 'add') queue.add(o.key);
        else if (o.op === 'addAfter') queue.addAfter(o.key, o.ms);
        else if (o.op === 'retry') queue.addRateLimited(o.key);
        else if (o.op === 'advance') await clock.advance(o.ms);
        else {
          const live = [...running.values()];
          live[o.pick % Math.max(1, live.length)]?.(o.outcome);
        }
        await clock.settle();
      }
      // Quiesce: finish everything as done until no work or timer is left.
      for (let round = 0; round < 1_000 && (running.size > 0 || clock.pendingTimers > 0); round++) {
        for (const finish of [...running.values()]) finish({ kind: 'done' });
        await clock.advance(clock.nextTimerIn() ?? 0);
      }
      assert.equal(running.size + clock.pendingTimers + queue.depth, 0, 'the queue quiesces');
      assert.ok(maxRunning <= concurrency, `ran ${maxRunning} at once with concurrency ${concurrency}`);
      for (const add of adds) {
        assert.ok(
          starts.some((s) => s.key === add.key && s.seq > add.seq),
          `${add.key} added at step ${add.seq} never ran after`,
        );
      }
    }),
    { numRuns: 150 },
  );
});
