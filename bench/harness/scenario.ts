// One peer on one control plane: the conformance check, and measured runs (create N, churn, idle restart).
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, KubeClient } from '../../src/client/index.ts';
import { ConfigMap, Namespace } from '../../src/kinds/core/v1.ts';
import type { Cluster } from '../../src/testing/index.ts';
import { auditEventsSince, auditOffset, countRequests, type RequestCounts, untilQuiet } from './audit.ts';
import { HeapSampler, type SyncHeap } from './heap-sampler.ts';
import { HelloWorld, isReady } from './kinds.ts';
import { churn, createHelloWorlds } from './loader.ts';
import { type PeerId, peerSlug, startPeer } from './peers.ts';
import { cpuSeconds, peakRssBytes, rssParts } from './proc.ts';
import { percentile } from './stats.ts';
import { ConvergenceWatcher } from './watcher.ts';

/** A peer's credentials on a cluster: who it is in the audit log. */
export interface PeerAccount {
  kubeconfigPath: string;
  username: string;
}

export interface RunSettings {
  n: number;
  run: number;
  churnRatePerSecond: number;
  churnSeconds: number;
  /**
   * The idle-restart window ends once the audit log shows no request from the restarted operator for this
   * long after it was ready (see untilQuiet)…
   */
  restartQuietMs: number;
  /** …or this long after it was ready, whichever comes first. */
  restartBoundMs: number;
  /** How long to wait for convergence before the run counts as failed. */
  timeoutMs: number;
  /** More node flags for a Capstan peer's measured process (not the restarted one): the profiled run's `--cpu-prof`. */
  capstanNodeArgs?: readonly string[];
}

/** Everything one run measured. Times in ms, except CPU in seconds. */
export interface RunResult {
  peer: PeerId;
  n: number;
  run: number;
  /** Loader start to the watcher's last sighting. */
  convergenceMs: number;
  loaderMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  churnChanges: number;
  churnP50Ms: number;
  churnP99Ms: number;
  /** The operator's requests about the run's namespace, from its start until the churn began. */
  createRequests: RequestCounts;
  churnRequests: RequestCounts;
  /** Every request of the restarted operator, from its start until the end of its idle-restart window. */
  restartRequests: RequestCounts;
  /** The idle-restart window: from the restarted operator's ready until it was quiet (or the bound), ms. */
  restartWindowMs: number;
  /** True when the window ran to the bound (the operator never went quiet for `restartQuietMs`). */
  restartWindowHitBound: boolean;
  /** The 1-minute load average when the run began and when it ended (/proc/loadavg). */
  loadBefore: number;
  loadAfter: number;
  /** The run's place in its round (1 = first), peers rotating each round. */
  order: number;
  /** CPU the operator used from ready (before the first create) until converged plus 2 s. */
  cpuSeconds: number;
  /** VmHWM at the end of the churn: the process's peak RSS. */
  peakRssBytes: number;
  /** VmHWM when it was ready, before the first HelloWorld: what starting up alone costs. */
  readyRssBytes: number;
  /** The resident set at the end of the churn, anonymous and file-backed (see rssParts). */
  endRss?: { anonBytes: number; fileBytes: number };
  /**
   * The Capstan peers' restarted operator, through its inspector (heap-sampler.ts): V8 heap in use after a
   * forced GC, the largest reading while its caches synced and the reading after its idle-restart window.
   * Absent for the other peers, and in reports made before it was measured.
   */
  restartHeap?: SyncHeap;
  /** Set when the run did not converge; its other figures are then partial. */
  error?: string;
}

const settleMs = 2_000;

