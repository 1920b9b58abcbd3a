// The initial sync as a streaming list (KEP-3157): 2,000 ConfigMaps reach a cache in one request, a watch with
// sendInitialEvents=true that goes on as the watch, on the shared cluster (kube-apiserver 1.36: the WatchList
// feature is on by default, with or without the watch cache). Then a server that refuses it: its own control
// plane with the WatchList feature gate off (the request is refused with 422). The informer falls back to a
// list: one request where the watch cache serves it (resourceVersion=0 ignores the page size), pages of 500
// where the resource has no watch cache (--watch-cache-sizes=secrets#0, as --watch-cache=false does for all).
// Each cache must then hold exactly what the server lists, and follow a change.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics, type RequestRecord } from '../../src/client/index.ts';
import type { Kind, KubeObject } from '../../src/core/index.ts';
import { ConfigMap, Namespace, Secret } from '../../src/kinds/core/v1.ts';
import {
  type AuditEvent,
  type Cluster,
  type ControlPlane,
  createNamespace,
  eventually,
  startControlPlane,
} from '../../src/testing/index.ts';
import { inBatches, runInformer, type RunningInformer, settlesTo } from '../cache/support.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';

const running: Array<RunningInformer<KubeObject>> = [];
const clients: KubeClient[] = [];
let own: ControlPlane | undefined;
after(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const c of clients.splice(0)) await c.close();
  await own?.stop();
});

/** Objects per page of the fallback list (the watcher's default). */
const pageSize = 500;
/** A cache of this many syncs in one request when streamed; a paged list would take ⌈n / 500⌉. */
const objects = 2_000;
/** Sync bound: streaming 2,000 small objects takes about a second; the margin is for a loaded 2-core machine. */
const syncBoundMs = 60_000;

/** A client of `cluster` whose every request is recorded, under a user agent of its own for the audit log. */
async function recordingClient(cluster: Cluster, userAgent: string): Promise<{ client: KubeClient; requests: RequestRecord[] }> {
  const requests: RequestRecord[] = [];
  const client = await KubeClient.fromKubeconfig({
    kubeconfigPath: cluster.kubeconfigPath,
    userAgent,
    metrics: prometheusRequestMetrics(new Registry()),
    onRequest: (record) => requests.push(record),
  });
  clients.push(client);
  return { client, requests };
}

/** The requests of `userAgent` in the audit log, one per audit ID (an open watch has only its ResponseStarted). */
async function audited(cluster: Cluster, userAgent: string): Promise<AuditEvent[]> {
  const byId = new Map<string, AuditEvent>();
  for (const event of await cluster.auditEvents()) {
    if ((event as AuditEvent & { userAgent?: string }).userAgent === userAgent) byId.set(event.auditID, event);
  }
  return [...byId.values()];
}

const describeRequests = (events: readonly AuditEvent[]) =>
  events.map((e) => `${e.verb} ${e.requestURI} → ${e.responseStatus?.code ?? 'open'}`).join('\n  ');

