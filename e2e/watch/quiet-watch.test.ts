// A healthy watch on which nothing changes for longer than its inactivity timeout is not restarted, because
// the server's bookmarks keep it alive (shared cluster, watch cache on: kube-apiserver sends a bookmark to
// each watcher about every minute).
//
// A bookmark carries the newest resourceVersion the API server's cache of the resource has processed, and the
// server sends it only when that is past the watch's own (cacher.go dispatchEvents, cache_watcher.go process):
// it advances with any change of the resource anywhere in the cluster (or etcd's progress notifications, every
// 10 minutes by default). So the scope watched here stays quiet while ConfigMaps elsewhere change, as in any
// cluster where something runs; a resource that changes nowhere at all gets a bookmark only every 10 minutes,
// and its watch is reopened (from the same resourceVersion, no relist) at each inactivity timeout.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import { ConfigMap, Namespace } from '../../src/kinds/core/v1.ts';
import type { AuditEvent, Cluster } from '../../src/testing/index.ts';
import { runInformer, type RunningInformer, settlesTo } from '../cache/support.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const ns = uniqueName('quiet');
const userAgent = `capstan-e2e/${ns}`;
let client: KubeClient | undefined;
const running: RunningInformer<ConfigMap>[] = [];
after(async () => {
  for (const r of running) await r.stop();
  await client?.close();
  await admin.resource(Namespace).delete(ns);
  await admin.close();
});
const cluster: Cluster = await sharedCluster();
// Our own admin client: the shared cluster's admin is closed by a hook of its own, maybe before ours.
const admin = await KubeClient.fromKubeconfig({
  kubeconfigPath: cluster.kubeconfigPath,
  metrics: prometheusRequestMetrics(new Registry()),
});

// kube-apiserver's watch cache sends a bookmark to every watcher about once a minute (cacher.go
// defaultBookmarkFrequency); the inactivity timeout must exceed that, here by a 20 s margin for a loaded
// machine, and the watch stays quiet for longer than the timeout.
const bookmarkIntervalMs = 60_000;
const inactivityTimeoutMs = bookmarkIntervalMs + 20_000;
const quietMs = inactivityTimeoutMs + 10_000;

test('a quiet watch with bookmarks flowing is not restarted past its inactivity timeout', { timeout: quietMs + 60_000 }, async () => {
  client = await KubeClient.fromKubeconfig({
    kubeconfigPath: cluster.kubeconfigPath,
    userAgent,
    metrics: prometheusRequestMetrics(new Registry()),
  });
  await admin.resource(Namespace).create({ metadata: { name: ns } });
  await admin.resource(ConfigMap).create({ metadata: { name: 'only', namespace: ns }, data: { v: '1' } });
  const cache = runInformer(running, new Informer(client.resource(ConfigMap), { namespace: ns, inactivityTimeoutMs }));
  await cache.informer.waitForSync({ timeoutMs: 30_000 });
  process.stdout.write(
    `# quiet for ${quietMs} ms with an inactivity timeout of ${inactivityTimeoutMs} ms (bookmarks every ~${bookmarkIntervalMs} ms)\n`,
  );
  // Life elsewhere in the cluster: a ConfigMap in another namespace changes every 15 s.
  const elsewhere = uniqueName('elsewhere');
  await admin.resource(Namespace).create({ metadata: { name: elsewhere } });
  const quiet = AbortSignal.timeout(quietMs);
  for (let i = 0; !quiet.aborted; i++) {
    await admin
      .resource(ConfigMap)
      .apply(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tick', namespace: elsewhere }, data: { i: String(i) } },
        { fieldManager: 'quiet-watch-test', force: true },
      );
    await sleep(15_000, undefined, { signal: quiet }).catch(() => undefined);
  }
  await admin.resource(Namespace).delete(elsewhere);
  const stats = cache.informer.stats;
  const timeline = `timeline:\n${stats.formatTimeline()}`;
  assert.equal(stats.counts.inactivityTimeouts, 0, timeline);
  assert.equal(stats.notesOf('watchRequested').length, 1, `one watch request only; ${timeline}`);
  assert.ok(stats.counts.bookmarks >= 1, `bookmarks arrived; ${timeline}`);
  assert.equal(stats.counts.errors, 0, timeline);
  // The server saw a single watch from this client, too.
  const events = await cluster.auditEvents();
  const watches = new Set(
    events.filter((e) => e.verb === 'watch' && (e as AuditEvent & { userAgent?: string }).userAgent === userAgent).map((e) => e.auditID),
  );
  assert.equal(watches.size, 1, 'the audit log shows one watch request from this client');
  // And the watch still delivers.
  await admin.resource(ConfigMap).mergePatch('only', { data: { v: '2' } }, { namespace: ns });
  await settlesTo(cache, () => admin.resource(ConfigMap).listAll({ namespace: ns }), 'after the quiet period');
});
