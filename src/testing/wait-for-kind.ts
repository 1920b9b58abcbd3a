import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type KubeClient } from '../client/index.ts';
import { ControlPlaneError } from './errors.ts';
import { createServiceAccountKubeconfig, deleteIfPresent } from './service-account.ts';
import { KubeClient as Client } from '../client/index.ts';

/** What {@link waitForKind} found out about a kind. */
export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  /** The resource name, such as `helloworlds`. */
  plural: string;
  namespaced: boolean;
}

/** Options of {@link waitForKind}. */
export interface WaitForKindOptions {
  /** Fields for the throwaway owner the garbage-collector probe creates (e.g. `{ spec: { name: 'probe' } }`). */
  probeFields?: Record<string, unknown>;
  /** Defaults to 150 s: two of the 30 s discovery rereads, plus the API server's start-up on 2 cores. */
  timeoutMs?: number;
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
 * Wait until a newly installed kind is usable for ownership, which takes more than being served:
 *
 * 1. discovery lists it (`GET /apis/<group>/<version>`);
 * 2. the garbage collector has picked it up: a throwaway owner of the kind is deleted and its ConfigMap
 *    dependent disappears (the collector rereads discovery every 30 s);
 * 3. the API server's admission RESTMapper knows it: a throwaway ServiceAccount allowed to create ConfigMaps
 *    and update `<plural>/finalizers` can dry-run-create a ConfigMap with `blockOwnerDeletion` pointing at
 *    the kind (until then non-admins get 403; admins skip the check).
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
  let stage = () => `discovery of ${group}/${version} to list ${kind}`;
  try {
    const info = await poll(signal, async () => {
      const list = await ctx.admin.request<ApiResourceList>({ path: groupVersionPath(group, version) }).catch((err: unknown) => {
        if (err instanceof ApiError && (err.code === 404 || err.code === 503)) return undefined;
        throw err;
      });
      const resource = list?.resources.find((r) => r.kind === kind && !r.name.includes('/'));
      return resource && { group, version, kind, plural: resource.name, namespaced: resource.namespaced };
    });
    // The two probes are independent (each waits for its own 30 s discovery reread): run them side by side.
    const pending = new Set([
      `the garbage collector to cascade deletes from ${kind}`,
      `the API server's admission to accept blockOwnerDeletion to ${kind} from a ServiceAccount`,
    ]);
    const [gc, admission] = [...pending];
    stage = () => [...pending].join(' and ');
    const failed = new AbortController(); // one probe failing stops the other
    const probeSignal = AbortSignal.any([signal, failed.signal]);
    await Promise.all(
      [
        probeGarbageCollector(ctx, info, options.probeFields ?? {}, probeSignal).then(() => pending.delete(gc!)),
        probeOwnerAdmission(ctx, info, probeSignal).then(() => pending.delete(admission!)),
      ].map((probe) =>
        probe.catch((err: unknown) => {
          failed.abort(err);
          throw err;
        }),
      ),
    );
    return info;
  } catch (err) {
    if (timeout.aborted && !options.signal?.aborted) {
      throw new ControlPlaneError(
        'TIMEOUT',
        `waitForKind(${group}, ${version}, ${kind}): still waiting for ${stage()} after ${Math.round((Date.now() - started) / 1000)} s`,
        { cause: err },
      );
    }
    throw err;
  }
}

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

async function poll<T>(signal: AbortSignal, attempt: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    const result = await attempt();
    if (result !== undefined) return result;
    await sleep(500, undefined, { signal });
  }
}

const probeNamespace = 'default';

async function probeGarbageCollector(ctx: Context, info: KindInfo, fields: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  const name = `capstan-probe-${randomBytes(4).toString('hex')}`;
  const ownerPath = `${groupVersionPath(info.group, info.version)}/${info.namespaced ? `namespaces/${probeNamespace}/` : ''}${info.plural}`;
  const owner = await ctx.admin.request<{ metadata: { uid: string } }>({
    method: 'POST',
    path: ownerPath,
    body: { apiVersion: info.group ? `${info.group}/${info.version}` : info.version, kind: info.kind, metadata: { name }, ...fields },
  });
  const dependentPath = `/api/v1/namespaces/${probeNamespace}/configmaps`;
  await ctx.admin.request({
    method: 'POST',
    path: dependentPath,
    body: { metadata: { name, ownerReferences: [ownerReference(info, name, owner.metadata.uid)] } },
  });
  await ctx.admin.request({ method: 'DELETE', path: `${ownerPath}/${name}`, body: { propagationPolicy: 'Background' } });
  await poll(signal, async () => {
    try {
      await ctx.admin.request({ path: `${dependentPath}/${name}` });
      return undefined;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') return true;
      throw err;
    }
  });
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
        });
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Forbidden') return undefined;
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
