import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { KubeClient } from '../client/index.ts';
import type { CustomResourceDefinition } from '../crd/index.ts';
import { type ControlPlaneAssets, type ControlPlaneVersions, controlPlaneVersions, ensureAssets } from './assets.ts';
import { type BuiltInController, controllersFlag } from './built-in-controllers.ts';
import { createCertificates, type ControlPlaneCertificates } from './certificates.ts';
import { Cluster } from './cluster.ts';
import { type ControlPlaneComponent, SupervisedComponent } from './component.ts';
import { installCrds, loadCrds } from './crds.ts';
import { ControlPlaneError } from './errors.ts';
import { writeKubeconfig } from './kubeconfig-file.ts';
import { freePort } from './ports.ts';

/**
 * Options of {@link startControlPlane}, and of the control plane {@link testCluster} starts when it shares none.
 *
 * @noExample Options of {@link startControlPlane}; its example shows them in use.
 */
export interface ControlPlaneOptions {
  /** Extra kube-apiserver flags; a flag given here replaces Capstan's value for it (e.g. `--watch-cache=false`). */
  apiServerFlags?: string[];
  /** Extra kube-controller-manager flags; a `--controllers` given here replaces the one `controllers` makes. */
  controllerManagerFlags?: string[];
  /**
   * kube-controller-manager controllers to run besides the garbage collector and the namespace controller,
   * so that a test sees what the real ones do with built-in kinds: `['deployment', 'replicaset']` makes
   * ReplicaSets and Pods of a Deployment and reports its rollout, `endpointslice` fills the EndpointSlices of
   * a Service. There is no scheduler and no kubelet: Pods stay Pending unless {@link startFakeKubelet}
   * binds them to a fake Node and reports them Running and Ready.
   *
   * @example
   * ```ts
   * import { startControlPlane } from 'capstan/testing';
   * const cp = await startControlPlane({ controllers: ['deployment', 'replicaset', 'endpointslice'] });
   * await cp.stop();
   * ```
   */
  controllers?: readonly BuiltInController[];
  /**
   * CRDs to install before kube-controller-manager starts: objects, or paths to YAML files or folders of them
   * (a project's `config/crd`). Served before `startControlPlane` returns, and known from the start to the
   * garbage collector and to admission, so `waitForKind` on them returns as soon as its probes pass instead of
   * waiting up to 30 s for their discovery rereads. A kind installed later still works, after that wait.
   */
  crds?: ReadonlyArray<CustomResourceDefinition | string>;
  /** Where the control plane keeps its files; defaults to a new temp dir, removed by `stop()`. */
  dir?: string;
  /** Progress lines (build, start); defaults to stderr. */
  log?: (line: string) => void;
  /** Abandons the start, the build of the binaries included: what was started is stopped and the promise rejects. */
  signal?: AbortSignal;
}

/**
 * What {@link startControlPlane} returns: a {@link Cluster} (where to reach it, the admin client, the helpers),
 * plus controls of each component and of etcd, for tests of an operator under faults.
 *
 * @example
 * ```ts
 * import { startControlPlane } from 'capstan/testing';
 * const cp = await startControlPlane();
 * // Compacting makes a watch resumed from an older resourceVersion fail with 410 Gone, as in a long-lived cluster.
 * const { revision } = await cp.compactEtcd();
 * console.log(cp.versions.kubernetes, revision);
 * await cp.stop();
 * ```
 */
