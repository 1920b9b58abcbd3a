import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreChange } from '../cache/index.ts';
import type { KubeObject } from '../core/index.ts';
import { and, annotationsChanged, generationChanged, labelsChanged, not, or } from './predicates.ts';

const object = (
  generation: number | undefined,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): KubeObject => ({
  metadata: { name: 'o', namespace: 'ns', ...(generation === undefined ? {} : { generation }), labels, annotations },
});
const updated = (previous: KubeObject, next: KubeObject): StoreChange<KubeObject> => ({ type: 'updated', object: next, previous });

test('generationChanged: updates of the spec pass, status-only ones do not; additions, deletions and kinds without generations pass', () => {
  assert.equal(generationChanged(updated(object(1), object(2))), true);
  assert.equal(generationChanged(updated(object(1), object(1, { a: 'b' }))), false);
  assert.equal(generationChanged({ type: 'added', object: object(1) }), true);
  assert.equal(generationChanged({ type: 'deleted', object: object(1) }), true);
  assert.equal(generationChanged(updated(object(undefined), object(undefined))), true);
});

test('labelsChanged and annotationsChanged compare the maps, not their order', () => {
  assert.equal(labelsChanged(updated(object(1, { a: '1', b: '2' }), object(1, { b: '2', a: '1' }))), false);
  assert.equal(labelsChanged(updated(object(1, { a: '1' }), object(1, { a: '2' }))), true);
  assert.equal(labelsChanged(updated(object(1, { a: '1' }), object(1, {}))), true);
  assert.equal(annotationsChanged(updated(object(1, {}, { x: '1' }), object(1, {}, { x: '1' }))), false);
  assert.equal(annotationsChanged(updated(object(1, {}, {}), object(1, {}, { x: '1' }))), true);
});

test('and, or and not combine predicates', () => {
  const change = updated(object(1, { a: '1' }), object(1, { a: '2' }));
  assert.equal(or(generationChanged, labelsChanged)(change), true);
  assert.equal(and(generationChanged, labelsChanged)(change), false);
  assert.equal(not(generationChanged)(change), true);
  assert.equal(and()(change), true);
  assert.equal(or()(change), false);
});
