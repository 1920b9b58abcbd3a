// The HelloWorld operator written with nothing but @kubernetes/client-node, the way its documentation shows:
// a KubeConfig loaded from the default places ($KUBECONFIG), API clients from kc.makeApiClient, and
// makeInformer(kc, path, listFn) caches whose add/update/delete callbacks feed a small work queue. It is the
// benchmark's plain-Node peer (bench/README.md). client-node has no client-side throttling to turn off.
//
// Same behaviour as examples/hello-world: a ConfigMap named like the HelloWorld with data.message =
// spec.name, a controller ownerReference and the managed-by label; status.observedGeneration and a Ready
// condition (merge patch of the status subresource); a Normal Created (or Updated) event when the
// ConfigMap was written, sent without waiting for it (as the other peers' recorders do). Workers:
// --workers (4, as the other peers).
import {
  ApiException,
  CoreV1Api,
  type CoreV1Event,
  CustomObjectsApi,
  type KubernetesListObject,
  type KubernetesObject,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Condition,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const group = 'apps.example.com';
const version = 'v1alpha1';
const plural = 'helloworlds';
const managedBy = 'hello-world-operator';
const labelSelector = `app.kubernetes.io/managed-by=${managedBy}`;

interface HelloWorld extends KubernetesObject {
  spec: { name: string };
  status?: { observedGeneration?: number; conditions?: V1Condition[] };
}

const { values: flags } = parseArgs({ options: { workers: { type: 'string', default: '4' } } });
const workers = Number(flags.workers);

const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

const helloWorlds = makeInformer<HelloWorld>(
  kc,
  `/apis/${group}/${version}/${plural}`,
  () => custom.listClusterCustomObject({ group, version, plural }) as Promise<KubernetesListObject<HelloWorld>>,
);
const configMaps = makeInformer<V1ConfigMap>(
  kc,
  '/api/v1/configmaps',
  () => core.listConfigMapForAllNamespaces({ labelSelector }),
  labelSelector,
);

// --- a work queue: a key is never reconciled twice at once; a key changed while in flight runs again after.
const pending: string[] = [];
const queued = new Set<string>();
const active = new Set<string>();
const dirty = new Set<string>();
const backoff = new Map<string, number>();
/** Idle workers, each waiting for a key; one enqueue wakes one of them. */
const idle: Array<() => void> = [];

function enqueue(key: string): void {
  if (active.has(key)) {
    dirty.add(key);
    return;
  }
  if (queued.has(key)) return;
  queued.add(key);
  pending.push(key);
  idle.shift()?.();
}

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

helloWorlds.on('add', (hw) => enqueue(keyOf(hw)));
helloWorlds.on('update', (hw) => enqueue(keyOf(hw)));
for (const verb of ['add', 'update', 'delete'] as const) {
  configMaps.on(verb, (cm) => {
    const owner = cm.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === 'HelloWorld');
    if (owner) enqueue(`${cm.metadata?.namespace}/${owner.name}`);
  });
}
for (const informer of [helloWorlds, configMaps]) {
  // As the documentation's example: on an error, start the informer again a little later.
  informer.on('error', (err) => {
    process.stderr.write(`informer error: ${String(err)}; restarting in 1 s\n`);
    setTimeout(() => void informer.start(), 1000);
  });
}

function ownedBy(cm: V1ConfigMap, hw: HelloWorld): boolean {
  return cm.metadata?.ownerReferences?.some((ref) => ref.controller && ref.uid === hw.metadata?.uid) ?? false;
}

async function recordEvent(hw: HelloWorld, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
  const now = new Date();
  const event: CoreV1Event = {
    metadata: { name: `${hw.metadata!.name}.${randomBytes(8).toString('hex')}`, namespace: hw.metadata!.namespace! },
    involvedObject: {
      apiVersion: `${group}/${version}`,
      kind: 'HelloWorld',
      name: hw.metadata!.name!,
      namespace: hw.metadata!.namespace!,
      uid: hw.metadata!.uid!,
      resourceVersion: hw.metadata!.resourceVersion!,
    },
    type,
    reason,
    message,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    source: { component: managedBy },
    reportingComponent: managedBy,
  };
  await core.createNamespacedEvent({ namespace: hw.metadata!.namespace!, body: event });
}