export interface ControlPlane extends Cluster {
  /** etcd's client URL (plain HTTP on loopback), for tests that read or compact what the API server stored. */
  readonly etcdUrl: string;
  /** The folder of its files: certificates, kubeconfigs, logs, the audit log and etcd's data. */
  readonly dir: string;
  /** The binaries it runs. */
  readonly assets: ControlPlaneAssets;
  /** The pinned versions ({@link controlPlaneVersions}); binaries taken from `CAPSTAN_ASSETS` or `KUBEBUILDER_ASSETS` may differ. */
  readonly versions: ControlPlaneVersions;
  /** Controls of etcd. */
  readonly etcd: ControlPlaneComponent;
  /** Controls of kube-apiserver: pause it to make it hang, restart it to drop every connection. */
  readonly apiServer: ControlPlaneComponent;
  /** Controls of kube-controller-manager (the garbage collector, the namespace controller and the `controllers` asked for). */
  readonly controllerManager: ControlPlaneComponent;
  /** Compact etcd up to its current revision (as the API server does every 5 minutes); returns that revision. */
  compactEtcd(): Promise<{
    /** The etcd revision compacted up to: resourceVersions older than it are gone. */
    revision: number;
  }>;
  /** Stop every component in reverse order and remove the temp dir. */
  stop(): Promise<void>;
}

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`;

/**
 * Start a real control plane on random loopback ports with fresh certificates: etcd, kube-apiserver (RBAC,
 * audit log, `OwnerReferencesPermissionEnforcement`) and kube-controller-manager running the garbage-collector
 * and namespace controllers, so ownerReferences cascade and namespaces finish deleting, plus the `controllers`
 * asked for (Deployments, ReplicaSets, EndpointSlices, …; Pods need {@link startFakeKubelet} to run).
 * Binaries are built on first use (see {@link ensureAssets}). No component outlives this process.
 *
 * Give it the CRDs your operator owns objects through (`crds`): installed before kube-controller-manager
 * starts, they are usable as owners at once, where a CRD installed later waits up to 30 s for the garbage
 * collector's and admission's discovery rereads (see {@link Cluster.waitForKind}).
 *
 * @example
 * ```ts
 * import { startControlPlane } from 'capstan/testing';
 * const cp = await startControlPlane({ crds: ['config/crd'], apiServerFlags: ['--watch-cache=false'] });
 * try {
 *   await cp.waitForKind('apps.example.com', 'v1alpha1', 'HelloWorld', { probeFields: { spec: { name: 'probe' } } });
 *   console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
 * } finally {
 *   await cp.stop();
 * }
 * ```
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[capstan] ${line}\n`));
  const crds = await loadCrds(options.crds ?? []); // a mistyped path fails before anything is built or started
  controllersFlag(options.controllers ?? []); // and so does an unknown controller
  const assets = await ensureAssets({ log, signal: options.signal });
  const versions = await controlPlaneVersions();
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'capstan-cp-')));
    try {
      return await LocalControlPlane.start(dir, assets, versions, crds, options, log);
    } catch (err) {
      lastError = err;
      if (!options.dir) await rm(dir, { recursive: true, force: true });
      if (!(err instanceof ControlPlaneError) || err.code === 'INVALID_CRD' || options.signal?.aborted) throw err;
      if (attempt < 3) log(`control plane start failed (attempt ${attempt} of 3), retrying on new ports: ${err.message.split('\n')[0]}`);
    }
  }
  throw lastError;
}

/** Merge flag lists: a later `--name=value` replaces an earlier one of the same name. */
export function mergeFlags(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const flag of [...base, ...extra]) byName.set(flag.split('=')[0]!, flag);
  return [...byName.values()];
}

interface LocalControlPlaneParts {
  dir: string;
  ownsDir: boolean;
  assets: ControlPlaneAssets;
  versions: ControlPlaneVersions;
  etcdUrl: string;
  etcd: SupervisedComponent;
  apiServer: SupervisedComponent;
  controllerManager: SupervisedComponent;
  admin: KubeClient;
  kubeconfigPath: string;
  certs: ControlPlaneCertificates;
  auditLogPath: string;
}

class LocalControlPlane extends Cluster implements ControlPlane {
  readonly dir: string;
  readonly assets: ControlPlaneAssets;
  readonly versions: ControlPlaneVersions;
  readonly etcdUrl: string;
  readonly etcd: SupervisedComponent;
  readonly apiServer: SupervisedComponent;
  readonly controllerManager: SupervisedComponent;
  private readonly ownsDir: boolean;
  private readonly exitHook = () => this.killNow();

  private constructor(parts: LocalControlPlaneParts) {
    super({
      admin: parts.admin,
      kubeconfigPath: parts.kubeconfigPath,
      caCertPath: parts.certs.caCert,
      auditLogPath: parts.auditLogPath,
      dir: parts.dir,
      etcdUrl: parts.etcdUrl,
    });
    this.dir = parts.dir;
    this.ownsDir = parts.ownsDir;
    this.assets = parts.assets;
    this.versions = parts.versions;
    this.etcdUrl = parts.etcdUrl;
    this.etcd = parts.etcd;
    this.apiServer = parts.apiServer;
    this.controllerManager = parts.controllerManager;
  }

