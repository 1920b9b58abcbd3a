import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from '../client/index.ts';
import { defineKind, type KubeObject } from '../core/index.ts';
import { watcher } from '../watch/index.ts';
import type { Cluster } from './cluster.ts';
import { cleanUpAfter, type TestScope } from './cleanup.ts';
import { type FakeKubeletPod, fakeKubeletAction, freePodIP, runningPodStatus } from './fake-pod-status.ts';

/**
 * Options of {@link startFakeKubelet}.
 *
 * @noExample Options of {@link startFakeKubelet}; its example shows them in use.
 */
export interface FakeKubeletOptions {
  /** The namespace whose Pods it runs. */
  namespace: string;
  /** The fake Node it binds Pods to, created when missing (shared by fake kubelets of other namespaces); defaults to `capstan-test-node`. */
  nodeName?: string;
  /** Stop it when `t` ends (before the namespace made earlier with the same `t` is deleted). */
  t?: TestScope;
  /** Stops it, as {@link FakeKubelet.stop} does. */
  signal?: AbortSignal;
}

/**
 * A fake kubelet started by {@link startFakeKubelet}; `await using` stops it too.
 *
 * @noExample Returned by {@link startFakeKubelet}; its example passes its `describe` to `eventually`.
 */
export interface FakeKubelet extends AsyncDisposable {
  /** The namespace whose Pods it runs. */
  readonly namespace: string;
  /** The fake Node it binds them to. */
  readonly nodeName: string;
  /** What it did so far and its last failed write, for a failure message (`eventually(…, { describe: kubelet.describe })`). */
  readonly describe: () => string;
  /**
   * Stop watching, then delete at once (grace period 0) the namespace's Pods still on its Node: with no kubelet
   * to confirm their deletion, they and their namespace would otherwise stay Terminating forever.
   */
  stop(): Promise<void>;
}

interface FakeNode extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

const Pod = defineKind<FakeKubeletPod>({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true });
const Node = defineKind<FakeNode>({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false });
const fieldManager = 'capstan-fake-kubelet';
const hostIP = '10.240.0.1';
const retryMs = 1_000;

/**
 * Play the scheduler's and the kubelet's parts for one namespace of the test control plane, which has neither:
 * every Pod of `namespace`, now or later (scale-ups, rollouts), is bound to a fake Node and reported Running
 * and Ready through `pods/status` (a `10.244.x.y` address unique in the namespace, every container running
 * and ready, Ready True once the Pod's readiness gates are), and a Pod deleted gracefully is deleted at once,
 * as a kubelet does once its containers stopped. With the control plane's `deployment`, `replicaset` and
 * `endpointslice` controllers ({@link ControlPlaneOptions.controllers}), Deployments then become Available and
 * Services get ready endpoints, as in a real cluster. Nothing runs: containers, probes and exit codes are not
 * simulated, and Pods that finished (Succeeded, Failed) are left alone.
 *
 * It returns once the Pods that exist are queued. Writes that fail are retried every second and shown by
 * `describe()`. It uses the cluster's admin client, so no RBAC is needed.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { createNamespace, eventually, startFakeKubelet, testCluster } from 'capstan/testing';
 * test('the Deployment becomes available', async (t) => {
 *   const cluster = await testCluster(t, { controllers: ['deployment', 'replicaset'] });
 *   const namespace = await createNamespace(cluster, 'demo', t);
 *   const kubelet = await startFakeKubelet(cluster, { namespace, t });
 *   // … create a Deployment in `namespace`, then:
 *   await eventually('the Deployment to be ready', async () => {
 *     const d = await cluster.admin.request<{ status?: { readyReplicas?: number } }>({
 *       path: `/apis/apps/v1/namespaces/${namespace}/deployments/web`,
 *     });
 *     return d.status?.readyReplicas === 2;
 *   }, { describe: kubelet.describe });
 * });
 * ```
 */
export async function startFakeKubelet(cluster: Cluster, options: FakeKubeletOptions): Promise<FakeKubelet> {
  const kubelet = new FakeKubeletLoop(cluster.admin, options.namespace, options.nodeName ?? 'capstan-test-node');
  const onAbort = () => void kubelet.stop().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.t) cleanUpAfter(options.t, () => kubelet.stop());
  try {
    options.signal?.throwIfAborted();
    await kubelet.start();
  } catch (err) {
    await kubelet.stop().catch(() => undefined);
    throw err;
  }
  return {
    namespace: kubelet.namespace,
    nodeName: kubelet.nodeName,
    describe: () => kubelet.describe(),
    stop: () => {
      options.signal?.removeEventListener('abort', onAbort);
      return kubelet.stop();
    },
    [Symbol.asyncDispose]: () => kubelet.stop(),
  };
}

/** The I/O around `fakeKubeletAction`: a watch that keeps the namespace's Pods, and a worker that acts on them. */
class FakeKubeletLoop {
  readonly namespace: string;
  readonly nodeName: string;
  private readonly admin: KubeClient;
  private readonly abort = new AbortController();
  private readonly pods = new Map<string, FakeKubeletPod>();
  private readonly pending = new Set<string>();
  /** Addresses given, by Pod uid: the watch may not have brought the Pod's new status back yet. */
  private readonly podIPs = new Map<string, string>();
  private readonly counts = { bound: 0, reported: 0, deleted: 0, failed: 0 };
  private lastFailure: string | undefined;
  private wake: (() => void) | undefined;
  private loops: Promise<unknown> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(admin: KubeClient, namespace: string, nodeName: string) {
    this.admin = admin;
    this.namespace = namespace;
    this.nodeName = nodeName;
  }