async function createNamespace(admin: KubeClient, name: string): Promise<void> {
  await admin.resource(Namespace).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Delete a namespace and wait until it is gone, so the next peer's caches start empty. */
export async function deleteNamespace(admin: KubeClient, name: string, log: (line: string) => void, timeoutMs = 300_000): Promise<void> {
  const started = Date.now();
  try {
    await admin.resource(Namespace).delete(name);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  while (Date.now() - started < timeoutMs) {
    try {
      await admin.resource(Namespace).get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await sleep(500);
  }
  log(`namespace ${name} still not gone after ${timeoutMs / 1000} s; going on`);
}

/**
 * The conformance check: one HelloWorld gets its ConfigMap (message, controller ownerReference with
 * blockOwnerDeletion), observedGeneration and Ready=True, and exactly one Normal event, which the audit log
 * shows as exactly one event write. Returns what failed, or nothing.
 */
export async function conformance(
  cluster: Cluster,
  peer: PeerId,
  account: PeerAccount,
  log: (line: string) => void,
): Promise<string | undefined> {
  const namespace = `conformance-${peerSlug(peer)}`;
  const admin = cluster.admin;
  await createNamespace(admin, namespace);
  const offset = await auditOffset(cluster.auditLogPath);
  const running = await startPeer(peer, cluster, account, log);
  try {
    const message = 'Hello from the conformance check';
    const hw = await admin.resource(HelloWorld).create(
      {
        apiVersion: 'apps.example.com/v1alpha1',
        kind: 'HelloWorld',
        metadata: { name: 'conformance', namespace },
        spec: { name: message },
      },
      { namespace },
    );
    const deadline = Date.now() + 60_000;
    let problem = 'not converged';
    while (Date.now() < deadline) {
      problem = await check();
      if (!problem) break;
      await sleep(250);
    }
    if (problem) return `${problem} after 60 s`;
    await sleep(3_000); // events are sent in the background by some peers
    const audit = await auditEventsSince(admin, cluster.auditLogPath, offset);
    const counts = countRequests(audit, account.username, { namespace });
    if (counts.eventWrites !== 1) return `${counts.eventWrites} event writes in the audit log, expected exactly 1`;
    // A refused event write would still count above; a refused ConfigMap or status write (a 409 retried) is fine.
    const refusedEvents = countRequests(
      audit.filter((e) => e.objectRef?.resource === 'events'),
      account.username,
      { namespace },
    ).failedWrites;
    if (refusedEvents !== 0) return 'its one event write was refused (audit log)';
    const events = (
      await admin.request<{ items: Array<{ type: string; reason: string; involvedObject: { name: string } }> }>({
        path: `/api/v1/namespaces/${namespace}/events`,
      })
    ).items.filter((e) => e.involvedObject.name === 'conformance');
    const normal = events.filter((e) => e.type === 'Normal');
    if (normal.length !== 1)
      return `${normal.length} Normal events about the HelloWorld, expected exactly 1 (${events.map((e) => `${e.type} ${e.reason}`).join(', ')})`;
    return undefined;

    async function check(): Promise<string> {
      let cm: ConfigMap;
      try {
        cm = await admin.resource(ConfigMap).get('conformance', { namespace });
      } catch (err) {
        if (isNotFound(err)) return 'no ConfigMap';
        throw err;
      }
      if (cm.data?.['message'] !== message) return `ConfigMap data.message is ${JSON.stringify(cm.data?.['message'])}`;
      const owner = cm.metadata.ownerReferences?.find((ref) => ref.controller);
      if (!owner || owner.uid !== hw.metadata.uid || owner.kind !== 'HelloWorld' || !owner.blockOwnerDeletion)
        return `ConfigMap controller ownerReference is ${JSON.stringify(owner)}`;
      const current = await admin.resource(HelloWorld).get('conformance', { namespace });
      if (!isReady(current)) return `HelloWorld status is ${JSON.stringify(current.status)} at generation ${current.metadata.generation}`;
      return '';
    }
  } finally {
    await running.stop();
    await deleteNamespace(admin, namespace, log);
  }
}

/** One measured run in a fresh namespace, removed afterwards. */
export async function measuredRun(
  cluster: Cluster,
  peer: PeerId,
  account: PeerAccount,
  settings: RunSettings & { order: number },
  log: (line: string) => void,
): Promise<RunResult> {
  const { n } = settings;
  const namespace = `bench-${peerSlug(peer)}-n${n}-r${settings.run}`;
  const loadBefore = loadavg()[0]!;
  const admin = cluster.admin;
  await createNamespace(admin, namespace);
  const loader = await KubeClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfigPath, userAgent: 'bench-loader' });
  const watcher = await ConvergenceWatcher.start(cluster.kubeconfigPath, namespace);
  const offset = await auditOffset(cluster.auditLogPath);
  const result: RunResult = {
    peer,
    n,
    run: settings.run,
    convergenceMs: Number.NaN,
    loaderMs: Number.NaN,
    latencyP50Ms: Number.NaN,
    latencyP99Ms: Number.NaN,
    churnChanges: 0,
    churnP50Ms: Number.NaN,
    churnP99Ms: Number.NaN,
    cpuSeconds: Number.NaN,
    peakRssBytes: Number.NaN,
    readyRssBytes: Number.NaN,
    createRequests: countRequests([], ''),
    churnRequests: countRequests([], ''),
    restartRequests: countRequests([], ''),
    restartWindowMs: Number.NaN,
    restartWindowHitBound: false,
    loadBefore,
    loadAfter: Number.NaN,
    order: settings.order,
  };
  let running = await startPeer(peer, cluster, account, log, settings.capstanNodeArgs ? { nodeArgs: settings.capstanNodeArgs } : {});
  let churnStartedAt = Number.NaN;
  let restartedAt = Number.NaN;
  let restartEndedAt = Number.NaN;
  let sampler: HeapSampler | undefined;
  try {
    const cpuAtReady = await cpuSeconds(running.pid);
    result.readyRssBytes = await peakRssBytes(running.pid);
    const start = performance.now();
    const names = await createHelloWorlds(loader, watcher, namespace, n);
    result.loaderMs = performance.now() - start;
    await watcher.converged(settings.timeoutMs);
    const created = watcher.results(names);
    result.convergenceMs = created.lastConvergedAt - start;
    result.latencyP50Ms = percentile(created.latenciesMs, 50);
    result.latencyP99Ms = percentile(created.latenciesMs, 99);
    await sleep(settleMs);
    result.cpuSeconds = (await cpuSeconds(running.pid)) - cpuAtReady;
    log(
      `  converged in ${(result.convergenceMs / 1000).toFixed(2)} s (loader ${(result.loaderMs / 1000).toFixed(2)} s), latency p50 ${result.latencyP50Ms.toFixed(0)} ms p99 ${result.latencyP99Ms.toFixed(0)} ms, ${result.cpuSeconds.toFixed(2)} CPU-s`,
    );

    churnStartedAt = Date.now();
    const patched = await churn(loader, watcher, namespace, names, settings.churnRatePerSecond, settings.churnSeconds);
    await watcher.converged(settings.timeoutMs);
    const churned = watcher.results(patched);
    result.churnChanges = Math.round(settings.churnRatePerSecond * settings.churnSeconds);
    result.churnP50Ms = percentile(churned.latenciesMs, 50);
    result.churnP99Ms = percentile(churned.latenciesMs, 99);
    await sleep(settleMs);
    result.peakRssBytes = await peakRssBytes(running.pid);
    result.endRss = await rssParts(running.pid);
    log(
      `  churn of ${result.churnChanges} changes: latency p50 ${result.churnP50Ms.toFixed(0)} ms p99 ${result.churnP99Ms.toFixed(0)} ms; peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(1)} MiB (${(result.readyRssBytes / 2 ** 20).toFixed(1)} MiB when ready; now ${(result.endRss.anonBytes / 2 ** 20).toFixed(1)} MiB anonymous + ${(result.endRss.fileBytes / 2 ** 20).toFixed(1)} MiB file-backed)`,
    );

    const code = await running.stop();
    if (code !== 0) log(`  ${peer} exited with ${code} on SIGTERM`);
    const restartOffset = await auditOffset(cluster.auditLogPath);
    restartedAt = Date.now();
    // The Capstan peers' restart runs with the inspector open, for the heap while its caches sync. The forced
    // GCs slow that sync, which nothing here times; the window's figures are audit counts, and at most one
    // reading, in flight at ready, overlaps its start.
    sampler = peer.startsWith('capstan') ? new HeapSampler() : undefined;
    running = await startPeer(peer, cluster, account, log, sampler ?? {});
    const readyAt = Date.now();
    const sync = sampler?.endSync().catch((err: Error) => log(`  no heap readings during the sync: ${err.message}`));
    const window = await untilQuiet(admin, cluster.auditLogPath, restartOffset, account.username, {
      readyAt,
      quietMs: settings.restartQuietMs,
      boundMs: settings.restartBoundMs,
    });
    restartEndedAt = window.endedAt;
    result.restartWindowMs = window.windowMs;
    result.restartWindowHitBound = window.hitBound;
    const peak = await sync;
    // A heap figure that could not be read is missing from the run, not a failure of its other figures.
    const steadyBytes = peak ? await sampler?.reading().catch((err: Error) => log(`  no steady heap reading: ${err.message}`)) : undefined;
    if (peak && steadyBytes) {
      result.restartHeap = { syncPeakBytes: peak.peakBytes, syncReadingsBytes: peak.readingsBytes, steadyBytes };
      const { syncPeakBytes } = result.restartHeap;
      log(
        `  restart heap (forced GC, inspector): sync peak ${(syncPeakBytes / 2 ** 20).toFixed(1)} MiB of ${peak.readingsBytes.length} readings (${peak.readingsBytes.map((b) => (b / 2 ** 20).toFixed(1)).join(', ')}), steady ${(steadyBytes / 2 ** 20).toFixed(1)} MiB after the window: ${(syncPeakBytes / steadyBytes).toFixed(2)}×`,
      );
    }
  } catch (err) {
    result.error = (err as Error).message;
    log(`  FAILED: ${result.error}\n  its last output:\n${running.logs().slice(-4000)}`);
  } finally {
    await sampler?.close();
    await running.stop();
    await watcher.stop();
    await loader.close();
  }
  const events = await auditEventsSince(admin, cluster.auditLogPath, offset);
  const user = account.username;
  result.createRequests = countRequests(events, user, { namespace, ...(Number.isFinite(churnStartedAt) ? { to: churnStartedAt } : {}) });
  if (Number.isFinite(churnStartedAt))
    result.churnRequests = countRequests(events, user, {
      namespace,
      from: churnStartedAt,
      ...(Number.isFinite(restartedAt) ? { to: restartedAt } : {}),
    });
  if (Number.isFinite(restartEndedAt)) result.restartRequests = countRequests(events, user, { from: restartedAt, to: restartEndedAt });
  const w = result.createRequests;
  log(
    `  writes per HelloWorld ${(w.writes / n).toFixed(2)} (ConfigMap ${(w.configMapWrites / n).toFixed(2)}, status ${(w.statusWrites / n).toFixed(2)}, event ${(w.eventWrites / n).toFixed(2)}, refused ${(w.failedWrites / n).toFixed(2)}; API server ${(w.configMapAndStatusServerMs / Math.max(1, w.configMapWrites + w.statusWrites)).toFixed(1)} ms per ConfigMap/status write); idle restart: ${result.restartRequests.requests} requests, ${result.restartRequests.writes} writes in a window of ${(result.restartWindowMs / 1000).toFixed(1)} s${result.restartWindowHitBound ? ' (ran to the bound: still sending requests)' : ''}`,
  );
  await deleteNamespace(admin, namespace, log);
  result.loadAfter = loadavg()[0]!;
  return result;
}
