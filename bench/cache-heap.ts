// One heap measurement of `npm run bench:cache`, in a fresh process so that measurements do not disturb
// each other: warm up (one sync, dropped), take a baseline after forced GC, sync the cache, stop its
// watch, force GC again, print the retained bytes per cached object as JSON.
//   node --expose-gc bench/cache-heap.ts <kubeconfig> <full|stripped|metadata> <namespace|-> <labelSelector>
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Informer, keepEverything, stripManagedFields } from '../src/cache/index.ts';
import { KubeClient, prometheusRequestMetrics } from '../src/client/index.ts';
import type { KubeObject } from '../src/core/index.ts';
import { ConfigMap } from '../src/kinds/core/v1.ts';
import type { ListWatchSource } from '../src/watch/index.ts';

const [kubeconfigPath, mode, namespaceArg, labelSelector] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !kubeconfigPath || !mode || !namespaceArg || !labelSelector) {
  process.stderr.write('usage: node --expose-gc bench/cache-heap.ts <kubeconfig> <full|stripped|metadata> <namespace|-> <labelSelector>\n');
  process.exit(2);
}
const namespace = namespaceArg === '-' ? undefined : namespaceArg;

/** Heap in use once garbage is collected; a stopped watch lets go of its objects only after a few event-loop turns. */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 5; i++) {
    await sleep(100);
    gc!();
  }
  return process.memoryUsage().heapUsed;
}

async function sync(source: ListWatchSource<KubeObject>): Promise<Informer<KubeObject>> {
  const informer = new Informer(source, { namespace, labelSelector, transform: mode === 'full' ? keepEverything : stripManagedFields });
  const controller = new AbortController();
  const running = informer.run(controller.signal);
  await informer.waitForSync({ timeoutMs: 300_000 });
  controller.abort();
  await running;
  return informer;
}

const client = await KubeClient.fromKubeconfig({ kubeconfigPath, metrics: prometheusRequestMetrics(new Registry()) });
const source: ListWatchSource<KubeObject> = mode === 'metadata' ? client.metadata(ConfigMap) : client.resource(ConfigMap);
await sync(source); // warm-up
const before = await settledHeap();
const informer = await sync(source);
const after = await settledHeap();
process.stdout.write(`${JSON.stringify({ count: informer.size, bytesPerObject: (after - before) / informer.size })}\n`);
await client.close();
