import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isAlreadyExists, isNotFound, type KubeClient } from '../client/index.ts';
import type { PolicyRule } from '../core/index.ts';
import { writeKubeconfig } from './kubeconfig-file.ts';

/**
 * Which ServiceAccount to make and what it may do: rules granted through a new Role or ClusterRole, or existing
 * roles bound. Objects that already exist are kept as they are, rules included: give a new name for other rights.
 *
 * @noExample Options of {@link Cluster.serviceAccountKubeconfig}; its example shows them in use.
 */
export interface ServiceAccountOptions {
  /** The ServiceAccount's namespace, created when missing. */
  namespace: string;
  /** The ServiceAccount's name, also the name of the Role and RoleBinding `rules` makes. */
  name: string;
  /** Granted in `namespace` through a Role named like the account. */
  rules?: PolicyRule[];
  /** Granted cluster-wide through a ClusterRole named `<namespace>:<name>`. */
  clusterRules?: PolicyRule[];
  /** Existing roles to bind: a ClusterRole (cluster-wide, or in `namespace` when given) or a Role of `namespace`. */
  bind?: Array<{
    /** The kind of the existing role. */
    kind: 'ClusterRole' | 'Role';
    /** The existing role's name. */
    name: string;
    /** Bind it in this namespace with a RoleBinding; absent, a ClusterRole is bound cluster-wide and a Role in `namespace`. */
    namespace?: string;
  }>;
  /** Token lifetime; defaults to one hour (the API server's minimum is 10 minutes). */
  expirationSeconds?: number;
  /** The kubeconfig's server, if not the API server itself (a fault proxy in front of it, say). */
  server?: string;
}

/**
 * A kubeconfig that authenticates as a ServiceAccount.
 *
 * @noExample Returned by {@link Cluster.serviceAccountKubeconfig}; its example reads it.
 */
export interface ServiceAccountCredentials {
  /** A kubeconfig file with the cluster's CA and the token, in the cluster's folder. */
  kubeconfigPath: string;
  /** The token from the TokenRequest API; it expires after `expirationSeconds` and is not renewed. */
  token: string;
  /** `system:serviceaccount:<namespace>:<name>`, as the audit log shows it. */
  username: string;
}

export async function ensureObject(client: KubeClient, path: string, body: object): Promise<void> {
  try {
    await client.request({ method: 'POST', path, body });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function deleteIfPresent(client: KubeClient, path: string): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

const rbac = '/apis/rbac.authorization.k8s.io/v1';

/**
 * Create a ServiceAccount (and its namespace) with exactly the given rights, mint a token through the
 * TokenRequest API and write a kubeconfig for it, so that operators under test run without admin rights.
 */
export async function createServiceAccountKubeconfig(
  admin: KubeClient,
  caCertPath: string,
  dir: string,
  options: ServiceAccountOptions,
): Promise<ServiceAccountCredentials> {
  const { namespace, name } = options;
  const subject = [{ kind: 'ServiceAccount', name, namespace }];
  await ensureObject(admin, '/api/v1/namespaces', { metadata: { name: namespace } });
  await ensureObject(admin, `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  if (options.rules) {
    await ensureObject(admin, `${rbac}/namespaces/${namespace}/roles`, { metadata: { name }, rules: options.rules });
    await ensureObject(admin, `${rbac}/namespaces/${namespace}/rolebindings`, {
      metadata: { name },
      subjects: subject,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    });
  }
  if (options.clusterRules) {
    const roleName = `${namespace}:${name}`;
    await ensureObject(admin, `${rbac}/clusterroles`, { metadata: { name: roleName }, rules: options.clusterRules });
    await ensureObject(admin, `${rbac}/clusterrolebindings`, {
      metadata: { name: roleName },
      subjects: subject,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    });
  }
  for (const role of options.bind ?? []) {
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name };
    const bindingName = `${name}-${role.name}`.slice(0, 253);
    if (role.kind === 'ClusterRole' && !role.namespace) {
      await ensureObject(admin, `${rbac}/clusterrolebindings`, {
        metadata: { name: `${namespace}:${bindingName}` },
        subjects: subject,
        roleRef,
      });
    } else {
      const ns = role.namespace ?? namespace;
      await ensureObject(admin, `${rbac}/namespaces/${ns}/rolebindings`, { metadata: { name: bindingName }, subjects: subject, roleRef });
    }
  }
  const tokenRequest = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: options.expirationSeconds ?? 3600 } },
  });
  const username = `system:serviceaccount:${namespace}:${name}`;
  const kubeconfigPath = join(dir, `sa-${namespace}-${name}-${randomBytes(3).toString('hex')}.kubeconfig`);
  await writeKubeconfig(kubeconfigPath, options.server ?? admin.server, caCertPath, {
    name: `${namespace}-${name}`,
    token: tokenRequest.status.token,
  });
  return { kubeconfigPath, token: tokenRequest.status.token, username };
}

/**
 * What a SubjectAccessReview asks about: an API resource, or a non-resource URL such as `/metrics`.
 *
 * @example
 * ```ts
 * import type { AccessAttributes } from 'capstan/testing';
 * const scrape: AccessAttributes = { nonResourceAttributes: { path: '/metrics', verb: 'get' } };
 * ```
 */
export type AccessAttributes =
  | {
      /** A request on an API resource. */
      resourceAttributes: {
        /** The Kubernetes verb, such as `list` or `update`. */
        verb: string;
        /** The API group; `''` for the core group. */
        group: string;
        /** The resource (plural), such as `configmaps`. */
        resource: string;
        /** The request's namespace; absent, a cluster-scoped resource or all namespaces. */
        namespace?: string;
      };
    }
  | {
      /** A request on a non-resource URL. */
      nonResourceAttributes: {
        /** The lower-case HTTP verb, such as `get`. */
        verb: string;
        /** The URL path, such as `/metrics`. */
        path: string;
      };
    };

/**
 * Whether the API server's authorizer lets the ServiceAccount `username` (`system:serviceaccount:<ns>:<name>`)
 * do `attributes` now, asked with a SubjectAccessReview by `client` (an admin): how a test waits for a new binding
 * to reach the authorizer.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { eventually, serviceAccountAllowed, testCluster } from 'capstan/testing';
 * test('Prometheus may scrape', async (t) => {
 *   const cluster = await testCluster(t);
 *   const user = 'system:serviceaccount:monitoring:prometheus';
 *   await eventually('the binding in effect', () =>
 *     serviceAccountAllowed(cluster.admin, user, { nonResourceAttributes: { path: '/metrics', verb: 'get' } }),
 *   );
 * });
 * ```
 */
export async function serviceAccountAllowed(client: KubeClient, username: string, attributes: AccessAttributes): Promise<boolean> {
  const namespace = username.split(':')[2] ?? '';
  const review = await client.request<{ status?: { allowed?: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: username,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        ...attributes,
      },
    },
  });
  return review.status?.allowed === true;
}
