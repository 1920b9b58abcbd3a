import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { controllerMetrics } from './controller-metrics.ts';
import { leaderElectionMetrics } from './leader-election-metrics.ts';
import { processMetrics } from './process-metrics.ts';
import { workqueueMetrics } from './workqueue-metrics.ts';

/** Every sample line of the exposition text, as `name{labels} value`. */
async function samples(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l && !l.startsWith('#'));
}

function sample(lines: string[], series: string): number | undefined {
  const line = lines.find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("every metric of issue 5 is exposed with controller-runtime's names and labels, before any work", async () => {
  const registry = new Registry();
  processMetrics(registry);
  controllerMetrics('helloworld', { maxConcurrentReconciles: 3, registry });
  const queue = workqueueMetrics('helloworld', registry);
  queue.trackInFlight({ unfinishedWorkSeconds: () => 0, longestRunningProcessorSeconds: () => 0 });
  leaderElectionMetrics(registry).setLeading('helloworld-operator', false);
  const lines = await samples(registry);
  const expected = [
    ...['success', 'error', 'requeue', 'requeue_after'].map(
      (r) => `controller_runtime_reconcile_total{controller="helloworld",result="${r}"}`,
    ),
    'controller_runtime_reconcile_errors_total{controller="helloworld"}',
    'controller_runtime_terminal_reconcile_errors_total{controller="helloworld"}',
    'controller_runtime_reconcile_time_seconds_count{controller="helloworld"}',
    'controller_runtime_reconcile_time_seconds_bucket{le="60",controller="helloworld"}',
    'controller_runtime_active_workers{controller="helloworld"}',
    'workqueue_depth{name="helloworld",controller="helloworld"}',
    'workqueue_adds_total{name="helloworld",controller="helloworld"}',
    'workqueue_retries_total{name="helloworld",controller="helloworld"}',
    'workqueue_queue_duration_seconds_count{name="helloworld",controller="helloworld"}',
    'workqueue_work_duration_seconds_count{name="helloworld",controller="helloworld"}',
    'workqueue_unfinished_work_seconds{name="helloworld",controller="helloworld"}',
    'workqueue_longest_running_processor_seconds{name="helloworld",controller="helloworld"}',
    'leader_election_master_status{name="helloworld-operator"}',
  ];
  for (const series of expected) assert.equal(sample(lines, series), 0, `${series} is exposed at 0`);
  assert.equal(sample(lines, 'controller_runtime_max_concurrent_reconciles{controller="helloworld"}'), 3);
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_size_used_bytes',
  ]) {
    assert.ok(
      lines.some((l) => l.startsWith(name)),
      `${name} is exposed`,
    );
  }
});

test('controller metrics count results, errors and workers per controller', async () => {
  const registry = new Registry();
  const a = controllerMetrics('a', { maxConcurrentReconciles: 1, registry });
  const b = controllerMetrics('b', { maxConcurrentReconciles: 1, registry });
  a.workerStarted();
  a.workerStarted();
  a.reconciled('success', 0.02);
  a.reconciled('error', 0.3);
  a.reconcileError();
  a.terminalReconcileError();
  a.workerFinished();
  b.reconciled('requeue_after', 1);
  const lines = await samples(registry);
  assert.equal(sample(lines, 'controller_runtime_reconcile_total{controller="a",result="success"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_reconcile_total{controller="a",result="error"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_reconcile_total{controller="b",result="requeue_after"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_reconcile_total{controller="b",result="success"}'), 0);
  assert.equal(sample(lines, 'controller_runtime_reconcile_errors_total{controller="a"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_terminal_reconcile_errors_total{controller="a"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_active_workers{controller="a"}'), 1);
  assert.equal(sample(lines, 'controller_runtime_reconcile_time_seconds_count{controller="a"}'), 2);
  assert.equal(sample(lines, 'controller_runtime_reconcile_time_seconds_bucket{le="0.025",controller="a"}'), 1);
});

test('the workqueue adapter records what the queue reports, and reads in-flight work at scrape time', async () => {
  const registry = new Registry();
  const metrics = workqueueMetrics('q', registry);
  let running = 1.5;
  metrics.trackInFlight({ unfinishedWorkSeconds: () => running * 2, longestRunningProcessorSeconds: () => running });
  metrics.added();
  metrics.added();
  metrics.retried();
  metrics.depthChanged(2);
  metrics.queued(0.004);
  metrics.worked(12);
  let lines = await samples(registry);
  const q = '{name="q",controller="q"}';
  assert.equal(sample(lines, `workqueue_adds_total${q}`), 2);
  assert.equal(sample(lines, `workqueue_retries_total${q}`), 1);
  assert.equal(sample(lines, `workqueue_depth${q}`), 2);
  assert.equal(sample(lines, `workqueue_queue_duration_seconds_bucket{le="0.01",name="q",controller="q"}`), 1);
  assert.equal(sample(lines, `workqueue_queue_duration_seconds_bucket{le="0.001",name="q",controller="q"}`), 0);
  assert.equal(sample(lines, `workqueue_work_duration_seconds_sum${q}`), 12);
  assert.equal(sample(lines, `workqueue_longest_running_processor_seconds${q}`), 1.5);
  assert.equal(sample(lines, `workqueue_unfinished_work_seconds${q}`), 3);
  running = 4;
  lines = await samples(registry);
  assert.equal(sample(lines, `workqueue_longest_running_processor_seconds${q}`), 4);
});

test('leader status flips between 1 and 0; registering twice on one registry reuses the metrics', async () => {
  const registry = new Registry();
  const leader = leaderElectionMetrics(registry);
  leader.setLeading('lock', true);
  assert.equal(sample(await samples(registry), 'leader_election_master_status{name="lock"}'), 1);
  leaderElectionMetrics(registry).setLeading('lock', false);
  assert.equal(sample(await samples(registry), 'leader_election_master_status{name="lock"}'), 0);
  processMetrics(registry);
  assert.doesNotThrow(() => processMetrics(registry));
  assert.doesNotThrow(() => workqueueMetrics('x', registry) && workqueueMetrics('y', registry));
});
