import { readFile } from 'node:fs/promises';
import type { KubeClient } from '../client/index.ts';
import { createServiceAccountKubeconfig, type ServiceAccountCredentials, type ServiceAccountOptions } from './service-account.ts';
import { type KindInfo, waitForKind, type WaitForKindOptions } from './wait-for-kind.ts';

/** Where a local control plane can be reached; what a test needs to use it (see {@link sharedControlPlane}). */
export interface ClusterDescriptor {
  kubeconfigPath: string;
  caCertPath: string;
  auditLogPath: string;
  /** A folder for files the helpers write (ServiceAccount kubeconfigs). */
  dir: string;
  /** etcd's client URL, for tests that read what the API server stored; absent for a cluster described without it. */
  etcdUrl?: string;
}

/** One entry of the API server's audit log (`audit.k8s.io/v1` Event, Metadata level). */
export interface AuditEvent {
  auditID: string;
  stage: 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

const writeVerbs = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
/** Creates that store nothing: the API server answers them and forgets them. */
const reviewResources = new Set([
  'tokenreviews',
  'subjectaccessreviews',
  'selfsubjectaccessreviews',
  'selfsubjectrulesreviews',
  'localsubjectaccessreviews',
  'selfsubjectreviews',
]);

/**
 * Whether an audit event is a completed write of a stored object (a create, update, patch or delete), neither a
 * review (a TokenReview or SubjectAccessReview, as a guarded `/metrics` makes for each new scraper) nor a Lease
 * renewal unless `leases` is true. What "an idle restart writes nothing" counts.
 *
 * @example
 * ```ts
 * import { isObjectWrite, type AuditEvent } from 'capstan/testing';
 * const renewal = { stage: 'ResponseComplete', verb: 'update', objectRef: { resource: 'leases' } } as AuditEvent;
 * console.log(isObjectWrite(renewal), isObjectWrite(renewal, { leases: true })); // false true
 * ```
 */
export function isObjectWrite(event: AuditEvent, options: { leases?: boolean } = {}): boolean {
  const resource = event.objectRef?.resource ?? '';
  return (
    event.stage === 'ResponseComplete' &&
    writeVerbs.has(event.verb) &&
    !reviewResources.has(resource) &&
    (options.leases === true || resource !== 'leases')
  );
}

/** A running cluster reached with an admin kubeconfig, and the helpers tests use on it. */
export class Cluster {
  readonly kubeconfigPath: string;
  readonly auditLogPath: string;
  readonly admin: KubeClient;
  protected readonly descriptor: ClusterDescriptor;

  constructor(descriptor: ClusterDescriptor & { admin: KubeClient }) {
    const { admin, ...rest } = descriptor;
    this.admin = admin;
    this.descriptor = rest;
    this.kubeconfigPath = rest.kubeconfigPath;
    this.auditLogPath = rest.auditLogPath;
  }

  get apiServerUrl(): string {
    return this.admin.server;
  }

  /** Where this cluster is, for another process to {@link connectToCluster} to it. */
  describe(): ClusterDescriptor {
    return { ...this.descriptor };
  }

  /**
   * Create a ServiceAccount with exactly the given rights and return a kubeconfig for it, so that an
   * operator under test runs without admin rights (`system:masters` bypasses RBAC and API fairness).
   *
   * @example
   * ```ts
   * import { startControlPlane } from 'capstan/testing';
   * const cp = await startControlPlane();
   * const sa = await cp.serviceAccountKubeconfig({
   *   namespace: 'demo', name: 'reader',
   *   rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
   * });
   * console.log(sa.kubeconfigPath, sa.username);
   * await cp.stop();
   * ```
   */
  serviceAccountKubeconfig(options: ServiceAccountOptions): Promise<ServiceAccountCredentials> {
    return createServiceAccountKubeconfig(this.admin, this.descriptor.caCertPath, this.descriptor.dir, options);
  }

  /**
   * Wait until a newly installed kind is served, cascades through the garbage collector, and is accepted by
   * admission as an owner with `blockOwnerDeletion` from a non-admin. Call it after installing a CRD and
   * before starting an operator that owns objects through it. It returns as soon as that holds: within a
   * second for a CRD given to `startControlPlane({ crds })`, up to about 30 s for one installed later (the
   * garbage collector and admission reread discovery every 30 s).
   *
   * @example
   * ```ts
   * import { startControlPlane } from 'capstan/testing';
   * const cp = await startControlPlane({ crds: ['config/crd'] });
   * await cp.waitForKind('apps.example.com', 'v1alpha1', 'HelloWorld', {
   *   probeFields: { spec: { name: 'probe' } },
   *   log: (line) => console.log(line), // "HelloWorld is usable as an owner after 0.4 s"
   * });
   * await cp.stop();
   * ```
   */
  waitForKind(group: string, version: string, kind: string, options?: WaitForKindOptions): Promise<KindInfo> {
    return waitForKind(
      { admin: this.admin, caCertPath: this.descriptor.caCertPath, dir: this.descriptor.dir },
      group,
      version,
      kind,
      options,
    );
  }

  /** Every audit event written so far (one request may have a ResponseStarted and a ResponseComplete). */
  async auditEvents(): Promise<AuditEvent[]> {
    const text = await readFile(this.auditLogPath, 'utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent);
  }
}
