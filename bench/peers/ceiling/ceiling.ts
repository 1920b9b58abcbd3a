// The ceiling: not an operator but the least work any HelloWorld operator must do, done as fast as the API
// server takes it. It lists and watches HelloWorlds (one list, one watch) and, for each generation it has
// not handled, sends exactly the writes a perfect operator makes: the ConfigMap (a create, or on a change of
// spec.name a merge patch of data.message), one status write (merge patch of the status subresource) and one
// event — all three at once, up to --concurrency requests in flight (50, the loader's client count). It
// reads nothing back and never retries a write. No operator can converge faster on the same API server,
// which makes the other figures comparable across machines.
//
// It trusts the status it finds: a HelloWorld already Ready=True at its generation (after a restart) gets
// no write, which is what a perfect operator with a perfect cache would do.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KubeClient } from '../../../src/client/index.ts';
import { ConfigMap } from '../../../src/core/index.ts';
import { EventV1, HelloWorld, isReady, managedBy } from '../../harness/kinds.ts';

const { values: flags } = parseArgs({ options: { concurrency: { type: 'string', default: '50' } } });
const concurrency = Number(flags.concurrency);

const client = await KubeClient.fromKubeconfig({ userAgent: 'hello-world-ceiling' });
const helloWorlds = client.resource(HelloWorld);
const configMaps = client.resource(ConfigMap);
const events = client.resource(EventV1);

// --- a counting semaphore: at most `concurrency` requests in flight.
let inFlight = 0;
const waiting: Array<() => void> = [];
async function limited<T>(send: () => Promise<T>): Promise<T> {
  while (inFlight >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await send();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

/** The generation of each HelloWorld (by uid) whose writes were sent. */
const handled = new Map<string, number>();
let failures = 0;

function handle(hw: HelloWorld): void {
  const { uid, generation = 1, name, namespace } = hw.metadata as { uid: string; generation?: number; name: string; namespace: string };
  const previous = handled.get(uid);
  if (previous !== undefined && previous >= generation) return;
  handled.set(uid, generation);
  if (previous === undefined && isReady(hw)) return;
  const message = hw.spec.name;
  const now = new Date().toISOString();
  const regarding = { apiVersion: `${HelloWorld.group}/${HelloWorld.version}`, kind: 'HelloWorld', name, namespace, uid };
  const configMapWrite = previous === undefined
    ? () => configMaps.create({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: {
        name, namespace, labels: { 'app.kubernetes.io/managed-by': managedBy },
        ownerReferences: [{ apiVersion: regarding.apiVersion, kind: 'HelloWorld', name, uid, controller: true, blockOwnerDeletion: true }],
      },
      data: { message },
    }, { namespace })
    : () => configMaps.mergePatch(name, { data: { message } }, { namespace });
  const reason = previous === undefined ? 'Created' : 'Updated';
  const writes = [
    configMapWrite,
    () => helloWorlds.mergePatch(name, {
      status: {
        observedGeneration: generation,
        conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: `ConfigMap ${name} carries spec.name as data.message`, lastTransitionTime: now, observedGeneration: generation }],
      },
    }, { namespace, status: true }),
    () => events.create({
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
      regarding, reason, note: `${reason} ConfigMap ${name}`, type: 'Normal', action: 'Reconcile', eventTime: now.replace('Z', '000Z'),
      reportingController: `apps.example.com/${managedBy}`, reportingInstance: `${managedBy}-ceiling`,
    }, { namespace }),
  ];
  for (const write of writes) {
    limited(write).catch((err: unknown) => {
      failures++;
      process.stderr.write(`ceiling: a write for ${namespace}/${name} failed (not retried): ${String(err)}\n`);
    });
  }
}

const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());

const list = await helloWorlds.listAll();
for (const hw of list.items) handle(hw);
process.stdout.write('synced\n');
let resourceVersion = list.metadata.resourceVersion;
while (!abort.signal.aborted) {
  try {
    const stream = await helloWorlds.watch({ resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 3600, signal: abort.signal });
    for await (const event of stream) {
      if (event.type === 'ERROR') throw new Error(`watch error: ${JSON.stringify(event.object)}`);
      resourceVersion = event.object.metadata.resourceVersion;
      if (event.type === 'ADDED' || event.type === 'MODIFIED') handle(event.object);
    }
  } catch (err) {
    if (abort.signal.aborted) break;
    process.stderr.write(`ceiling: watch ended (${String(err)}); watching again\n`);
  }
}
await client.close();
process.exit(failures === 0 ? 0 : 1);
