import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Condition } from '../core/index.ts';
import { conditionTime, findCondition, isFalse, isTrue, mergeConditions, removeCondition, setCondition } from './conditions.ts';
import { ConditionError } from './errors.ts';

const t0 = new Date('2030-01-01T00:00:00.250Z');
const t1 = new Date('2030-01-01T00:05:00Z');

test('a new condition gets now (whole seconds, UTC) as its transition time and the given generation', () => {
  const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Pending', observedGeneration: 1 }, t0);
  assert.deepEqual(list, [
    {
      type: 'Ready',
      status: 'False',
      observedGeneration: 1,
      lastTransitionTime: '2030-01-01T00:00:00Z',
      reason: 'Pending',
      message: '',
    },
  ]);
});

test('same status: reason, message and observedGeneration change, lastTransitionTime does not', () => {
  const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', observedGeneration: 1 }, t0);
  const after = setCondition(
    before,
    { type: 'Ready', status: 'False', reason: 'ConfigMapExists', message: 'not ours', observedGeneration: 2 },
    t1,
  );
  assert.equal(after[0]!.lastTransitionTime, '2030-01-01T00:00:00Z');
  assert.equal(after[0]!.reason, 'ConfigMapExists');
  assert.equal(after[0]!.message, 'not ours');
  assert.equal(after[0]!.observedGeneration, 2);
  assert.equal(before[0]!.reason, 'Pending', 'the input list is not modified');
});

test('a status flip moves lastTransitionTime; other conditions keep their place and value', () => {
  const before = mergeConditions(
    [],
    [
      { type: 'Ready', status: 'False', reason: 'Pending' },
      { type: 'example.com/Synced', status: 'True', reason: 'Synced' },
    ],
    t0,
  );
  const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'ConfigMapReady' }, t1);
  assert.deepEqual(
    after.map((c) => [c.type, c.status, c.lastTransitionTime]),
    [
      ['Ready', 'True', '2030-01-01T00:05:00Z'],
      ['example.com/Synced', 'True', '2030-01-01T00:00:00Z'],
    ],
  );
  assert.equal(after[1], before[1]);
});

test('setting what is already there returns the same list, so the caller can skip the write', () => {
  const before = setCondition([], { type: 'Ready', status: 'True', reason: 'Done', message: 'ok', observedGeneration: 3 }, t0);
  assert.equal(setCondition(before, { type: 'Ready', status: 'True', reason: 'Done', message: 'ok', observedGeneration: 3 }, t1), before);
  assert.notEqual(
    setCondition(before, { type: 'Ready', status: 'True', reason: 'Done', message: 'ok', observedGeneration: 4 }, t1),
    before,
  );
});

test('property: lastTransitionTime changes exactly when status flips', () => {
  const status = fc.constantFrom('True' as const, 'False' as const, 'Unknown' as const);
  const step = fc.record({ status, reason: fc.constantFrom('A', 'B'), message: fc.string({ maxLength: 5 }), generation: fc.nat(5) });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
      let list: Condition[] = [];
      steps.forEach((s, i) => {
        const prev = findCondition(list, 'Ready');
        const now = new Date(t0.getTime() + (i + 1) * 1000);
        list = setCondition(
          list,
          { type: 'Ready', status: s.status, reason: s.reason, message: s.message, observedGeneration: s.generation },
          now,
        );
        const cur = findCondition(list, 'Ready')!;
        const flipped = !prev || prev.status !== s.status;
        assert.equal(cur.lastTransitionTime === conditionTime(now), flipped);
        assert.equal(cur.observedGeneration, s.generation);
        assert.equal(list.length, 1);
      });
    }),
  );
});

test('find, isTrue and isFalse, with and without a generation', () => {
  const list = mergeConditions(
    [],
    [
      { type: 'Ready', status: 'True', reason: 'Done', observedGeneration: 2 },
      { type: 'Degraded', status: 'False', reason: 'Fine', observedGeneration: 2 },
    ],
    t0,
  );
  assert.equal(findCondition(list, 'Ready')?.reason, 'Done');
  assert.equal(findCondition(list, 'Missing'), undefined);
  assert.equal(isTrue(list, 'Ready'), true);
  assert.equal(isTrue(list, 'Ready', { generation: 2 }), true);
  assert.equal(isTrue(list, 'Ready', { generation: 3 }), false, 'True for an older generation is stale');
  assert.equal(isTrue(list, 'Degraded'), false);
  assert.equal(isFalse(list, 'Degraded'), true);
  assert.equal(isFalse(list, 'Missing'), false);
  assert.equal(isTrue(undefined, 'Ready'), false);
});

test('removeCondition drops one type and returns the same list when it is absent', () => {
  const list = mergeConditions(
    [],
    [
      { type: 'Ready', status: 'True', reason: 'Done' },
      { type: 'Degraded', status: 'False', reason: 'Fine' },
    ],
    t0,
  );
  assert.deepEqual(
    removeCondition(list, 'Degraded').map((c) => c.type),
    ['Ready'],
  );
  assert.equal(removeCondition(list, 'Missing'), list);
});

test('conditions the API server would refuse are refused here, naming the field', () => {
  const refuses = (input: Parameters<typeof setCondition>[1], pattern: RegExp) =>
    assert.throws(
      () => setCondition([], input),
      (e: unknown) => e instanceof ConditionError && e.code === 'INVALID_CONDITION' && pattern.test(e.message),
    );
  refuses({ type: 'not ready', status: 'True', reason: 'Done' }, /condition type "not ready" is invalid/);
  refuses({ type: 'Ready', status: 'Yes' as 'True', reason: 'Done' }, /must be True, False or Unknown/);
  refuses({ type: 'Ready', status: 'True', reason: 'config map exists' }, /reason .* CamelCase/);
  refuses({ type: 'Ready', status: 'True', reason: '' }, /reason/);
  refuses({ type: 'Ready', status: 'True', reason: 'Done', message: 'x'.repeat(32769) }, /32768/);
  refuses({ type: 'Ready', status: 'True', reason: 'Done', observedGeneration: -1 }, /observedGeneration/);
});