  static async start(
    dir: string,
    assets: ControlPlaneAssets,
    versions: ControlPlaneVersions,
    crds: readonly CustomResourceDefinition[],
    options: ControlPlaneOptions,
    log: (line: string) => void,
  ): Promise<LocalControlPlane> {
    const started = Date.now();
    const certDir = join(dir, 'pki');
    await mkdir(certDir, { recursive: true });
    const [certs, etcdPort, etcdPeerPort, apiPort, kcmPort] = await Promise.all([
      createCertificates(certDir),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    const auditLogPath = join(dir, 'audit.log');
    await writeFile(join(dir, 'audit-policy.yaml'), auditPolicy);
    await writeKubeconfig(kubeconfigPath, apiServerUrl, certs.caCert, {
      name: 'capstan-admin',
      clientCertPath: certs.adminCert,
      clientKeyPath: certs.adminKey,
    });

    const etcd = new SupervisedComponent({
      name: 'etcd',
      command: assets.etcd,
      logPath: join(dir, 'etcd.log'),
      cleanupDir: dir,
      readyTimeoutMs: 30_000,
      args: [
        '--name=default',
        `--data-dir=${join(dir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      ready: async (signal) => (await request(`${etcdUrl}/health`, { signal })).statusCode === 200,
    });

    const admin = await KubeClient.fromKubeconfig({ kubeconfigPath, timeoutMs: 10_000 });
    const apiFlags = mergeFlags(
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${certDir}`,
        `--tls-cert-file=${certs.servingCert}`,
        `--tls-private-key-file=${certs.servingKey}`,
        `--client-ca-file=${certs.caCert}`,
        '--authorization-mode=Node,RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
        '--endpoint-reconciler-type=none',
        `--service-account-issuer=${apiServerUrl}/`,
        `--service-account-key-file=${certs.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${certs.serviceAccountKey}`,
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
        `--audit-log-path=${auditLogPath}`,
        '--audit-log-format=json',
        '--audit-log-maxbackup=0',
        '--audit-log-maxsize=0',
        '--profiling=false',
      ],
      options.apiServerFlags ?? [],
    );
    const probeAgent = new Agent({ connect: { rejectUnauthorized: false } });
    const apiServer = new SupervisedComponent({
      name: 'kube-apiserver',
      command: assets.kubeApiserver,
      args: apiFlags,
      logPath: join(dir, 'kube-apiserver.log'),
      cleanupDir: dir,
      readyTimeoutMs: 120_000,
      graceMs: 10_000,
      ready: async (signal) => {
        const readyz = await request(`${apiServerUrl}/readyz`, { signal, dispatcher: probeAgent });
        await readyz.body.dump();
        if (readyz.statusCode !== 200) return false;
        await admin.request({ path: '/api/v1/namespaces/default', signal });
        return true;
      },
    });

    const kcmFlags = mergeFlags(
      [
        `--kubeconfig=${kubeconfigPath}`,
        controllersFlag(options.controllers ?? []),
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, 'kcm-pki')}`,
      ],
      options.controllerManagerFlags ?? [],
    );
    const controllerManager = new SupervisedComponent({
      name: 'kube-controller-manager',
      command: assets.kubeControllerManager,
      args: kcmFlags,
      logPath: join(dir, 'kube-controller-manager.log'),
      cleanupDir: dir,
      readyTimeoutMs: 60_000,
      ready: async (signal) => {
        const healthz = await request(`https://127.0.0.1:${kcmPort}/healthz`, { signal, dispatcher: probeAgent });
        await healthz.body.dump();
        return healthz.statusCode === 200;
      },
    });

    const cp = new LocalControlPlane({
      dir,
      ownsDir: options.dir === undefined,
      assets,
      versions,
      etcdUrl,
      etcd,
      apiServer,
      controllerManager,
      admin,
      kubeconfigPath,
      certs,
      auditLogPath,
    });
    process.on('exit', cp.exitHook);
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    try {
      for (const component of [etcd, apiServer]) {
        await component.start(options.signal);
        log(`${component.name} ready after ${elapsed()}`);
      }
      // Before kube-controller-manager: its garbage collector reads discovery as it starts, then every 30 s.
      if (crds.length > 0) {
        await installCrds(admin, crds, { signal: options.signal });
        log(`${crds.map((crd) => crd.metadata.name).join(', ')} served after ${elapsed()}`);
      }
      await controllerManager.start(options.signal);
      log(`${controllerManager.name} ready after ${elapsed()}`);
    } catch (err) {
      await cp.stop();
      throw err;
    }
    return cp;
  }

  async compactEtcd(): Promise<{ revision: number }> {
    const range = await request(`${this.etcdUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
    const { header } = (await range.body.json()) as { header: { revision: string } };
    const revision = Number(header.revision);
    const compaction = await request(`${this.etcdUrl}/v3/kv/compaction`, {
      method: 'POST',
      body: JSON.stringify({ revision: String(revision), physical: true }),
    });
    const text = await compaction.body.text();
    if (compaction.statusCode !== 200) throw new ControlPlaneError('NOT_RUNNING', `etcd compaction to ${revision} failed: ${text}`);
    return { revision };
  }

  async stop(): Promise<void> {
    process.off('exit', this.exitHook);
    await this.admin.close();
    await this.controllerManager.stop();
    await this.apiServer.stop();
    await this.etcd.stop();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  private killNow(): void {
    for (const c of [this.controllerManager, this.apiServer, this.etcd]) c.killNow();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
