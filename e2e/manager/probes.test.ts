// The manager's probes tell the truth: /readyz turns false while a watch cannot resume past its bound and true
// once it has, /healthz stays 200 through that (an outage is no reason to restart) and fails when a worker is
// wedged in a reconcile that ignores its timeout. A Manager in this process, its client behind a fault proxy, on
// the shared control plane; every bound below is derived from the configuration beside it.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, test } from 'node:test';
import { Registry } from 'prom-client';
import { KubeClient } from '../../src/client/index.ts';
import { controller, done } from '../../src/controller/index.ts';
import type { Logger } from '../../src/core/index.ts';
import { ConfigMap } from '../../src/kinds/core/v1.ts';
import { Manager } from '../../src/manager/index.ts';
import { type Cluster, createNamespace, eventually, type FaultProxy, metricValue, startFaultProxy } from '../../src/testing/index.ts';
import { ReconnectBackoff } from '../../src/watch/index.ts';
import { fileScope, sharedCluster } from '../support/cluster.ts';
import { pollProbeVerbose } from '../support/probe-poller.ts';

let cluster: Cluster;
before(async () => {
  cluster = await sharedCluster();
});

const timerMarginMs = 2_000; // probes every 100 ms and timers on a loaded 2-core machine

function timeline(events: Array<[number, string]>, origin: number): string {
  return events
    .sort((a, b) => a[0] - b[0])
    .map(([at, what]) => `${((at - origin) / 1000).toFixed(3).padStart(8)} s  ${what}`)
    .join('\n');
}

test('/readyz fails while a watch cannot resume past the bound and recovers when it does; /healthz stays 200', {
  timeout: 120_000,
}, async () => {
  const watchResumeBoundMs = 3_000;
  const namespace = await createNamespace(cluster, 'probes-watch', fileScope);
  const proxy: FaultProxy = await startFaultProxy({ target: cluster.apiServerUrl });
  fileScope.after(() => proxy.close());
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfigPath, server: proxy.url, timeoutMs: 3_000 });
  fileScope.after(() => client.close());
  const registry = new Registry();
  const manager = new Manager({
    client,
    namespace,
    registry,
    logger: silent,
    probes: { port: 0, watchResumeBoundMs },
    shutdownGraceMs: 2_000,
  });
  manager.add(controller(ConfigMap).reconcile(async () => done()));
  await manager.start();
  fileScope.after(() => manager.stop());
  const readiness = pollProbeVerbose(manager.probePort!, '/readyz');
  const health = pollProbeVerbose(manager.probePort!, '/healthz');
  const marks: Array<[number, string]> = [];
  const origin = Date.now();
  try {
    await eventually('ready before the outage', async () => readiness.answers.at(-1)?.code === 200);

    const cutAt = Date.now();
    marks.push([cutAt, 'connections refused and reset']);
    proxy.refuseConnections();
    proxy.resetConnections();
    // The watch fails at once (its connection reset); the bound runs from there.
    const notReady = await eventually('readiness false', async () => readiness.answers.find((a) => a.at > cutAt && a.code !== 200), {
      timeoutMs: watchResumeBoundMs + timerMarginMs + 5_000,
    });
    marks.push([notReady.at, `/readyz ${notReady.code}`]);
    assert.match(notReady.body, /\[-\]watch configmaps \(namespace [^)]+\) failed: unable to resume for \d+ s \(bound 3 s\)/);
    assert.match(notReady.body, /\[\+\]cache configmaps \(namespace [^)]+\) ok/, 'the cache is still synced: only the watch is stale');
    const notBefore = cutAt + watchResumeBoundMs;
    assert.ok(
      notReady.at >= notBefore - 200,
      `readiness false ${Math.round(notReady.at - cutAt)} ms after the cut, before the bound of ${watchResumeBoundMs} ms`,
    );
    assert.ok(
      notReady.at <= cutAt + watchResumeBoundMs + timerMarginMs,
      timeline([...marks], origin) + `\nreadiness false only ${Math.round(notReady.at - cutAt)} ms after the cut`,
    );
    const unresumed = metricValue(await registry.metrics(), 'capstan_watch_unresumed_seconds');
    assert.ok((unresumed ?? 0) >= watchResumeBoundMs / 1000, `capstan_watch_unresumed_seconds ${unresumed}`);
    await sleep(1_000);

    const passAt = Date.now();
    marks.push([passAt, 'connections pass again']);
    proxy.pass();
    // The next reconnect attempt comes within the backoff's cap; resumed once open for a second.
    const recoverBoundMs = new ReconnectBackoff().maxMs + 1_000 + timerMarginMs;
    const ready = await eventually('ready again', async () => readiness.answers.find((a) => a.at > passAt && a.code === 200), {
      timeoutMs: recoverBoundMs,
      describe: () => timeline([...marks], origin),
    });
    marks.push([ready.at, '/readyz 200']);
    const page = await registry.metrics();
    assert.equal(metricValue(page, 'capstan_watch_unresumed_seconds'), 0);
    assert.ok((metricValue(page, 'capstan_watch_errors_total') ?? 0) >= 1, 'the failed requests were counted');
    assert.ok((metricValue(page, 'capstan_watch_reconnects_total') ?? 0) >= 1, 'the reconnect was counted');
  } finally {
    await readiness.stop();
    const answers = await health.stop();
    const unhealthy = answers.filter((a) => a.code !== 200);
    process.stdout.write(
      `# probe timeline:\n${timeline(marks, origin)}\n# /healthz polled ${answers.length} times, ${unhealthy.length} not 200\n`,
    );
    assert.deepEqual(
      unhealthy.map((a) => `${Math.round(a.at - origin)} ms: ${a.code} ${a.body}`),
      [],
      '/healthz stays 200 while the API server is unreachable',
    );
  }
});

