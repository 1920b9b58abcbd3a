import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient } from '../client/index.ts';
import { defineKind, type KubeObject, ManualClock, objectKey } from '../core/index.ts';
import type { EventRecorder } from '../events/index.ts';
import { Controller } from './controller.ts';
import { done, requeueAfter, TemporaryError, TerminalError } from './result.ts';
import type { ObjectChange, ObjectSource } from './source.ts';

/** An in-memory ObjectSource: the unit under test is the runner's policy, not a cache. */
class MemorySource<T extends KubeObject> implements ObjectSource<T> {
  readonly objects = new Map<string, T>();
  private readonly listeners = new Set<(change: ObjectChange<T>) => void>();
  readonly synced = true;
  get(key: string) { return this.objects.get(key); }
  list() { return [...this.objects.values()]; }
  resourceVersionOf(key: string) { return this.objects.get(key)?.metadata.resourceVersion; }
  subscribe(listener: (change: ObjectChange<T>) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  put(object: T) {
    const old = this.objects.get(objectKey(object));
    this.objects.set(objectKey(object), object);
    for (const l of this.listeners) l({ type: 'apply', object, old });
  }
}

interface Widget extends KubeObject { spec: { size: number } }
const Widget = defineKind<Widget>({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
const ConfigMap = defineKind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });
const widget = (generation: number, rv: string): Widget => ({
  apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', uid: 'u1', generation, resourceVersion: rv }, spec: { size: 1 },
});

function setup(reconcile: (key: string) => Promise<ReturnType<typeof done>>) {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const children = new MemorySource<KubeObject>();
  const events: Array<{ type: string; reason: string }> = [];
  const recorder = { emit: (e: { type: string; reason: string }) => events.push(e) } as unknown as EventRecorder;
  const counts = { terminal: 0, errors: 0, results: [] as string[] };
  const metrics = {
    reconciled: (result: string) => { counts.results.push(result); }, reconcileError: () => { counts.errors++; },
    terminalReconcileError: () => { counts.terminal++; }, workerStarted: () => undefined, workerFinished: () => undefined,
  };
  const controller = new Controller<Widget>({
    name: 'widget', kind: Widget, client: {} as KubeClient, primary, owned: [{ kind: ConfigMap, source: children }],
    events: recorder, clock, metrics, reconcile: (ctx) => reconcile(ctx.key),
  });
  return { clock, primary, children, events, controller, counts };
}

test('a change of an owned object reconciles its controller, matched on group and kind but not version', async () => {
  const keys: string[] = [];
  const { clock, children, controller } = setup(async (key) => { keys.push(key); return done(); });
  controller.start();
  const owned = (name: string, apiVersion: string, kind: string) => ({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', ownerReferences: [{ apiVersion, kind, name: 'owner', uid: 'x', controller: true }] },
  });
  children.put(owned('a', 'example.com/v1beta1', 'Widget'));
  children.put(owned('b', 'other.com/v1', 'Widget'));
  children.put(owned('c', 'example.com/v1', 'Gadget'));
  children.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'ns' } });
  await clock.advance(10);
  assert.deepEqual(keys, ['ns/owner']);
  await controller.stop();
});

test('a terminal error is counted once, reported as a Warning, and retried only when the generation changes', async () => {
  let runs = 0;
  const { clock, primary, events, controller, counts } = setup(async () => {
    runs++;
    throw new TerminalError('spec.size is out of range', { reason: 'InvalidSpec' });
  });
  primary.put(widget(1, '10'));
  controller.start();
  await clock.advance(10);
  assert.equal(runs, 1);
  assert.deepEqual(events.map((e) => `${e.type}/${e.reason}`), ['Warning/InvalidSpec']);
  assert.deepEqual(counts, { terminal: 1, errors: 1, results: ['error'] });
  primary.put(widget(1, '11')); // a status or metadata change: same generation
  await clock.advance(60_000);
  assert.equal(runs, 1, 'not retried: neither by backoff nor by a change that keeps the generation');
  primary.put(widget(2, '12'));
  await clock.advance(10);
  assert.equal(runs, 2, 'retried once the spec changed');
  await controller.stop();
});

test('a temporary error backs off and retries; requeueAfter runs again after its delay', async () => {
  const times: number[] = [];
  const { clock, primary, controller } = setup(async () => {
    times.push(clock.now());
    if (times.length <= 3) throw new Error('flaky');
    if (times.length === 4) throw new TemporaryError('later', { delayMs: 1_000 });
    return times.length === 5 ? requeueAfter(30_000) : done();
  });
  primary.put(widget(1, '1'));
  controller.start();
  await clock.advance(100_000);
  assert.equal(times.length, 6);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[0]! > 0 && gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `backoff grows: ${gaps.join(', ')}`);
  assert.equal(gaps[3], 1_000, 'TemporaryError delay');
  assert.equal(gaps[4], 30_000, 'requeueAfter delay');
  await controller.stop();
});
