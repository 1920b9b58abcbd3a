import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ApiError, type KubeClient } from '../client/index.ts';
import { MemoryStore } from '../cache/index.ts';
import { defineKind, type KubeObject, type Logger, ManualClock } from '../core/index.ts';
import type { EventRecorder } from '../events/index.ts';
import { Controller, type ControllerOptions } from './controller.ts';
import { generationChanged } from './predicates.ts';
import type * as result from './result.ts';
import { done, requeueAfter, TemporaryError, TerminalError } from './result.ts';

/** The real store, written by hand as an informer writes it from its watch: what the controller subscribes to. */
class MemorySource<T extends KubeObject> extends MemoryStore<T> {
  constructor() {
    super();
    this.applyEvent({ type: 'init' });
    this.applyEvent({ type: 'initDone' });
  }
  upsert(object: T) {
    this.applyEvent({ type: 'apply', object });
  }
  removeKey(key: string) {
    const object = this.get(key);
    if (object) this.applyEvent({ type: 'delete', object });
  }
}

interface Widget extends KubeObject {
  spec: { size: number };
}
const Widget = defineKind<Widget>({ group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', namespaced: true });
const ConfigMap = defineKind({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });
const widget = (generation: number, rv: string): Widget => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'u1', generation, resourceVersion: rv },
  spec: { size: 1 },
});

function setup(reconcile: (key: string) => Promise<ReturnType<typeof done>>, more: Partial<ControllerOptions<Widget>> = {}) {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const children = new MemorySource<KubeObject>();
  const events: Array<{ type: string; reason: string }> = [];
  const recorder = { emit: (e: { type: string; reason: string }) => events.push(e) } as unknown as EventRecorder;
  const counts = { terminal: 0, errors: 0, results: [] as string[] };
  const metrics = {
    reconciled: (result: string) => {
      counts.results.push(result);
    },
    reconcileError: () => {
      counts.errors++;
    },
    terminalReconcileError: () => {
      counts.terminal++;
    },
    workerStarted: () => undefined,
    workerFinished: () => undefined,
  };
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client: {} as KubeClient,
    primary,
    owned: [{ kind: ConfigMap, cache: children }],
    events: recorder,
    clock,
    metrics,
    reconcile: (ctx) => reconcile(ctx.key),
    ...more,
  });
  return { clock, primary, children, events, controller, counts };
}

/** A controller whose reconciles only record their keys. */
function recording(more: Partial<ControllerOptions<Widget>>) {
  const keys: string[] = [];
  const parts = setup(async (key) => {
    keys.push(key);
    return done();
  }, more);
  return { keys, ...parts };
}

test('a change of an owned object reconciles its controller, matched on group and kind but not version', async () => {
  const keys: string[] = [];
  const { clock, children, controller } = setup(async (key) => {
    keys.push(key);
    return done();
  });
  controller.start();
  const owned = (name: string, apiVersion: string, kind: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns', ownerReferences: [{ apiVersion, kind, name: 'owner', uid: 'x', controller: true }] },
  });
  children.upsert(owned('a', 'example.com/v1beta1', 'Widget'));
  children.upsert(owned('b', 'other.com/v1', 'Widget'));
  children.upsert(owned('c', 'example.com/v1', 'Gadget'));
  children.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd', namespace: 'ns' } });
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
  primary.upsert(widget(1, '10'));
  controller.start();
  await clock.advance(10);
  assert.equal(runs, 1);
  assert.deepEqual(
    events.map((e) => `${e.type}/${e.reason}`),
    ['Warning/InvalidSpec'],
  );
  assert.deepEqual(counts, { terminal: 1, errors: 1, results: ['error'] });
  primary.upsert(widget(1, '11')); // a status or metadata change: same generation
  await clock.advance(60_000);
  assert.equal(runs, 1, 'not retried: neither by backoff nor by a change that keeps the generation');
  primary.upsert(widget(2, '12'));
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
  primary.upsert(widget(1, '1'));
  controller.start();
  await clock.advance(100_000);
  assert.equal(times.length, 6);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[0]! > 0 && gaps[1]! > gaps[0]! && gaps[2]! > gaps[1]!, `backoff grows: ${gaps.join(', ')}`);
  assert.equal(gaps[3], 1_000, 'TemporaryError delay');
  assert.equal(gaps[4], 30_000, 'requeueAfter delay');
  await controller.stop();
});

