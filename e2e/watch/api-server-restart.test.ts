// kube-apiserver killed and restarted under two watching caches (its own control plane, watch cache on):
// no request storm during the outage (connection attempts counted at the fault proxy), at most one relist
// per watch afterwards, few requests after the restart (counted in the audit log), and the caches converge.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Informer } from '../../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../../src/client/index.ts';
import type { KubeObject } from '../../src/core/index.ts';
import { ConfigMap, Namespace, Secret } from '../../src/kinds/core/v1.ts';
import { type AuditEvent, type ControlPlane, type FaultProxy, startControlPlane, startFaultProxy } from '../../src/testing/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { inBatches, runInformer, type RunningInformer, settlesTo } from '../cache/support.ts';

let cp: ControlPlane;
let proxy: FaultProxy | undefined;
let client: KubeClient | undefined;
const running: Array<RunningInformer<KubeObject>> = [];
before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  for (const r of running) await r.stop();
  await client?.close();
  await proxy?.close();
  await cp?.stop();
});

// The configuration under test; every bound below is derived from it.
const requestTimeoutMs = 5_000;
const backoff = () => new ReconnectBackoff(); // 0.8 s doubling to 30 s, jitter shortens by up to 25 %
const outageHoldMs = 8_000;
const ns = 'restart';
const userAgent = 'capstan-e2e/api-server-restart';

test('kube-apiserver killed and restarted: no reconnect storm, at most one relist per watch, and the caches converge', {
  timeout: 240_000,
}, async () => {
  proxy = await startFaultProxy({ target: cp.apiServerUrl });
  client = await KubeClient.fromKubeconfig({
    kubeconfigPath: cp.kubeconfigPath,
    server: proxy.url,
    timeoutMs: requestTimeoutMs,
    userAgent,
    metrics: prometheusRequestMetrics(new Registry()),
  });
  const admin = { configMaps: cp.admin.resource(ConfigMap), secrets: cp.admin.resource(Secret) };
  await cp.admin.resource(Namespace).create({ metadata: { name: ns } });
  await inBatches(50, 10, (i) => admin.configMaps.create({ metadata: { name: `cm-${i}`, namespace: ns }, data: { v: '0' } }));
  await inBatches(10, 10, (i) => admin.secrets.create({ metadata: { name: `s-${i}`, namespace: ns }, stringData: { v: '0' } }));
  const configMaps = runInformer(
    running,
    new Informer(client.resource(ConfigMap), { namespace: ns, requestTimeoutMs, backoff: backoff() }),
  );
  const secrets = runInformer(running, new Informer(client.resource(Secret), { namespace: ns, requestTimeoutMs, backoff: backoff() }));
  const caches = [configMaps, secrets] as Array<RunningInformer<KubeObject>>;
  await Promise.all(caches.map((c) => c.informer.waitForSync({ timeoutMs: 30_000 })));

  const killAt = Date.now();
  await cp.apiServer.kill();
  await sleep(outageHoldMs);
  await cp.apiServer.restart();
  const readyAt = Date.now();
  const outageMs = readyAt - killAt;
  const timelines = () => caches.map((c) => `${c.informer.name}:\n${c.informer.stats.formatTimeline()}`).join('\n');

  // During the outage each watch may try once at once, then once per backoff delay (the shortest ones).
  const perWatch = 1 + backoff().maxAttemptsWithin(outageMs);
  const attempts = proxy.attempts.filter((a) => a.at >= killAt && a.at <= readyAt);
  process.stdout.write(
    `# outage ${outageMs} ms: ${attempts.length} connection attempts at the proxy (bound ${caches.length} watches × ${perWatch})\n`,
  );
  assert.ok(
    attempts.length <= caches.length * perWatch,
    `${attempts.length} connection attempts during a ${outageMs} ms outage, more than ${caches.length} × ${perWatch}; ${timelines()}`,
  );
  assert.ok(attempts.length >= caches.length, 'each watch did try to reconnect');

  // Changes after the restart, while the watches may still be backing off.
  await Promise.all([
    inBatches(5, 5, (i) => admin.configMaps.mergePatch(`cm-${i}`, { data: { v: 'after' } }, { namespace: ns })),
    inBatches(5, 5, (i) => admin.configMaps.delete(`cm-${10 + i}`, { namespace: ns })),
    inBatches(5, 5, (i) => admin.configMaps.create({ metadata: { name: `new-${i}`, namespace: ns } })),
    inBatches(2, 2, (i) => admin.secrets.delete(`s-${i}`, { namespace: ns })),
  ]);
  // Convergence: the next attempt comes within the longest backoff delay reached, may hang for one request
  // timeout on a server still starting, then delivers; plus a margin.
  const convergeBound = (c: RunningInformer<KubeObject>) =>
    backoff().baseDelay(c.informer.stats.notesOf('backoff').length) + requestTimeoutMs + 10_000;
  await settlesTo(
    configMaps,
    () => admin.configMaps.listAll({ namespace: ns }),
    () => `after the restart; ${timelines()}`,
    convergeBound(configMaps),
  );
  await settlesTo(
    secrets,
    () => admin.secrets.listAll({ namespace: ns }),
    () => `after the restart; ${timelines()}`,
    convergeBound(secrets),
  );
  const convergedAt = Date.now();
  for (const c of caches) {
    const relists = c.informer.stats.counts.relists;
    process.stdout.write(
      `# ${c.informer.name}: ${relists} relist(s), ${c.informer.stats.counts.gone} × 410, ${c.informer.stats.counts.reconnects} reconnects\n`,
    );
    assert.ok(relists <= 1, `${c.informer.name} relisted ${relists} times; ${timelines()}`);
  }

  // Every request the restarted server received (the old one was dead from killAt on), per watch: at most
  // one relist (one page here), and watch requests no more than one at once plus one per shortest backoff
  // delay over the window.
  const windowMs = convergedAt - killAt;
  const audit = (await cp.auditEvents()).filter(
    (e) => (e as AuditEvent & { userAgent?: string }).userAgent === userAgent && Date.parse(e.requestReceivedTimestamp) >= killAt,
  );
  for (const resource of ['configmaps', 'secrets']) {
    const byVerb = (verb: string) =>
      new Set(audit.filter((e) => e.verb === verb && e.objectRef?.resource === resource).map((e) => e.auditID)).size;
    const lists = byVerb('list');
    const watches = byVerb('watch');
    const watchBound = 1 + backoff().maxAttemptsWithin(windowMs);
    process.stdout.write(
      `# ${resource} at the restarted server: ${lists} list, ${watches} watch requests in ${windowMs} ms (bounds 1 and ${watchBound})\n`,
    );
    assert.ok(lists <= 1, `${resource}: ${lists} list requests after the restart`);
    assert.ok(watches >= 1, `${resource}: the watch was reopened at the restarted server`);
    assert.ok(watches <= watchBound, `${resource}: ${watches} watch requests in ${windowMs} ms > ${watchBound}; ${timelines()}`);
  }
});
