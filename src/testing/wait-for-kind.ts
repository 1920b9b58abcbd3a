import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isApiError, isNotFound, type KubeClient } from '../client/index.ts';
import { ControlPlaneError } from './errors.ts';
import { createServiceAccountKubeconfig, deleteIfPresent } from './service-account.ts';
import { KubeClient as Client } from '../client/index.ts';

/**
 * What {@link Cluster.waitForKind} found out about a kind from discovery: its resource name and scope.
 *
 * @noExample Returned by {@link Cluster.waitForKind}, whose example shows the call.
 */
export interface KindInfo {
  /** The API group, such as `apps.example.com` (`''` for the core group). */
  group: string;
  /** The API version, such as `v1alpha1`. */
  version: string;
  /** The kind, such as `HelloWorld`. */
  kind: string;
  /** The resource name, such as `helloworlds`. */
  plural: string;
  /** Whether objects of the kind live in a namespace. */
  namespaced: boolean;
}

/**
 * Options of {@link Cluster.waitForKind}.
 *
 * @noExample Options of {@link Cluster.waitForKind}; its example shows them in use.
 */
export interface WaitForKindOptions {
  /** Fields for the throwaway owners the garbage-collector probe creates (e.g. `{ spec: { name: 'probe' } }`). */
  probeFields?: Record<string, unknown>;
  /** Defaults to 150 s: a kind installed after the control plane started waits up to 30 s for each discovery reread, more on a busy machine. */
  timeoutMs?: number;
  /**
   * Progress lines: what it waits for once the kind is not usable within 5 s (and why), then how long it took.
   * Nothing is written by default.
   */
  log?: (line: string) => void;
  /** Abandons the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean }>;
}

interface Context {
  admin: KubeClient;
  caCertPath: string;
  dir: string;
}

/**
 * How long the probes may take before a wait is announced. They pass within a second when the kind is known,
 * or two when its CRD became Established less than 2 s before: the API server holds the first creates of a
 * kind that new for 2 s (`crdHandler.serveResource`, for HA servers that have not seen the CRD yet).
 */
const announceAfterMs = 5_000;

/**
 * Wait until a newly installed kind is usable for ownership, which takes more than being served. Each step is
 * tried at once and then polled tightly, so it returns as soon as all of them hold:
 *
 * 1. discovery lists it (`GET /apis/<group>/<version>`);
 * 2. the garbage collector has picked it up: a throwaway owner of the kind is deleted and its ConfigMap
 *    dependent disappears. kube-controller-manager reads discovery when it starts, then resets its RESTMapper
 *    and resyncs the collector's monitors from discovery every 30 s (`garbagecollector.Sync`; both periods
 *    hard-coded, no flag), so a kind installed after it started is not collected until the next of those;
 * 3. the API server's admission knows it: a throwaway ServiceAccount allowed to create ConfigMaps and update
 *    `<plural>/finalizers` can dry-run-create a ConfigMap with `blockOwnerDeletion` pointing at the kind
 *    (admins skip the check). OwnerReferencesPermissionEnforcement maps kinds with a discovery RESTMapper that
 *    fills on its first use and is reset only every 30 s (the `start-apiserver-admission-initializer`
 *    post-start hook), so a kind is known at once unless a non-admin set `blockOwnerDeletion` since the last
 *    reset but before the kind was served.
 *
 * CRDs given to `startControlPlane({ crds })` are served before kube-controller-manager starts and before any
 * operator runs: both know them from the start.
 */
export async function waitForKind(
  ctx: Context,
  group: string,
  version: string,
  kind: string,
  options: WaitForKindOptions = {},
): Promise<KindInfo> {
  const timeoutMs = options.timeoutMs ?? 150_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const pending = new Set([`discovery of ${group}/${version} to list ${kind}`]);
  const announce = setTimeout(
    () =>
      options.log?.(
        `waiting for ${[...pending].join(' and ')}: a kind installed after the control plane started waits up to 30 s ` +
          '(CRDs given to startControlPlane({ crds }) are known from the start)',
      ),
    announceAfterMs,
  );
  try {
    const info = await poll(signal, async () => {
      const list = await ctx.admin.request<ApiResourceList>({ path: groupVersionPath(group, version), signal }).catch((err: unknown) => {
        if (isNotFound(err) || (isApiError(err) && err.code === 'SERVICE_UNAVAILABLE')) return undefined;
        throw err;
      });
      const resource = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      return resource && { group, version, kind, plural: resource.name, namespaced: resource.namespaced };
    });
    pending.clear();
    // The two probes are independent (each waits for its own discovery reread): run them side by side.
    const gc = `the garbage collector to cascade deletes from ${kind} (it rereads discovery every 30 s)`;
    const admission = `admission to accept blockOwnerDeletion to ${kind} from a ServiceAccount (its RESTMapper resets every 30 s)`;
    pending.add(gc).add(admission);
    const failed = new AbortController(); // one probe failing stops the other
    const probeSignal = AbortSignal.any([signal, failed.signal]);
    await Promise.all(
      [
        probeGarbageCollector(ctx, info, options.probeFields ?? {}, probeSignal).then(() => pending.delete(gc)),
        probeOwnerAdmission(ctx, info, probeSignal).then(() => pending.delete(admission)),
      ].map((probe) =>
        probe.catch((err: unknown) => {
          failed.abort(err);
          throw err;
        }),
      ),
    );
    options.log?.(`${kind} is usable as an owner after ${seconds()} s`);
    return info;
  } catch (err) {
    if (timeout.aborted && !options.signal?.aborted) {
      throw new ControlPlaneError(
        'TIMEOUT',
        `waitForKind(${group}, ${version}, ${kind}): still waiting for ${[...pending].join(' and ')} after ${Math.round((Date.now() - started) / 1000)} s`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(announce);
  }
}

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** `attempt` at once, then again every 25, 50, 100, 200, then 250 ms until it gives a value. */
async function poll<T>(signal: AbortSignal, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let n = 0; ; n++) {
    signal.throwIfAborted();
    const result = await attempt();
    if (result !== undefined) return result;
    await sleep(Math.min(250, 25 * 2 ** n), undefined, { signal });
  }
}

const probeNamespace = 'default';
/**
 * When the garbage-collector probe starts over with a fresh owner and dependent: 0.25 s after the first pair,
 * then 0.5, 1 and every 2 s. The collector retries the owner of a pair it could not resolve after 5 ms,
 * doubling each time (its workqueue's rate limiter), so once it knows the kind, only a young pair is collected
 * soon: a pair made 10 s before is next looked at up to 10 s later.
 */
const pairDelayMs = (pairs: number) => Math.min(2_000, 250 * 2 ** (pairs - 1));

/**
 * Create an owner of the kind and a ConfigMap it owns, delete the owner, and wait until the collector deletes
 * the ConfigMap. While the collector does not know the kind, the pair's ConfigMap stays; fresh pairs are made
 * (see {@link pairDelayMs}) and the first one collected is the proof.
 * Whatever ConfigMaps are left are deleted on the way out.
 */
async function probeGarbageCollector(ctx: Context, info: KindInfo, fields: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  const probe = `capstan-probe-${randomBytes(4).toString('hex')}`;
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const ownerPath = `${groupVersionPath(info.group, info.version)}/${info.namespaced ? `namespaces/${probeNamespace}/` : ''}${info.plural}`;
  const dependentPath = `/api/v1/namespaces/${probeNamespace}/configmaps`;
  const dependents: string[] = [];
  const addPair = async () => {
    const name = `${probe}-${dependents.length}`;
    const owner = await ctx.admin.request<{ metadata: { uid: string } }>({
      method: 'POST',
      path: ownerPath,
      body: { apiVersion, kind: info.kind, metadata: { name }, ...fields },
      signal,
    });
    await ctx.admin.request({
      method: 'POST',
      path: dependentPath,
      body: {
        metadata: {
          name,
          labels: { 'app.kubernetes.io/managed-by': 'capstan-wait-for-kind', 'app.kubernetes.io/instance': probe },
          ownerReferences: [ownerReference(info, name, owner.metadata.uid)],
        },
      },
      signal,
    });
    dependents.push(name);
    await ctx.admin.request({ method: 'DELETE', path: `${ownerPath}/${name}`, body: { propagationPolicy: 'Background' }, signal });
  };
  try {
    let nextPairAt = 0; // the first pair at once
    await poll(signal, async () => {
      if (Date.now() >= nextPairAt) {
        await addPair();
        nextPairAt = Date.now() + pairDelayMs(dependents.length);
      }
      const left = await ctx.admin.request<{ items: Array<{ metadata: { name: string } }> }>({
        path: dependentPath,
        query: { labelSelector: `app.kubernetes.io/instance=${probe}` },
        signal,
      });
      const remaining = new Set(left.items.map((item) => item.metadata.name));
      return dependents.some((name) => !remaining.has(name)) ? true : undefined;
    });
  } finally {
    await Promise.all(dependents.map((name) => deleteIfPresent(ctx.admin, `${dependentPath}/${name}`)));
  }
}

function ownerReference(info: KindInfo, name: string, uid: string) {
  return {
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

async function probeOwnerAdmission(ctx: Context, info: KindInfo, signal: AbortSignal): Promise<void> {
  const name = `capstan-probe-${randomBytes(4).toString('hex')}`;
  const credentials = await createServiceAccountKubeconfig(ctx.admin, ctx.caCertPath, ctx.dir, {
    namespace: probeNamespace,
    name,
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete'] },
      { apiGroups: [info.group], resources: [`${info.plural}/finalizers`], verbs: ['update'] },
    ],
    expirationSeconds: 600,
  });
  const client = await Client.fromKubeconfig({ kubeconfigPath: credentials.kubeconfigPath });
  try {
    await poll(signal, async () => {
      try {
        await client.request({
          method: 'POST',
          path: `/api/v1/namespaces/${probeNamespace}/configmaps`,
          query: { dryRun: 'All' },
          body: { metadata: { name, ownerReferences: [ownerReference(info, name, randomUUID())] } },
          signal,
        });
        return true;
      } catch (err) {
        // Refused until admission knows the kind (and, for a moment, until the RBAC just granted applies).
        if (isApiError(err) && err.code === 'FORBIDDEN') return undefined;
        throw err;
      }
    });
  } finally {
    await client.close();
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${probeNamespace}`;
    await Promise.all([
      deleteIfPresent(ctx.admin, `/api/v1/namespaces/${probeNamespace}/serviceaccounts/${name}`),
      deleteIfPresent(ctx.admin, `${rbac}/roles/${name}`),
      deleteIfPresent(ctx.admin, `${rbac}/rolebindings/${name}`),
    ]);
  }
}