test('with a reconcile clock, ctx.now() reads it and requeueAfter fires when it is advanced, not on the controller clock', async () => {
  const reconcileClock = new ManualClock({ wallStart: new Date('2031-05-01T10:00:00Z') });
  const seen: string[] = [];
  const { clock, primary, controller } = setup(async () => done(), {
    reconcileClock,
    reconcile: async (ctx) => {
      seen.push(ctx.now().toISOString());
      return requeueAfter(60_000);
    },
  });
  primary.upsert(widget(1, '1'));
  controller.start();
  await clock.advance(3_600_000);
  assert.deepEqual(seen, ['2031-05-01T10:00:00.000Z'], 'an hour on the controller clock fires no requeue');
  await reconcileClock.advance(59_999);
  assert.equal(seen.length, 1);
  await reconcileClock.advance(1);
  assert.deepEqual(seen, ['2031-05-01T10:00:00.000Z', '2031-05-01T10:01:00.000Z']);
  await controller.stop();
});

test('a deleted child is recreated only once a live read shows its owner still exists (a stale cache must not feed the garbage collector)', async () => {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const children = new MemorySource<KubeObject>();
  const creates: string[] = [];
  const ownerReads: string[] = [];
  let ownerOnServer: Widget | undefined = widget(1, '10');
  const client = {
    resource: (kind: { kind: string }) => ({
      get: async (name: string) => {
        ownerReads.push(`${kind.kind} ${name}`);
        if (!ownerOnServer) throw new ApiError('GET', `/widgets/${name}`, 404, { reason: 'NotFound' });
        return ownerOnServer;
      },
      create: async (object: KubeObject) => {
        creates.push(object.metadata.name!);
        return { ...object, metadata: { ...object.metadata, resourceVersion: String(100 + creates.length) } };
      },
    }),
  } as unknown as KubeClient;
  const outcomes: string[] = [];
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client,
    primary,
    owned: [{ kind: ConfigMap, cache: children }],
    clock,
    reconcile: async (ctx) => {
      const outcome = await ctx.ensureChild(ConfigMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', namespace: 'ns' } });
      outcomes.push(outcome.operation);
      return done();
    },
  });
  const ownedBy = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true };
  primary.upsert(widget(1, '10'));
  controller.start();
  await clock.advance(10);
  assert.deepEqual(
    { creates, ownerReads, outcomes },
    { creates: ['w'], ownerReads: [], outcomes: ['created'] },
    'a first create reads nothing live',
  );

  // The child appears, then is deleted by hand while the owner exists: repaired after one live read.
  children.upsert({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'w', namespace: 'ns', resourceVersion: '101', ownerReferences: [ownedBy] },
  });
  children.removeKey('ns/w');
  await clock.advance(6_000);
  assert.deepEqual({ creates, ownerReads, outcomes }, { creates: ['w', 'w'], ownerReads: ['Widget w'], outcomes: ['created', 'created'] });

  // The owner is deleted on the server, the cache has not seen it, the garbage collector deletes the child.
  children.upsert({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'w', namespace: 'ns', resourceVersion: '102', ownerReferences: [ownedBy] },
  });
  ownerOnServer = undefined;
  children.removeKey('ns/w');
  await clock.advance(6_000);
  assert.deepEqual(
    { creates, ownerReads, outcomes },
    { creates: ['w', 'w'], ownerReads: ['Widget w', 'Widget w'], outcomes: ['created', 'created'] },
    'not recreated, and not retried',
  );
  await clock.advance(60_000);
  assert.equal(creates.length, 2, 'no retry with backoff either');

  // An owner of the same name but another uid (deleted and recreated) does not count as the cached one.
  ownerOnServer = { ...widget(1, '200'), metadata: { ...widget(1, '200').metadata, uid: 'u2' } };
  primary.upsert(widget(2, '11'));
  await clock.advance(10);
  assert.equal(creates.length, 2);
  await controller.stop();
});

