// Watches cut off while etcd compacts past their resourceVersion (own control plane with
// --watch-cache=false, so watches read etcd directly and there are no bookmarks, and
// --etcd-compaction-interval=0, so only compactEtcd() compacts): on reconnect each watch gets a 410 and
// relists exactly once, and objects deleted meanwhile leave the cache.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { ConfigMap, Namespace, Secret } from '../../src/kinds/core/v1.ts';
import { type ControlPlane, type FaultProxy, startControlPlane, startFaultProxy } from '../../src/testing/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { inBatches, runInformer, type RunningInformer, settlesTo } from '../cache/support.ts';

let cp: ControlPlane;
let proxy: FaultProxy | undefined;
let client: KubeClient | undefined;
const running: Array<RunningInformer<KubeObject>> = [];
before(async () => {
  cp = await startControlPlane({ apiServerFlags: ['--watch-cache=false', '--etcd-compaction-interval=0'] });
});
after(async () => {
  for (const r of running) await r.stop();
  await client?.close();
  await proxy?.close();
  await cp?.stop();
});

// The configuration under test; every bound below is derived from it.
const requestTimeoutMs = 5_000;
const inactivityTimeoutMs = 5_000;
const timerMarginMs = 2_000;
const backoff = () => new ReconnectBackoff();
const ns = 'compaction';

test('without bookmarks a quiet watch restarts at each inactivity timeout; after a compaction each watch relists exactly once', {
  timeout: 180_000,
}, async () => {
  proxy = await startFaultProxy({ target: cp.apiServerUrl });
  client = await KubeClient.fromKubeconfig({
    kubeconfigPath: cp.kubeconfigPath,
    server: proxy.url,
    timeoutMs: requestTimeoutMs,
    metrics: prometheusRequestMetrics(new Registry()),
  });
  const admin = { configMaps: cp.admin.resource(ConfigMap), secrets: cp.admin.resource(Secret) };
  await cp.admin.resource(Namespace).create({ metadata: { name: ns } });
  await inBatches(30, 10, (i) => admin.configMaps.create({ metadata: { name: `cm-${i}`, namespace: ns }, data: { v: '0' } }));
  await inBatches(10, 10, (i) => admin.secrets.create({ metadata: { name: `s-${i}`, namespace: ns }, stringData: { v: '0' } }));
  const options = { namespace: ns, requestTimeoutMs, inactivityTimeoutMs };
  const configMaps = runInformer(running, new Informer(client.resource(ConfigMap), { ...options, backoff: backoff() }));
  const secrets = runInformer(running, new Informer(client.resource(Secret), { ...options, backoff: backoff() }));
  const caches = [configMaps, secrets] as Array<RunningInformer<KubeObject>>;
  await Promise.all(caches.map((c) => c.informer.waitForSync({ timeoutMs: 30_000 })));
  const timelines = () => caches.map((c) => `${c.informer.name}:\n${c.informer.stats.formatTimeline()}`).join('\n');

  // No bookmarks without the watch cache: a quiet watch is restarted at its inactivity timeout, and resumes.
  await sleep(inactivityTimeoutMs + timerMarginMs);
  for (const c of caches) {
    const { counts } = c.informer.stats;
    assert.equal(counts.bookmarks, 0, `${c.informer.name}: no bookmarks with --watch-cache=false`);
    assert.ok(counts.inactivityTimeouts >= 1, `${c.informer.name}: restarted after ${inactivityTimeoutMs} ms of silence; ${timelines()}`);
    assert.equal(counts.relists, 0, `${c.informer.name}: resumed, not relisted`);
  }

  // Cut the watches off, change things, compact etcd past everything they have seen, reconnect.
  proxy.refuseConnections();
  proxy.resetConnections();
  await Promise.all([
    inBatches(5, 5, (i) => admin.configMaps.mergePatch(`cm-${i}`, { data: { v: 'while-away' } }, { namespace: ns })),
    inBatches(5, 5, (i) => admin.configMaps.delete(`cm-${10 + i}`, { namespace: ns })),
    inBatches(5, 5, (i) => admin.configMaps.create({ metadata: { name: `new-${i}`, namespace: ns } })),
    inBatches(3, 3, (i) => admin.secrets.delete(`s-${i}`, { namespace: ns })),
    inBatches(2, 2, (i) => admin.secrets.create({ metadata: { name: `new-${i}`, namespace: ns } })),
  ]);
  const { revision } = await cp.compactEtcd();
  for (const c of caches) {
    const seen = Math.max(...c.informer.list().map((o) => Number(o.metadata.resourceVersion)));
    assert.ok(seen < revision, `${c.informer.name} had seen up to ${seen}, compacted to ${revision}`);
  }
  proxy.pass();
  const passAt = performance.now();
  for (const [cache, list] of [
    [configMaps, () => admin.configMaps.listAll({ namespace: ns })],
    [secrets, () => admin.secrets.listAll({ namespace: ns })],
  ] as const) {
    // The next attempt comes within the longest backoff delay reached so far, then a 410 and one list; plus a margin.
    const bound = backoff().baseDelay(cache.informer.stats.notesOf('backoff').length) + 2 * requestTimeoutMs + 5_000;
    await settlesTo(cache, list, () => `after the compaction (bound ${bound} ms); ${timelines()}`, bound);
  }
  process.stdout.write(`# both caches converged ${(performance.now() - passAt).toFixed(0)} ms after reconnecting\n`);
  for (const c of caches) {
    const gone = c.informer.stats.notesOf('relistStarted').filter((n) => n.cause === 'gone');
    assert.equal(gone.length, 1, `${c.informer.name}: exactly one 410-triggered relist; ${timelines()}`);
    assert.equal(c.informer.stats.counts.relists, 1, `${c.informer.name}: no other relist`);
  }
  for (let i = 10; i < 15; i++) assert.equal(configMaps.informer.get(`${ns}/cm-${i}`), undefined, `cm-${i}, deleted while away, is gone`);
  for (let i = 0; i < 3; i++) assert.equal(secrets.informer.get(`${ns}/s-${i}`), undefined, `s-${i}, deleted while away, is gone`);
  assert.equal(configMaps.informer.get(`${ns}/cm-0`)?.data?.['v'], 'while-away');
});