test('/healthz fails when a reconcile ignores its timeout and holds its worker; it recovers when the worker is free', {
  timeout: 60_000,
}, async () => {
  const reconcileTimeoutMs = 500;
  const stuckReconcileGraceMs = 1_000;
  const namespace = await createNamespace(cluster, 'probes-wedged', fileScope);
  let release: () => void = () => undefined;
  const wedge = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = 0;
  const manager = new Manager({
    client: cluster.admin,
    namespace,
    registry: new Registry(),
    logger: silent,
    probes: { port: 0, stuckReconcileGraceMs },
    shutdownGraceMs: 2_000,
  });
  manager.add(
    controller(ConfigMap)
      .reconcileTimeout(reconcileTimeoutMs)
      .reconcile(async (ctx) => {
        if (ctx.name === 'wedge') {
          started = Date.now();
          await wedge; // ignores ctx.signal: the worker is wedged
        }
        return done();
      }),
  );
  await manager.start();
  fileScope.after(async () => {
    release();
    await manager.stop();
  });
  const port = manager.probePort!;
  const healthz = async () => {
    const r = await fetch(`http://127.0.0.1:${port}/healthz?verbose`);
    return { at: Date.now(), code: r.status, body: await r.text() };
  };
  assert.equal((await healthz()).code, 200);
  await cluster.admin.resource(ConfigMap).create({ metadata: { name: 'wedge' }, data: {} }, { namespace });
  await eventually('the wedged reconcile to start', async () => started > 0);
  const failing = await eventually('/healthz to fail', async () => {
    const answer = await healthz();
    return answer.code === 500 ? answer : undefined;
  });
  const afterMs = failing.at - started;
  assert.match(failing.body, /\[-\]reconcile configmap failed: a reconcile has run [\d.]+ s, past its timeout of 0.5 s plus 1 s/);
  assert.match(failing.body, /\[\+\]event loop ok/);
  assert.ok(afterMs >= reconcileTimeoutMs + stuckReconcileGraceMs, `failed ${Math.round(afterMs)} ms after the reconcile began`);
  assert.ok(afterMs <= reconcileTimeoutMs + stuckReconcileGraceMs + timerMarginMs, `failed only ${Math.round(afterMs)} ms after`);
  release();
  await eventually('/healthz 200 once the worker is free', async () => (await healthz()).code === 200);
});

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (fields, message) => process.stderr.write(`ERROR ${message} ${JSON.stringify(fields)}\n`),
  child: () => silent,
};