test('a child whose cache has not caught up with our own write within the read-your-writes wait is read live, not patched from the stale view', async () => {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const children = new MemorySource<KubeObject>();
  const calls: string[] = [];
  const ownedBy = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true, blockOwnerDeletion: true };
  const onServer = (message: string, rv: string): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'w', namespace: 'ns', resourceVersion: rv, ownerReferences: [ownedBy] },
      data: { message },
    }) as KubeObject;
  let server = onServer('size 1', '20');
  const client = {
    resource: () => ({
      get: async () => {
        calls.push('get');
        return server;
      },
      mergePatch: async (_name: string, patch: { data: { message: string } }) => {
        calls.push('patch');
        server = onServer(patch.data.message, '30');
        return server;
      },
    }),
  } as unknown as KubeClient;
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client,
    primary,
    owned: [{ kind: ConfigMap, cache: children }],
    clock,
    reconcile: async (ctx) => {
      await ctx.ensureChild(ConfigMap, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'w', namespace: 'ns' },
        data: { message: `size ${ctx.object!.spec.size}` },
      } as KubeObject);
      return done();
    },
  });
  children.upsert(onServer('size 1', '20'));
  primary.upsert({ ...widget(2, '21'), spec: { size: 2 } });
  controller.start();
  await clock.advance(10);
  assert.deepEqual(calls, ['patch'], 'the first change is written from the cache');
  // The ConfigMap watch is down: the cache never sees the patch (still at 20). The owner changes again, in a
  // way that needs no new write (a label, say): the cached view is stale, the server already has the message.
  primary.upsert({ ...widget(2, '31'), spec: { size: 2 } });
  await clock.advance(6_000); // past the 5 s read-your-writes wait
  assert.deepEqual(calls, ['patch', 'get'], 'read live after the wait; no patch from the stale view (it would only be refused with a 409)');
  await controller.stop();
});

/** result.ts of a second copy of the package, as a project resolving its own capstan has: other classes. */
async function secondCopyOfResult(): Promise<typeof result> {
  const root = new URL('../..', import.meta.url).pathname;
  const copy = join(root, '.capstan', `second-copy-${randomUUID()}`);
  after(() => rm(copy, { recursive: true, force: true }));
  await cp(join(root, 'src', 'core'), join(copy, 'src', 'core'), { recursive: true, filter: (f) => !f.endsWith('.test.ts') });
  await cp(join(root, 'src', 'controller', 'result.ts'), join(copy, 'src', 'controller', 'result.ts'));
  return (await import(pathToFileURL(join(copy, 'src', 'controller', 'result.ts')).href)) as typeof result;
}

test('the errors of a second copy of Capstan keep their meaning: a terminal one is not retried, a temporary delay is honoured', async () => {
  const foreign = await secondCopyOfResult();
  assert.ok(!(new foreign.TerminalError('x') instanceof TerminalError), 'another class');
  let runs = 0;
  const terminal = setup(async () => {
    runs++;
    throw new foreign.TerminalError('spec.size is out of range', { reason: 'InvalidSpec' });
  });
  terminal.primary.upsert(widget(1, '10'));
  terminal.controller.start();
  await terminal.clock.advance(60_000);
  assert.equal(runs, 1, 'not retried');
  assert.deepEqual(
    terminal.events.map((e) => `${e.type}/${e.reason}`),
    ['Warning/InvalidSpec'],
  );
  assert.equal(terminal.counts.terminal, 1);
  await terminal.controller.stop();

  const times: number[] = [];
  const temporary = setup(async () => {
    times.push(temporary.clock.now());
    if (times.length === 1) throw new foreign.TemporaryError('later', { delayMs: 7_000 });
    return done();
  });
  temporary.primary.upsert(widget(1, '1'));
  temporary.controller.start();
  await temporary.clock.advance(20_000);
  assert.deepEqual(
    times.slice(1).map((t, i) => t - times[i]!),
    [7_000],
  );
  await temporary.controller.stop();
});

