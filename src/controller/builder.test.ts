import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineKind, type KubeObject, ManualClock } from '../core/index.ts';
import { ConfigMap, Secret } from '../kinds/core/v1.ts';
import { controller } from './builder.ts';
import { done } from './result.ts';

const Widget = defineKind<KubeObject>({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });

test('reads and indexes are declared: the declaration lists the reads, the definition the indexes', () => {
  const byWidget = (cm: ConfigMap) => [cm.data?.['widget'] ?? ''];
  const definition = controller(Widget)
    .reads(ConfigMap, { labelSelector: 'app=web' })
    .reads(Secret, { live: true })
    .index(ConfigMap, 'byWidget', byWidget)
    .reconcile(async () => done());
  assert.deepEqual(
    definition.declaration.reads.map((r) => [r.resource.kind, r.labelSelector, r.live]),
    [
      ['ConfigMap', 'app=web', undefined],
      ['Secret', undefined, true],
    ],
  );
  assert.deepEqual(
    definition.indexes.map((i) => [i.kind.kind, i.name]),
    [['ConfigMap', 'byWidget']],
  );
});

test('an index on a kind the controller does not read, or named namespace, is refused where it is declared', () => {
  assert.throws(
    () =>
      controller(Widget)
        .index(ConfigMap, 'byWidget', () => [])
        .reconcile(async () => done()),
    /\.index\(ConfigMap, 'byWidget'\) on a kind it does not read: add \.reads\(ConfigMap\)/,
  );
  assert.throws(
    () =>
      controller(Widget)
        .reads(ConfigMap)
        .index(ConfigMap, 'namespace', () => [])
        .reconcile(async () => done()),
    /the index name "namespace" is built in/,
  );
  assert.throws(
    () =>
      controller(Widget)
        .reads(ConfigMap)
        .reads(ConfigMap)
        .reconcile(async () => done()),
    /read twice in the same scope/,
  );
});

test(".clock(c) sets the reconciles' clock of the definition; without it the definition has none (the real one)", () => {
  const clock = new ManualClock();
  const base = controller(Widget);
  assert.equal(base.clock(clock).reconcile(async () => done()).clock, clock);
  assert.equal(base.reconcile(async () => done()).clock, undefined);
});