test('2,000 ConfigMaps sync in one request, a streaming list that goes on as the watch; metadata-only too', {
  timeout: 300_000,
}, async () => {
  const cluster = await sharedCluster();
  const namespace = await createNamespace(cluster, 'streaming-list', fileScope);
  const admin = cluster.admin.resource(ConfigMap);
  await inBatches(objects, 16, (i) => admin.create({ metadata: { name: `cm-${i}`, namespace }, data: { i: String(i) } }));

  for (const metadataOnly of [false, true]) {
    const userAgent = `capstan-e2e/streaming-list/${metadataOnly ? 'metadata' : 'full'}/${namespace}`;
    const { client, requests } = await recordingClient(cluster, userAgent);
    const source = metadataOnly ? client.metadata(ConfigMap) : client.resource(ConfigMap);
    const cache = runInformer(running, new Informer<KubeObject>(source, { namespace }));
    const started = Date.now();
    await cache.informer.waitForSync({ timeoutMs: syncBoundMs });
    const what = `${metadataOnly ? 'metadata-only' : 'full'} cache`;
    const timeline = () => cache.informer.stats.formatTimeline();
    process.stdout.write(
      `# ${what}: ${cache.informer.size} objects synced in ${Date.now() - started} ms with ${requests.length} request(s)\n`,
    );

    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.path} ${r.code}`),
      [`GET /api/v1/namespaces/${namespace}/configmaps 200`],
      `${what}: one request to sync; ${timeline()}`,
    );
    assert.equal(cache.informer.stats.notesOf('listRequested').length, 0, `${what}: no list; ${timeline()}`);
    assert.deepEqual(
      cache.informer.stats.notesOf('relistDone').map((n) => n.objects),
      [objects],
      `${what}: the end marker came after ${objects} objects`,
    );
    await settlesTo(cache, () => admin.listAll({ namespace }), `${what} after the sync`);
    if (metadataOnly) {
      const sample: { kind?: string; data?: unknown } | undefined = cache.informer.get(`${namespace}/cm-0`);
      assert.equal(sample?.kind, 'PartialObjectMetadata', `${what}: the server sent metadata only`);
      assert.equal(sample?.data, undefined);
    }

    // A change comes through the same request, now the watch.
    await admin.mergePatch('cm-1', { data: { i: `changed for ${what}` } }, { namespace });
    await settlesTo(cache, () => admin.listAll({ namespace }), `${what} after a change`);
    assert.equal(requests.length, 1, `${what}: the change came through the streaming list's watch; ${timeline()}`);
    const atServer = await eventually(
      `a request of ${userAgent} in the audit log`,
      async () => {
        const events = await audited(cluster, userAgent);
        return events.length > 0 ? events : undefined;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(atServer.length, 1, `${what}: the server saw one request:\n  ${describeRequests(atServer)}`);
    const [request] = atServer;
    assert.equal(request?.verb, 'watch');
    assert.match(request?.requestURI ?? '', /sendInitialEvents=true/);
    assert.match(request?.requestURI ?? '', /resourceVersionMatch=NotOlderThan/);
    await running.pop()?.stop();
  }
});

test('a server that refuses it (WatchList gate off): a list instead, one request from the watch cache, pages of 500 without', {
  timeout: 300_000,
}, async () => {
  own = await startControlPlane({ apiServerFlags: ['--feature-gates=WatchList=false', '--watch-cache-sizes=secrets#0'] });
  const namespace = 'refused';
  await own.admin.resource(Namespace).create({ metadata: { name: namespace } });
  const secrets = 1_200; // three pages
  await inBatches(objects, 16, (i) =>
    own!.admin.resource(ConfigMap).create({ metadata: { name: `cm-${i}`, namespace }, data: { i: String(i) } }),
  );
  await inBatches(secrets, 16, (i) =>
    own!.admin.resource(Secret).create({ metadata: { name: `s-${i}`, namespace }, stringData: { i: String(i) } }),
  );

  const cases: Array<{ kind: Kind<KubeObject>; watchCache: boolean; count: number; lists: number; victim: string }> = [
    { kind: ConfigMap, watchCache: true, count: objects, lists: 1, victim: 'cm-0' },
    { kind: Secret, watchCache: false, count: secrets, lists: Math.ceil(secrets / pageSize), victim: 's-0' },
  ];
  for (const { kind, watchCache, count, lists, victim } of cases) {
    const userAgent = `capstan-e2e/streaming-list/refused/${kind.plural}`;
    const { client } = await recordingClient(own, userAgent);
    const cache = runInformer(running, new Informer(client.resource(kind), { namespace }));
    await cache.informer.waitForSync({ timeoutMs: syncBoundMs });
    const timeline = () => cache.informer.stats.formatTimeline();
    const what = `${kind.plural} (${watchCache ? 'watch cache' : 'no watch cache'})`;
    const fallbacks = cache.informer.stats.notesOf('streamingListFallback');
    assert.equal(fallbacks.length, 1, `${what}: one fallback; ${timeline()}`);
    assert.match(fallbacks[0]!.reason, /refused it: 422 Invalid/);
    assert.equal(cache.informer.stats.counts.errors, 0, `${what}: a refusal is not counted as an error`);
    assert.deepEqual(
      cache.informer.stats.notesOf('relistDone').map((n) => n.objects),
      [count],
    );
    const server = own.admin.resource(kind);
    await settlesTo(cache, () => server.listAll({ namespace }), `${what} after the fallback list`);
    await server.delete(victim, { namespace });
    await settlesTo(cache, () => server.listAll({ namespace }), `${what} after a delete, through the watch`);

    const atServer = await eventually(
      `the watch of ${userAgent} in the audit log`,
      async () => {
        const events = await audited(own!, userAgent);
        return events.some((e) => e.verb === 'watch' && !/sendInitialEvents/.test(e.requestURI)) ? events : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const summary = `${what}: the server saw\n  ${describeRequests(atServer)}`;
    process.stdout.write(`# ${summary.replaceAll('\n', '\n# ')}\n`);
    const [refused, ...rest] = atServer;
    assert.equal(refused?.verb, 'watch', summary);
    assert.match(refused?.requestURI ?? '', /sendInitialEvents=true/, summary);
    assert.equal(refused?.responseStatus?.code, 422, summary);
    const listed = rest.filter((e) => e.verb === 'list');
    assert.equal(listed.length, lists, `${what}: ${lists} list request(s); ${summary}`);
    assert.match(listed[0]?.requestURI ?? '', /resourceVersion=0/, summary);
    assert.equal(rest.filter((e) => e.verb === 'watch').length, 1, `${what}: then one watch; ${summary}`);
    await running.pop()?.stop();
  }
});