test('a conflict is retried quietly (debug); other failures are logged as errors', async () => {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const lines: string[] = [];
  const logger: Logger = {
    debug: (fields, message) => lines.push(`debug ${message} ${(fields as { err?: string }).err ?? ''}`),
    info: () => undefined,
    warn: () => undefined,
    error: (fields, message) => lines.push(`error ${message} ${(fields as { err?: string }).err ?? ''}`),
    child: () => logger,
  };
  const failures = [
    new ApiError('PUT', '/cm', 409, { reason: 'Conflict' }),
    new ApiError('PUT', '/cm', 403, { reason: 'Forbidden' }),
    new ApiError('POST', '/cm', 409, { reason: 'AlreadyExists' }),
  ];
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client: {} as KubeClient,
    primary,
    clock,
    logger,
    reconcile: async () => {
      const failure = failures.shift();
      if (failure) throw failure;
      return done();
    },
  });
  primary.upsert(widget(1, '1'));
  controller.start();
  await clock.advance(60_000);
  await controller.stop();
  assert.deepEqual(
    lines.filter((l) => l.includes('retrying with backoff')).map((l) => l.split(' ')[0]),
    ['debug', 'error', 'error'],
  );
});

test('with generationChanged, a status-only update of the primary triggers no reconcile; a spec change and a deletion do', async () => {
  const { keys, clock, primary, controller } = recording({ predicates: [generationChanged] });
  controller.start();
  primary.upsert(widget(1, '10'));
  await clock.advance(10);
  primary.upsert({ ...widget(1, '11'), status: { ready: true } } as Widget);
  await clock.advance(10);
  assert.equal(keys.length, 1, 'the status-only update reconciled nothing');
  primary.upsert(widget(2, '12'));
  await clock.advance(10);
  primary.removeKey('ns/w');
  await clock.advance(10);
  assert.deepEqual(keys, ['ns/w', 'ns/w', 'ns/w']);
  await controller.stop();
});

test('a watched cache maps a change to primaries through the reads (async), and only changes its predicates pass', async () => {
  const keys: string[] = [];
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const secrets = new MemorySource<KubeObject>();
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client: {} as KubeClient,
    primary,
    clock,
    reads: [{ kind: Widget, scope: {}, declaredBy: 'controller(Widget)', cache: primary }],
    mapped: [
      {
        cache: secrets,
        // Every Widget of the Secret's namespace, read from the primary cache.
        map: async (secret, reads) =>
          (await reads.list(Widget, { namespace: secret.metadata.namespace })).map((w) => `${w.metadata.namespace}/${w.metadata.name}`),
        predicates: [(change) => change.object.metadata.labels?.['watched'] === 'yes'],
      },
    ],
    reconcile: async (ctx) => {
      keys.push(ctx.key);
      return done();
    },
  });
  primary.upsert(widget(1, '10'));
  controller.start();
  await clock.advance(10);
  keys.length = 0;
  secrets.upsert({ metadata: { name: 's', namespace: 'other', labels: { watched: 'yes' } } });
  secrets.upsert({ metadata: { name: 's', namespace: 'ns', labels: { watched: 'no' } } });
  await clock.advance(10);
  assert.deepEqual(keys, [], 'no Widget in namespace other; a change the predicate refuses maps nothing');
  secrets.upsert({ metadata: { name: 't', namespace: 'ns', labels: { watched: 'yes' } } });
  for (let i = 0; i < 5 && keys.length === 0; i++) await clock.advance(10);
  assert.deepEqual(keys, ['ns/w']);
  await controller.stop();
});

test('a reconcile past its timeout has its signal aborted and counts as an error, retried with backoff', async () => {
  const seen: AbortSignal[] = [];
  const { clock, primary, controller, counts } = setup(async () => done(), {
    reconcileTimeoutMs: 50,
    // Honours its signal: returns as soon as it aborts (a success, had the timeout not passed).
    reconcile: async (ctx) => {
      seen.push(ctx.signal);
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      return done();
    },
  });
  primary.upsert(widget(1, '10'));
  controller.start();
  await clock.advance(1);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(seen[0]?.aborted, true, 'the signal aborted at the timeout');
  assert.equal((seen[0]?.reason as Error | undefined)?.name, 'TimeoutError');
  assert.deepEqual(counts.results, ['error']);
  assert.equal(counts.errors, 1);
  await clock.advance(1_000);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(seen.length >= 2, 'retried with backoff');
  await controller.stop({ graceMs: 0 });
});

