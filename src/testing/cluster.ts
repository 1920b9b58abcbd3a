import { readFile } from 'node:fs/promises';
import type { KubeClient } from '../client/index.ts';
import { createServiceAccountKubeconfig, type ServiceAccountCredentials, type ServiceAccountOptions } from './service-account.ts';
import { type KindInfo, waitForKind, type WaitForKindOptions } from './wait-for-kind.ts';

/**
 * Where a local control plane can be reached, as plain JSON: what {@link Cluster.describe} returns and
 * {@link connectToCluster} takes, so that test files in other processes share one control plane (the file
 * `$CAPSTAN_TEST_CLUSTER` names holds one, see {@link testCluster}).
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { startControlPlane } from 'capstan/testing';
 * const cp = await startControlPlane();
 * await writeFile('/tmp/cluster.json', JSON.stringify(cp.describe()));
 * // test processes run with CAPSTAN_TEST_CLUSTER=/tmp/cluster.json now share it through testCluster(t)
 * ```
 */
export interface ClusterDescriptor {
  /** The admin kubeconfig (a client certificate whose rights bypass RBAC). */
  kubeconfigPath: string;
  /** The cluster CA's certificate (PEM), written into the kubeconfigs of the ServiceAccounts the helpers make. */
  caCertPath: string;
  /** The API server's audit log (JSON lines, Metadata level), read by {@link Cluster.auditEvents}. */
  auditLogPath: string;
  /** A folder for files the helpers write (ServiceAccount kubeconfigs). */
  dir: string;
  /** etcd's client URL, for tests that read what the API server stored; absent for a cluster described without it. */
  etcdUrl?: string;
}

/**
 * One entry of the API server's audit log (`audit.k8s.io/v1` Event, Metadata level): who asked what and how it
 * was answered, with no request or response body. Only the fields tests use are typed.
 *
 * @noExample Read with {@link Cluster.auditEvents}; {@link isObjectWrite}'s example makes one.
 */
export interface AuditEvent {
  /** The request's unique ID; the ResponseStarted and ResponseComplete events of one request share it. */
  auditID: string;
  /**
   * When the event was written: `ResponseStarted` once the headers are sent (long-running requests such as
   * watches only), `ResponseComplete` once the response is, `Panic` when the handler panicked.
   */
  stage: 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  /**
   * The Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`), or
   * the lower-case HTTP method of a request on a non-resource URL.
   */
  verb: string;
  /** The path and query of the request, as sent. */
  requestURI: string;
  /** Who made the request, as authenticated. */
  user: {
    /** The user name, such as `system:serviceaccount:<namespace>:<name>`. */
    username: string;
    /** The user's groups, such as `system:serviceaccounts` and `system:authenticated`. */
    groups?: string[];
    /**
     * What the authenticator added: for a service account token, `authentication.kubernetes.io/credential-id`
     * (`JTI=<the token's jti>`, which token it was), the Pod and node it was bound to.
     */
    extra?: Record<string, string[]>;
  };
  /** The object or collection the request addressed; absent for a non-resource URL. */
  objectRef?: {
    /** The resource (plural), such as `configmaps`. */
    resource?: string;
    /** The namespace; absent for a cluster-scoped resource or a request across all namespaces. */
    namespace?: string;
    /** The object's name; absent for a list or a watch of a collection. */
    name?: string;
    /** The API group; absent or empty for the core group. */
    apiGroup?: string;
    /** The subresource, such as `status` or `finalizers`. */
    subresource?: string;
  };
  /** The answer; set on ResponseComplete. */
  responseStatus?: {
    /** The HTTP status code: 403 for a request RBAC refused, 409 for a conflict. */
    code?: number;
  };
  /** When the API server received the request (RFC 3339, microseconds). */
  requestReceivedTimestamp: string;
  /** When the event's stage was reached (RFC 3339, microseconds). */
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

/**
 * A running cluster reached with an admin kubeconfig, and the helpers tests use on it: ServiceAccounts with only
 * the rights given, waiting until a new kind is usable as an owner, and the audit log. {@link testCluster} gives
 * one to each test; the constructor wraps a cluster reached some other way.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { createNamespace, testCluster } from 'capstan/testing';
 * test('a ServiceAccount that may only read ConfigMaps', async (t) => {
 *   const cluster = await testCluster(t);
 *   const namespace = await createNamespace(cluster, 'demo', t);
 *   const reader = await cluster.serviceAccountKubeconfig({
 *     namespace,
 *     name: 'reader',
 *     rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
 *   });
 *   const creates = (await cluster.auditEvents()).filter((e) => e.objectRef?.namespace === namespace && e.verb === 'create');
 *   console.log(cluster.apiServerUrl, reader.username, creates.length); // the Role, RoleBinding, token request, …
 * });
 * ```
 */
export class Cluster {
  /** The admin kubeconfig, for another process (kubectl, an operator run by hand). */
  readonly kubeconfigPath: string;
  /** The API server's audit log (JSON lines); {@link Cluster.auditEvents} parses it. */
  readonly auditLogPath: string;
  /** A client with the admin's rights, which bypass RBAC: for setting up and inspecting, never for the operator under test. */
  readonly admin: KubeClient;
  /** Where the cluster is, without the client: what {@link Cluster.describe} copies. */
  protected readonly descriptor: ClusterDescriptor;

  constructor(descriptor: ClusterDescriptor & { admin: KubeClient }) {
    const { admin, ...rest } = descriptor;
    this.admin = admin;
    this.descriptor = rest;
    this.kubeconfigPath = rest.kubeconfigPath;
    this.auditLogPath = rest.auditLogPath;
  }

  /** The API server's URL, such as `https://127.0.0.1:41234` (the admin client's server). */
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
