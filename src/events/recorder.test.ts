import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type RequestOptions } from '../client/index.ts';
import { ManualClock } from '../core/index.ts';
import { microTime } from '../core/index.ts';
import { EventRecorder, type EventInput } from './recorder.ts';

function fakeClient(fail?: (o: RequestOptions) => Error | undefined) {
  const requests: RequestOptions[] = [];
  return {
    requests,
    request: async <T>(options: RequestOptions): Promise<T> => {
      requests.push(options);
      const err = fail?.(options);
      if (err) throw err;
      return {} as T;
    },
  };
}

const event: EventInput = {
  regarding: { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', name: 'hello', namespace: 'demo', uid: 'u-1' },
  type: 'Warning',
  reason: 'ConfigMapExists',
  action: 'Reconcile',
  note: 'ConfigMap hello exists and is not ours',
};

test('identical events within the window become one Event whose series counts them all, in one PATCH', async () => {
  const clock = new ManualClock();
  const client = fakeClient();
  const recorder = new EventRecorder({ client, controller: 'c', instance: 'i', clock, flushDelayMs: 500 });
  for (let i = 0; i < 10; i++) {
    recorder.emit(event);
    await clock.advance(10);
  }
  await clock.advance(500);
  await recorder.flush();
  assert.deepEqual(
    client.requests.map((r) => r.method),
    ['POST', 'PATCH'],
  );
  const created = client.requests[0]!.body as {
    metadata: { name: string; namespace: string };
    reason: string;
    type: string;
    regarding: { uid: string };
  };
  assert.equal(created.metadata.namespace, 'demo');
  assert.match(created.metadata.name, /^hello\.[0-9a-f]{16}$/);
  assert.equal(created.reason, 'ConfigMapExists');
  assert.equal(client.requests[1]!.path, `/apis/events.k8s.io/v1/namespaces/demo/events/${created.metadata.name}`);
  assert.equal((client.requests[1]!.body as { series: { count: number } }).series.count, 10);
});

test('a different reason, or the same event after the window, is a new Event', async () => {
  const clock = new ManualClock();
  const client = fakeClient();
  const recorder = new EventRecorder({ client, controller: 'c', instance: 'i', clock, seriesWindowMs: 60_000 });
  recorder.emit(event);
  recorder.emit({ ...event, reason: 'Reconciled', type: 'Normal' });
  await clock.advance(60_001);
  recorder.emit(event);
  await recorder.close();
  assert.deepEqual(
    client.requests.map((r) => r.method),
    ['POST', 'POST', 'POST'],
  );
});

test('at most 4,096 series are remembered: beyond that the oldest is forgotten, a repeat of a recent one still folds', async () => {
  const clock = new ManualClock();
  const client = fakeClient();
  const recorder = new EventRecorder({ client, controller: 'c', instance: 'i', clock });
  const nth = (i: number): EventInput => ({ ...event, regarding: { ...event.regarding, uid: `u-${i}` } });
  for (let i = 0; i < 4097; i++) recorder.emit(nth(i));
  await recorder.flush();
  assert.equal(client.requests.length, 4097);
  recorder.emit(nth(4096)); // recent: folded into its series
  recorder.emit(nth(0)); // the oldest, forgotten: a new Event
  await clock.advance(500);
  await recorder.close();
  assert.deepEqual(
    client.requests
      .slice(4097)
      .map((r) => r.method)
      .sort(),
    ['PATCH', 'POST'],
  );
});

test('a failed write goes to onError and never throws into the caller', async () => {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const client = fakeClient(() => new ApiError('POST', '/x', 403, { reason: 'Forbidden' }));
  const recorder = new EventRecorder({ client, controller: 'c', instance: 'i', clock, onError: (err) => errors.push(err) });
  recorder.emit(event);
  recorder.emit(event); // counted, but there is no Event to patch
  await clock.advance(1_000);
  await recorder.close();
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as ApiError).reason, 'Forbidden');
  assert.deepEqual(
    client.requests.map((r) => r.method),
    ['POST'],
  );
});

test('notes are cut to the 1 kB limit, multi-byte characters intact, and times carry microseconds', async () => {
  const client = fakeClient();
  const recorder = new EventRecorder({ client, controller: 'c', instance: 'i', clock: new ManualClock() });
  recorder.emit({ ...event, note: 'é'.repeat(2_000) });
  await recorder.close();
  const note = (client.requests[0]!.body as { note: string }).note;
  assert.ok(Buffer.byteLength(note) <= 1024, `${Buffer.byteLength(note)} bytes`);
  assert.match(note, /^(é)+\.\.\.$/u);
  assert.equal(microTime(new Date('2030-01-02T03:04:05.678Z')), '2030-01-02T03:04:05.678000Z');
});

test('Events refused because their namespace is being deleted are dropped: counted, logged once per namespace, not sent again, not errors', async () => {
  const clock = new ManualClock();
  const terminating = new Set(['demo']);
  const client = fakeClient((o) => {
    const namespace = /\/namespaces\/([^/]+)\//.exec(o.path)?.[1] ?? '';
    if (!terminating.has(namespace)) return undefined;
    return new ApiError('POST', o.path, 403, {
      reason: 'Forbidden',
      message: `events.events.k8s.io "x" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      details: { kind: 'events', group: 'events.k8s.io', causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] },
    });
  });
  const errors: unknown[] = [];
  const dropped: string[] = [];
  const logged: string[] = [];
  const logger = {
    debug: () => undefined,
    info: (fields: object) => void logged.push((fields as { namespace: string }).namespace),
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  const recorder = new EventRecorder({
    client,
    controller: 'c',
    instance: 'i',
    clock,
    logger,
    metrics: { dropped: (reason) => void dropped.push(reason) },
    onError: (err) => void errors.push(err),
  });
  const about = (name: string, namespace = 'demo'): EventInput => ({
    ...event,
    regarding: { ...event.regarding, name, namespace, uid: name },
  });
  for (let i = 0; i < 30; i++) recorder.emit(about(`hw-${i}`));
  for (let i = 0; i < 5; i++) recorder.emit(about('hw-0')); // repeats of a dropped one: counted in its series, never sent
  await clock.advance(1_000);
  await recorder.flush();
  assert.equal(client.requests.length, 30, 'one refused create per Event, no retry, no series PATCH');
  assert.deepEqual(
    client.requests.map((r) => r.method).filter((m) => m !== 'POST'),
    [],
  );
  assert.equal(dropped.length, 30);
  assert.ok(dropped.every((r) => r === 'NamespaceTerminating'));
  assert.deepEqual(errors, [], 'not reported as failures');
  assert.deepEqual(logged, ['demo'], 'logged once for the namespace');
  // Another namespace: written as ever; an ordinary failure still goes to onError.
  recorder.emit(about('ok', 'alive'));
  await recorder.flush();
  assert.equal(client.requests.at(-1)?.path, '/apis/events.k8s.io/v1/namespaces/alive/events');
  assert.deepEqual(errors, []);
  await recorder.close();
});