test('resync queues every object again on the clock, jittered; a change meanwhile is served before the resync backlog', async () => {
  const { keys, clock, primary, controller } = recording({ resync: { everyMs: 60_000, jitter: 0 } });
  primary.upsert(widget(1, '10'));
  controller.start();
  await clock.advance(10);
  assert.deepEqual(keys, ['ns/w']);
  await clock.advance(59_000);
  assert.equal(keys.length, 1);
  await clock.advance(1_000);
  assert.deepEqual(keys, ['ns/w', 'ns/w']);
  await controller.stop();
});

test('a create refused because the object’s namespace is being deleted ends its work: no error, no retry, logged once (info); not for an object being deleted', async () => {
  const clock = new ManualClock();
  const primary = new MemorySource<Widget>();
  const lines: string[] = [];
  const logger: Logger = {
    debug: (_fields, message) => lines.push(`debug ${message}`),
    info: (_fields, message) => lines.push(`info ${message}`),
    warn: (_fields, message) => lines.push(`warn ${message}`),
    error: (_fields, message) => lines.push(`error ${message}`),
    child: () => logger,
  };
  const refusal = (namespace: string) =>
    new ApiError('POST', `/api/v1/namespaces/${namespace}/configmaps`, 403, {
      reason: 'Forbidden',
      message: `configmaps "w" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      details: { name: 'w', kind: 'configmaps', causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] },
    });
  const counts = { errors: 0, results: [] as string[] };
  const seen = { runs: 0 };
  let refusedIn = 'ns';
  const controller = new Controller<Widget>({
    name: 'widget',
    kind: Widget,
    client: {} as KubeClient,
    primary,
    clock,
    logger,
    metrics: {
      reconciled: (result) => void counts.results.push(result),
      reconcileError: () => void counts.errors++,
      terminalReconcileError: () => undefined,
      workerStarted: () => undefined,
      workerFinished: () => undefined,
    },
    // As the HelloWorld example does with what it cannot handle: wrapped in a TemporaryError ("retry").
    reconcile: async () => {
      seen.runs++;
      throw new TemporaryError('could not write ConfigMap w', { cause: refusal(refusedIn) });
    },
  });
  primary.upsert(widget(1, '1'));
  controller.start();
  await clock.advance(60_000);
  assert.equal(seen.runs, 1, 'not retried');
  assert.deepEqual(counts, { errors: 0, results: ['success'] });
  primary.upsert(widget(1, '2')); // another change of the object (say, a label): reconciled, refused again, logged at debug
  await clock.advance(60_000);
  assert.equal(seen.runs, 2);
  assert.deepEqual(
    lines.filter((l) => l.includes('is being deleted')).map((l) => l.split(' ')[0]),
    ['info', 'debug'],
    'logged once at info per object',
  );
  assert.ok(!lines.some((l) => l.startsWith('error')));

  // Being deleted (its finalizers still to go): the refusal stays an error, retried with backoff.
  primary.upsert({
    ...widget(2, '3'),
    metadata: { ...widget(2, '3').metadata, deletionTimestamp: '2030-01-01T00:00:00Z', finalizers: ['x.io/y'] },
  });
  await clock.advance(1_000);
  const runs = (): number => seen.runs; // read anew: the assertions above narrowed seen.runs to a literal
  assert.ok(runs() > 3, `an object being deleted is retried (${runs()} runs)`);
  assert.ok(counts.errors > 0);
  // A refusal in another namespace than the object's is not the end of its work either.
  primary.removeKey('ns/w');
  await clock.advance(10);
  const before = { runs: seen.runs, errors: counts.errors };
  refusedIn = 'elsewhere';
  primary.upsert(widget(3, '4'));
  await clock.advance(1_000);
  assert.ok(
    seen.runs - before.runs > 1 && counts.errors > before.errors,
    'a child in another namespace being deleted: retried as an error',
  );
  await controller.stop();
});