/** {@link recordEvent} without waiting for it: a failure is logged, never retried, never fails the reconcile. */
function sendEvent(hw: HelloWorld, type: 'Normal' | 'Warning', reason: string, message: string): void {
  recordEvent(hw, type, reason, message).catch((err: unknown) => {
    process.stderr.write(`event ${reason} about ${keyOf(hw)} not written: ${String(err)}\n`);
  });
}

async function setReady(hw: HelloWorld, status: 'True' | 'False', reason: string, message: string): Promise<void> {
  const ready = hw.status?.conditions?.find((c) => c.type === 'Ready');
  const generation = hw.metadata!.generation!;
  if (hw.status?.observedGeneration === generation && ready?.status === status && ready.reason === reason) return;
  const condition: V1Condition = {
    type: 'Ready',
    status,
    reason,
    message,
    observedGeneration: generation,
    lastTransitionTime: ready && ready.status === status ? ready.lastTransitionTime : new Date(),
  };
  await custom.patchNamespacedCustomObjectStatus(
    {
      group,
      version,
      plural,
      namespace: hw.metadata!.namespace!,
      name: hw.metadata!.name!,
      body: { status: { observedGeneration: generation, conditions: [condition] } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function reconcile(key: string): Promise<void> {
  const [namespace, name] = key.split('/') as [string, string];
  const hw = helloWorlds.get(name, namespace);
  // Gone, or going: the garbage collector deletes the ConfigMap through its ownerReference.
  if (!hw || hw.metadata?.deletionTimestamp) return;
  const message = hw.spec.name;
  const cm = configMaps.get(name, namespace);
  let written: 'Created' | 'Updated' | undefined;
  if (!cm) {
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': managedBy },
          ownerReferences: [
            {
              apiVersion: `${group}/${version}`,
              kind: 'HelloWorld',
              name,
              uid: hw.metadata!.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { message },
      },
    });
    written = 'Created';
  } else if (!ownedBy(cm, hw)) {
    await setReady(hw, 'False', 'ConfigMapExists', `ConfigMap ${name} exists and is not controlled by this HelloWorld`);
    return;
  } else if (cm.data?.['message'] !== message) {
    await core.replaceNamespacedConfigMap({ name, namespace, body: { ...cm, data: { ...cm.data, message } } });
    written = 'Updated';
  }
  // The event goes out in the background, as controller-runtime's recorder and Capstan's send theirs: the
  // reconcile makes two writes in series (ConfigMap, then status), not three.
  if (written) sendEvent(hw, 'Normal', written, `${written} ConfigMap ${name}`);
  await setReady(hw, 'True', 'Reconciled', `ConfigMap ${name} carries spec.name as data.message`);
}

await Promise.all([helloWorlds.start(), configMaps.start()]);
process.stdout.write('synced\n');
process.once('SIGTERM', () => {
  void Promise.all([helloWorlds.stop(), configMaps.stop()]).then(() => process.exit(0));
});
await Promise.all(
  Array.from({ length: workers }, async () => {
    for (;;) {
      if (pending.length === 0) await new Promise<void>((resolve) => idle.push(resolve));
      await processNext();
    }
  }),
);

async function processNext(): Promise<void> {
  const key = pending.shift();
  if (key === undefined) return;
  queued.delete(key);
  active.add(key);
  try {
    await reconcile(key);
    backoff.delete(key);
  } catch (err) {
    // A 409 (a stale cache, or a ConfigMap that exists already) or any other failure: retry with backoff.
    const delay = Math.min((backoff.get(key) ?? 50) * 2, 10_000);
    backoff.set(key, delay);
    if (!(err instanceof ApiException && err.code === 409)) process.stderr.write(`reconcile ${key} failed: ${String(err)}\n`);
    setTimeout(() => enqueue(key), delay);
  } finally {
    active.delete(key);
    if (dirty.delete(key)) enqueue(key);
  }
}
