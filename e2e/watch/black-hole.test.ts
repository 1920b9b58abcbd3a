// A watch whose connection goes silent (a dead NAT entry, simulated by the fault proxy's black hole) on the
// shared cluster: it notices within its inactivity timeout, reconnects once the path is back, and the cache
// converges on every change made meanwhile. Only this suite's client goes through the proxy.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import { ConfigMap, Namespace } from '../../src/kinds/core/v1.ts';
import { type Cluster, type FaultProxy, startFaultProxy } from '../../src/testing/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { inBatches, runInformer, type RunningInformer, settlesTo } from '../cache/support.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const ns = uniqueName('blackhole');
let proxy: FaultProxy | undefined;
let client: KubeClient | undefined;
const running: RunningInformer<ConfigMap>[] = [];
after(async () => {
  for (const r of running) await r.stop();
  await client?.close();
  await proxy?.close();
  await admin.resource(Namespace).delete(ns);
  await admin.close();
});
const cluster: Cluster = await sharedCluster();
// Our own admin client: the shared cluster's admin is closed by a hook of its own, maybe before ours.
const admin = await KubeClient.fromKubeconfig({
  kubeconfigPath: cluster.kubeconfigPath,
  metrics: prometheusRequestMetrics(new Registry()),
});

// The configuration under test, and every bound below derived from it.
const inactivityTimeoutMs = 4_000;
const requestTimeoutMs = 3_000;
const backoff = new ReconnectBackoff();
const timerMarginMs = 1_500; // timers on a loaded 2-core machine

test('a black-holed watch is noticed within its inactivity timeout, reconnects when the path is back, and the cache converges', {
  timeout: 120_000,
}, async () => {
  proxy = await startFaultProxy({ target: cluster.apiServerUrl });
  client = await KubeClient.fromKubeconfig({
    kubeconfigPath: cluster.kubeconfigPath,
    server: proxy.url,
    timeoutMs: requestTimeoutMs,
    metrics: prometheusRequestMetrics(new Registry()),
  });
  const configMaps = admin.resource(ConfigMap);
  await admin.resource(Namespace).create({ metadata: { name: ns } });
  await inBatches(20, 8, (i) => configMaps.create({ metadata: { name: `cm-${i}`, namespace: ns }, data: { v: '0' } }));
  const cache = runInformer(
    running,
    new Informer(client.resource(ConfigMap), { namespace: ns, inactivityTimeoutMs, requestTimeoutMs, backoff }),
  );
  await cache.informer.waitForSync({ timeoutMs: 30_000 });
  const list = () => configMaps.listAll({ namespace: ns });
  await configMaps.mergePatch('cm-0', { data: { v: 'healthy' } }, { namespace: ns });
  await settlesTo(cache, list, 'before the black hole');

  const stats = cache.informer.stats;
  const origin = stats.timeline[0]!.at;
  const blackHoleAt = performance.now();
  proxy.blackHole();
  const detectBoundMs = inactivityTimeoutMs + timerMarginMs;
  // Changes the watch cannot see while the path is dead.
  await Promise.all([
    inBatches(5, 5, (i) => configMaps.mergePatch(`cm-${i + 1}`, { data: { v: 'during' } }, { namespace: ns })),
    inBatches(5, 5, (i) => configMaps.delete(`cm-${i + 10}`, { namespace: ns })),
    inBatches(5, 5, (i) => configMaps.create({ metadata: { name: `new-${i}`, namespace: ns } })),
  ]);
  // Keep the path dead long enough for the timeout to fire and a few reconnects to be swallowed.
  await sleep(detectBoundMs + 2 * requestTimeoutMs);
  const timeout = stats.notesOf('inactivityTimeout').find((n) => n.at >= blackHoleAt);
  const wallOrigin = Date.now() - (performance.now() - origin);
  const timeline = () =>
    `black hole at ${((blackHoleAt - origin) / 1000).toFixed(3)} s; connections at the proxy: ${proxy!.attempts
      .map((a) => `${((a.at - wallOrigin) / 1000).toFixed(3)} s ${a.outcome}`)
      .join(', ')}; timeline:\n${stats.formatTimeline(origin)}`;
  assert.ok(timeout, `no inactivity timeout within ${detectBoundMs} ms of the black hole; ${timeline()}`);
  const detectedAfterMs = timeout.at - blackHoleAt;
  process.stdout.write(
    `# black hole noticed after ${detectedAfterMs.toFixed(0)} ms (bound: inactivity ${inactivityTimeoutMs} + margin ${timerMarginMs})\n`,
  );
  assert.ok(detectedAfterMs <= detectBoundMs, `noticed after ${detectedAfterMs} ms > ${detectBoundMs} ms; ${timeline()}`);
  assert.ok(
    stats.notesOf('watchRequested').some((n) => n.at > timeout.at),
    'it tried to reconnect during the black hole',
  );

  const passAt = performance.now();
  proxy.pass();
  // After the path is back: the attempt in flight may hang until its request timeout (on a swallowed
  // connection), then the next backoff delay, then one more request timeout if the pool hands out one last
  // swallowed socket; plus the margin.
  const failures = stats.notesOf('backoff').length;
  const convergeBoundMs = 2 * requestTimeoutMs + backoff.baseDelay(failures) + 5_000;
  await settlesTo(
    cache,
    list,
    () =>
      `after the black hole ended at ${((passAt - origin) / 1000).toFixed(3)} s ` +
      `(bound ${convergeBoundMs} ms = 2 × request timeout ${requestTimeoutMs} + backoff ${backoff.baseDelay(failures)} + 5000 margin); ${timeline()}`,
    convergeBoundMs,
  );
  process.stdout.write(
    `# converged ${(performance.now() - passAt).toFixed(0)} ms after the path came back (bound ${convergeBoundMs} ms)\n`,
  );
  assert.equal(cache.informer.get(`${ns}/cm-10`), undefined, 'an object deleted during the black hole is gone');
  assert.equal(cache.informer.get(`${ns}/cm-1`)?.data?.['v'], 'during');
  assert.equal(stats.counts.relists, 0, `resumed from its resourceVersion, no relist; ${timeline()}`);
});
