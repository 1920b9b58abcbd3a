// `npm run bench:cache`: memory per cached ConfigMap and time to list-and-sync, on a local control plane,
// reading as a ServiceAccount (not an admin, which API Priority and Fairness exempts).
//   - heap bytes per cached ConfigMap after forced GC, at 1k and 10k objects, in three modes: full objects
//     with managedFields, full objects with managedFields stripped (the default), metadata only; beside
//     controller-runtime's cache of the same objects in the first two (its default keeps managedFields;
//     `TransformStripManagedFields` is Capstan's default);
//   - time to list-and-sync 10k objects, beside `kubectl get configmaps -A -o json` for the same objects.
// Heap figures come from bench/cache-heap.ts and bench/peers/controller-runtime/cacheheap, run in fresh processes.
import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { Informer } from '../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../src/client/index.ts';
import { ConfigMap, Namespace } from '../src/kinds/core/v1.ts';
import { startControlPlane } from '../src/testing/index.ts';
import type { ListWatchSource } from '../src/watch/index.ts';
import { controllerRuntimeVersion, ensureGoPeer, goToolchain } from './harness/go-peer.ts';

const log = (line: string) => process.stdout.write(`${line}\n`);
const smallCount = 1_000;
const largeCount = 10_000;
const timingRuns = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function inBatches(count: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const selector = 'app.kubernetes.io/managed-by=capstan-bench';
const heapRuns = 3;

type HeapMode = 'full' | 'stripped' | 'metadata';

/** One heap measurement's command line: Capstan's (cache-heap.ts) or controller-runtime's (cacheheap/main.go). */
interface HeapCommand {
  command: string;
  args: string[];
}

/** Median over `heapRuns` fresh processes of the retained heap per cached object (see cache-heap.ts, cacheheap/main.go). */
function heapPerObject(what: string, { command, args }: HeapCommand, expected: number): number {
  const samples: number[] = [];
  for (let i = 0; i < heapRuns; i++) {
    const child = spawnSync(command, args, { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`${what} failed: ${child.stderr}`);
    const { count, bytesPerObject } = JSON.parse(child.stdout) as { count: number; bytesPerObject: number };
    if (count !== expected) throw new Error(`${what} cached ${count} objects, expected ${expected}`);
    samples.push(bytesPerObject);
  }
  return median(samples);
}

const capstanHeap = (kubeconfigPath: string, mode: HeapMode, namespace: string | undefined): HeapCommand => ({
  command: process.execPath,
  args: ['--expose-gc', new URL('./cache-heap.ts', import.meta.url).pathname, kubeconfigPath, mode, namespace ?? '-', selector],
});

// controller-runtime's default cache keeps managedFields (Capstan's `full`); `stripped` sets
// DefaultTransform: cache.TransformStripManagedFields() (Capstan's default).
const controllerRuntimeHeap = (
  binary: string,
  kubeconfigPath: string,
  mode: 'default' | 'stripped',
  namespace: string | undefined,
): HeapCommand => ({ command: binary, args: [kubeconfigPath, mode, namespace ?? '-', selector] });

async function timeSync(source: ListWatchSource<ConfigMap>): Promise<number> {
  const started = performance.now();
  const informer = new Informer(source, { labelSelector: selector });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await informer.waitForSync({ timeoutMs: 300_000 });
  const ms = performance.now() - started;
  controller.abort();
  await running;
  return ms;
}

// Built (or found in its cache) before the control plane starts, so that a first build does not run beside it.
const goBinaries = await ensureGoPeer((line) => log(`# ${line}`));
const cp = await startControlPlane({ log: (line) => log(`# ${line}`) });
try {
  const admin = cp.admin;
  const writes = admin.resource(ConfigMap);
  const small = 'bench-1k';
  const large = 'bench-9k';
  for (const name of [small, large]) await admin.resource(Namespace).create({ metadata: { name } });
  const created = performance.now();
  // Server-side apply, as an operator writes: one managedFields entry per object.
  const body = (ns: string, i: number): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'capstan-bench', shard: String(i % 10) } },
    data: { message: `Hello from object ${i}`, config: JSON.stringify({ replicas: i % 5, tier: i % 2 ? 'web' : 'api' }) },
  });
  await inBatches(smallCount, 32, (i) => writes.apply(body(small, i), { fieldManager: 'capstan-bench' }));
  await inBatches(largeCount - smallCount, 32, (i) => writes.apply(body(large, i), { fieldManager: 'capstan-bench' }));
  log(`# created ${largeCount} ConfigMaps in ${((performance.now() - created) / 1000).toFixed(1)} s`);

  const sa = await cp.serviceAccountKubeconfig({
    namespace: 'bench',
    name: 'reader',
    clusterRules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
  });
  const client = await KubeClient.fromKubeconfig({ kubeconfigPath: sa.kubeconfigPath, metrics: prometheusRequestMetrics(new Registry()) });
  try {
    const total = (await client.resource(ConfigMap).listAll({ labelSelector: selector })).items.length;
    if (total !== largeCount) throw new Error(`expected ${largeCount} benchmark ConfigMaps, found ${total}`);

    log(`\nheap bytes per cached ConfigMap after forced GC (median of ${heapRuns} fresh processes each)`);
    const columns = ['capstan', 'c-r', 'ratio'];
    log(
      `${''.padEnd(48)}${'1k objects'.padStart(30)}${'10k objects'.padStart(30)}\n${'mode'.padEnd(48)}${[...columns, ...columns].map((c) => c.padStart(10)).join('')}`,
    );
    const modes: Array<[HeapMode, string]> = [
      ['full', 'full objects, managedFields kept (c-r default)'],
      ['stripped', 'full objects, managedFields stripped (default)'],
      ['metadata', 'metadata only (PartialObjectMetadata)'],
    ];
    for (const [mode, name] of modes) {
      const cells: string[] = [];
      for (const [namespace, count] of [
        [small, smallCount],
        [undefined, largeCount],
      ] as const) {
        const capstan = heapPerObject(`cache-heap.ts ${mode}`, capstanHeap(sa.kubeconfigPath, mode, namespace), count);
        if (mode === 'metadata') {
          // controller-runtime's metadata-only cache is not measured: the issue compares the two defaults.
          cells.push(capstan.toFixed(0), '–', '–');
          continue;
        }
        const goMode = mode === 'full' ? 'default' : 'stripped';
        const go = heapPerObject(
          `cacheheap ${goMode}`,
          controllerRuntimeHeap(goBinaries.cacheHeap, sa.kubeconfigPath, goMode, namespace),
          count,
        );
        cells.push(capstan.toFixed(0), go.toFixed(0), `${(capstan / go).toFixed(2)}×`);
      }
      log(`${name.padEnd(48)}${cells.map((c) => c.padStart(10)).join('')}`);
    }
    log('c-r = controller-runtime (cache.New, the same label selector and namespace); ratio = capstan / c-r');

    log(`\ntime to list ${largeCount} ConfigMaps (label ${selector}, median of ${timingRuns})`);
    const syncs: number[] = [];
    for (let i = 0; i < timingRuns; i++) syncs.push(await timeSync(client.resource(ConfigMap)));
    const kubectl: number[] = [];
    for (let i = 0; i < timingRuns; i++) {
      const started = performance.now();
      const run = spawnSync(
        cp.assets.kubectl,
        ['--kubeconfig', sa.kubeconfigPath, 'get', 'configmaps', '-A', '-o', 'json', '-l', selector],
        { maxBuffer: 1 << 30 },
      );
      if (run.status !== 0) throw new Error(`kubectl failed: ${run.stderr.toString()}`);
      kubectl.push(performance.now() - started);
      const items = (JSON.parse(run.stdout.toString()) as { items: unknown[] }).items.length;
      if (items !== largeCount) throw new Error(`kubectl listed ${items} ConfigMaps`);
    }
    log(
      `${'capstan Informer: list (pages of 500) and sync'.padEnd(50)}${`${median(syncs).toFixed(0)} ms`.padStart(10)}   runs: ${syncs.map((s) => s.toFixed(0)).join(', ')}`,
    );
    log(
      `${`kubectl get configmaps -A -o json -l ${selector}`.padEnd(50)}${`${median(kubectl).toFixed(0)} ms`.padStart(10)}   runs: ${kubectl.map((s) => s.toFixed(0)).join(', ')}`,
    );
    log(
      `\nNode ${process.versions.node}, controller-runtime ${await controllerRuntimeVersion()} (${goToolchain}), Kubernetes ${cp.versions.kubernetes}, ${largeCount} ConfigMaps of ~${JSON.stringify(body(large, 1234)).length} bytes of JSON before server fields`,
    );
  } finally {
    await client.close();
  }
} finally {
  await cp.stop();
}
