import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectList } from '../core/index.ts';
import { type ConfigMap, ConfigMap as ConfigMapKind } from '../kinds/core/v1.ts';
import type { ListWatchSource, RawWatchEvent } from '../watch/index.ts';
import { CacheError } from './errors.ts';
import { Informer } from './informer.ts';

type ListOptions = Parameters<ListWatchSource<ConfigMap>['list']>[0];
type WatchRequestOptions = Parameters<ListWatchSource<ConfigMap>['watch']>[0];

/**
 * A server that serves `items` as a streaming list (each `ADDED`, then the end marker at resourceVersion 10) and
 * then `events` on the same watch, which stays open; or fails every request with `listError`. `then` gives the
 * watch after the first one: its events, which may end it (an ERROR event), and the snapshot of the next stream.
 */
function source(
  items: ConfigMap[],
  options: { listError?: Error; events?: Array<RawWatchEvent<ConfigMap>>; then?: { items: ConfigMap[]; rv: string } } = {},
): ListWatchSource<ConfigMap> & { lists: ListOptions[]; streams: number } {
  const lists: ListOptions[] = [];
  const snapshots = [{ items, rv: '10', events: options.events ?? [] }];
  if (options.then) snapshots.push({ ...options.then, events: [] });
  const served = {
    kind: ConfigMapKind,
    lists,
    streams: 0,
    async list(o: ListOptions): Promise<ObjectList<ConfigMap>> {
      lists.push(o);
      throw options.listError ?? new Error('test: the streaming list is served, a list is not expected');
    },
    async watch(o: WatchRequestOptions) {
      if (options.listError) throw options.listError;
      assert.equal(o.sendInitialEvents, true, 'only streaming lists are scripted');
      const snapshot = snapshots[served.streams++];
      return (async function* () {
        for (const object of snapshot?.items ?? []) yield { type: 'ADDED' as const, object };
        const annotations = { 'k8s.io/initial-events-end': 'true' };
        yield { type: 'BOOKMARK' as const, object: { metadata: { resourceVersion: snapshot?.rv ?? '10', annotations } } };
        for (const event of snapshot?.events ?? []) yield event;
        await new Promise((resolve) => o.signal?.addEventListener('abort', resolve));
        throw new Error('aborted');
      })();
    },
  };
  return served;
}

const cm = (name: string, rv: string): ConfigMap => ({
  metadata: { namespace: 'ns', name, resourceVersion: rv, managedFields: [{ manager: 'kubectl' }] },
  data: { name },
});

test('waitForSync resolves once the list is stored; objects are stored without managedFields by default', async () => {
  const counts: number[] = [];
  const watchCalls: string[] = [];
  const informer = new Informer(source([cm('a', '1'), cm('b', '2')], { events: [{ type: 'ADDED', object: cm('c', '11') }] }), {
    name: 'cms',
    metrics: { objectsInCache: (_name, count) => counts.push(count) },
    watchMetrics: {
      eventReceived: (w, t) => watchCalls.push(`${w} ${t}`),
      bookmarkReceived: () => undefined,
      relisted: (w, c) => watchCalls.push(`${w} relist ${c}`),
      goneReceived: () => undefined,
      reconnected: () => undefined,
      lastActivity: () => undefined,
    },
  });
  const changes: string[] = [];
  informer.subscribe((c) => changes.push(`${c.type} ${c.object.metadata.name}`));
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await informer.waitForSync({ timeoutMs: 5_000 });
  assert.equal(informer.synced, true);
  assert.equal(informer.get('ns/a')?.data?.['name'], 'a');
  assert.equal(informer.get('ns/a')?.metadata.managedFields, undefined);
  await assert.rejects(informer.run(controller.signal), /already running/);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(informer.size, 3);
  assert.deepEqual(changes, ['added a', 'added b', 'added c']);
  assert.equal(counts.at(-1), 3);
  assert.deepEqual(watchCalls, ['cms relist initial', 'cms ADDED']);
  controller.abort();
  await running;
});

test('a relist after a 410 replaces the cache at the end marker: objects absent from the new stream are deleted', async () => {
  const gone: RawWatchEvent<ConfigMap> = { type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old resource version' } };
  const informer = new Informer(
    source([cm('a', '1'), cm('b', '2')], { events: [gone], then: { items: [cm('b', '30'), cm('c', '31')], rv: '32' } }),
  );
  const changes: string[] = [];
  informer.subscribe((c) => changes.push(`${c.type} ${c.object.metadata.name}`));
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await informer.waitForSync({ timeoutMs: 5_000 });
  const deadline = Date.now() + 5_000;
  while (informer.stats.notesOf('relistDone').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(informer.keys().sort(), ['ns/b', 'ns/c']);
  assert.equal(informer.get('ns/b')?.metadata.resourceVersion, '30');
  assert.deepEqual(changes, ['added a', 'added b', 'deleted a', 'updated b', 'added c']);
  assert.deepEqual(
    informer.stats.notesOf('relistDone').map((n) => n.objects),
    [2, 2],
  );
  controller.abort();
  await running;
});

test("waitForSync times out with the watch's last error in the message", async () => {
  const forbidden = new Error(
    'GET /api/v1/namespaces/ns/configmaps: 403 Forbidden: configmaps is forbidden: User "x" cannot list resource "configmaps"',
  );
  const informer = new Informer(source([], { listError: forbidden }), { namespace: 'ns', name: 'cms' });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await assert.rejects(
    informer.waitForSync({ timeoutMs: 300 }),
    (err: unknown) =>
      err instanceof CacheError &&
      err.code === 'NOT_SYNCED' &&
      /cache of cms not synced after 300 ms/.test(err.message) &&
      /cannot list resource "configmaps"/.test(err.message) &&
      err.cause === forbidden,
  );
  controller.abort();
  await running;
});

test('waitForSync rejects when its signal aborts; an informer never run says so', async () => {
  const informer = new Informer(source([]));
  const controller = new AbortController();
  const waiting = informer.waitForSync({ signal: controller.signal });
  controller.abort();
  await assert.rejects(waiting, (err: unknown) => (err as Error).name === 'AbortError');
  await assert.rejects(informer.waitForSync({ timeoutMs: 10 }), /is the informer running/);
});

test('the default name describes the scope', () => {
  const informer = new Informer(source([]), { namespace: 'ns', labelSelector: 'a=b', fieldSelector: 'metadata.name=x' });
  assert.equal(informer.name, 'configmaps (namespace ns, labels "a=b", fields metadata.name=x)');
});