  async start(): Promise<void> {
    await this.ensureNode();
    let listed!: () => void;
    const firstList = new Promise<void>((resolve) => (listed = resolve));
    this.loops = Promise.all([this.watch(listed), this.work()]);
    await Promise.race([firstList, this.loops]);
  }

  describe(): string {
    const { bound, reported, deleted, failed } = this.counts;
    const waiting = [...this.pods.values()]
      .filter((pod) => fakeKubeletAction(pod, this.nodeName) !== 'none')
      .map((pod) => pod.metadata.name)
      .join(', ');
    return (
      `fake kubelet of ${this.namespace} on ${this.nodeName}: ${this.pods.size} Pods, bound ${bound}, reported ${reported}, ` +
      `deleted ${deleted}, failed writes ${failed}${waiting ? `; not done: ${waiting}` : ''}` +
      (this.lastFailure ? `; last failure: ${this.lastFailure}` : '')
    );
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      this.wake?.();
      await this.loops;
      await this.releasePods();
    })();
    return this.stopping;
  }

  /** The Node Pods are bound to: the endpointslice controller skips a Pod whose Node it cannot find. */
  private async ensureNode(): Promise<void> {
    const ready = { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'capstan fake kubelet' };
    const status = {
      conditions: [ready],
      addresses: [
        { type: 'InternalIP', address: hostIP },
        { type: 'Hostname', address: this.nodeName },
      ],
      capacity: { cpu: '16', memory: '64Gi', pods: '1000' },
      allocatable: { cpu: '16', memory: '64Gi', pods: '1000' },
    };
    const nodes = this.admin.resource(Node);
    let node: FakeNode;
    try {
      node = await nodes.create({ metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName } }, status });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await nodes.get(this.nodeName);
    }
    if (!node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      await nodes.mergePatch(this.nodeName, { status }, { status: true, fieldManager });
    }
  }

  private async watch(listed: () => void): Promise<void> {
    const { signal } = this.abort;
    let relisted: Map<string, FakeKubeletPod> | undefined;
    try {
      for await (const event of watcher(this.admin.resource(Pod), { namespace: this.namespace, signal })) {
        if (event.type === 'init') relisted = new Map();
        else if (event.type === 'initApply') relisted?.set(event.object.metadata.name!, event.object);
        else if (event.type === 'initDone') {
          this.pods.clear();
          for (const [name, pod] of relisted ?? []) this.pods.set(name, pod);
          for (const name of this.pods.keys()) this.pending.add(name);
          const uids = new Set([...this.pods.values()].map((pod) => pod.metadata.uid));
          for (const uid of this.podIPs.keys()) if (!uids.has(uid)) this.podIPs.delete(uid);
          relisted = undefined;
          this.wake?.();
          listed();
        } else if (event.type === 'apply') {
          this.pods.set(event.object.metadata.name!, event.object);
          this.pending.add(event.object.metadata.name!);
          this.wake?.();
        } else {
          this.pods.delete(event.object.metadata.name!);
          this.podIPs.delete(event.object.metadata.uid!);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  private async work(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const [name] = this.pending;
      if (name === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.pending.delete(name);
      const pod = this.pods.get(name);
      if (!pod) continue;
      try {
        await this.act(pod, signal);
      } catch (err) {
        if (signal.aborted) return;
        // A newer version of the Pod is on its way through the watch (conflict), or the Pod is gone.
        if (isConflict(err) || isNotFound(err)) continue;
        this.counts.failed++;
        this.lastFailure = `${name}: ${err instanceof Error ? err.message : String(err)}`;
        setTimeout(() => {
          this.pending.add(name);
          this.wake?.();
        }, retryMs).unref();
      }
    }
  }

  private async act(pod: FakeKubeletPod, signal: AbortSignal): Promise<void> {
    const name = pod.metadata.name!;
    const pods = this.admin.resource(Pod);
    switch (fakeKubeletAction(pod, this.nodeName)) {
      case 'bind':
        await this.admin.request({
          method: 'POST',
          path: `/api/v1/namespaces/${this.namespace}/pods/${name}/binding`,
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
          signal,
        });
        this.counts.bound++;
        return;
      case 'report': {
        const uid = pod.metadata.uid!;
        let podIP = pod.status?.podIP ?? this.podIPs.get(uid);
        if (!podIP) {
          podIP = freePodIP(new Set([...this.pods.values()].flatMap((p) => p.status?.podIP ?? []).concat([...this.podIPs.values()])));
          this.podIPs.set(uid, podIP);
        }
        const status = runningPodStatus(pod, { podIP, hostIP, now: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
        // The resourceVersion makes it a compare-and-swap: conditions written meanwhile (a readiness gate) are not lost.
        await pods.mergePatch(
          name,
          { metadata: { resourceVersion: pod.metadata.resourceVersion }, status },
          {
            namespace: this.namespace,
            status: true,
            fieldManager,
            signal,
          },
        );
        this.counts.reported++;
        return;
      }
      case 'finishDeletion':
        await pods.delete(name, { namespace: this.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid }, signal });
        this.counts.deleted++;
        return;
      case 'none':
        return;
    }
  }

  private async releasePods(): Promise<void> {
    const pods = this.admin.resource(Pod);
    const left = await pods.listAll({ namespace: this.namespace, fieldSelector: `spec.nodeName=${this.nodeName}` });
    await Promise.all(
      left.items.map((pod) =>
        pods
          .delete(pod.metadata.name!, { namespace: this.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
          .catch((err: unknown) => {
            if (!isNotFound(err) && !isConflict(err)) throw err;
          }),
      ),
    );
  }
}
