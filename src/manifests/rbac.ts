import type { ControllerDeclaration, PolicyRule, ResourceDescriptor, WebhookDeclaration } from '../core/index.ts';

/**
 * Where the operator runs and what it may reach: the names, namespace and scope of the RBAC objects
 * {@link rbacManifests} generates.
 *
 * @noExample Options of {@link rbacManifests}; its example shows them in use.
 */
export interface RbacOptions {
  /** Base name of the generated objects, e.g. `hello-world-operator`. */
  name: string;
  /** The operator's own namespace: its ServiceAccount and leader-election Lease live here. */
  namespace: string;
  /**
   * Reconcile only this namespace, or these (a list, or one string with commas as `--namespace` takes it): a Role
   * and RoleBinding in each instead of a ClusterRole.
   */
  watchNamespace?: string | readonly string[];
  /** Labels put on every generated object. */
  labels?: Record<string, string>;
  /** The operator's admission webhooks: their reads are granted too. */
  webhooks?: readonly WebhookDeclaration[];
}

/**
 * A Kubernetes object as plain data, ready to serialise to YAML or JSON, or to send as the body of a
 * server-side apply. Only the fields every object has are typed; the rest (`rules`, `roleRef`, `subjects`)
 * are `unknown` until narrowed.
 *
 * @noExample Returned by {@link rbacManifests}; its example lists them.
 */
export interface Manifest {
  /** The object's API group and version, e.g. `rbac.authorization.k8s.io/v1` (`v1` for the core group). */
  apiVersion: string;
  /** The object's kind, e.g. `ClusterRole`. */
  kind: string;
  /** Identity and labels of the object. */
  metadata: {
    /** The object's name, unique per kind in its namespace (or in the cluster). */
    name: string;
    /** The object's namespace; absent for a cluster-scoped kind (ClusterRole, ClusterRoleBinding). */
    namespace?: string;
    /** The object's labels (the `labels` option of the generator). */
    labels?: Record<string, string>;
  };
  /** Any other top-level field of the kind (`rules`, `roleRef`, `subjects`, …). */
  [field: string]: unknown;
}

const read = ['get', 'list', 'watch'];
const verbOrder = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * The rules the controllers need, derived only from their declarations, with no wildcard:
 *
 * - the primary kind: get/list/watch (plus patch when the controller manages finalizers on it);
 * - `<plural>/status`: get/update/patch when status is written;
 * - `<plural>/finalizers`: update when the controller owns anything, because setting
 *   `blockOwnerDeletion` on an ownerReference needs it under `OwnerReferencesPermissionEnforcement`;
 * - each owned kind: get/list/watch and the declared writes (`delete` included by default: the same
 *   admission plugin requires it to set an ownerReference);
 * - each watched kind: get/list/watch;
 * - each read kind: get/list/watch when cached, get only when read live;
 * - `events.k8s.io` events: create/patch (patch folds repeated events into a series);
 * - each further rule declared with `.rbac([...])`: merged into the rules above where it names whole
 *   resources, kept apart where it names `resourceNames`;
 * - each read of an admission webhook (`webhooks`): as a controller's read.
 *
 * @example
 * ```ts
 * import { declareController } from 'capstan/core';
 * import { rulesFor } from 'capstan/manifests';
 * const HelloWorld = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
 * const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
 * const rules = rulesFor([declareController({ name: 'helloworld', for: HelloWorld, owns: [ConfigMap] })]);
 * console.log(rules.length); // 5
 * ```
 */
export function rulesFor(declarations: readonly ControllerDeclaration[], webhooks: readonly WebhookDeclaration[] = []): PolicyRule[] {
  const verbs = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  const grant = (resource: Pick<ResourceDescriptor, 'group'> & { resource: string }, granted: readonly string[]) => {
    const key = `${resource.group}\u0000${resource.resource}`;
    const entry = verbs.get(key) ?? { group: resource.group, resource: resource.resource, verbs: new Set<string>() };
    for (const verb of granted) entry.verbs.add(verb);
    verbs.set(key, entry);
  };
  const named: PolicyRule[] = [];
  for (const d of declarations) {
    grant({ group: d.for.group, resource: d.for.plural }, d.writes.finalizers ? [...read, 'patch'] : read);
    if (d.writes.status) grant({ group: d.for.group, resource: `${d.for.plural}/status` }, ['get', 'update', 'patch']);
    if (d.owns.length > 0) grant({ group: d.for.group, resource: `${d.for.plural}/finalizers` }, ['update']);
    for (const owned of d.owns) grant({ group: owned.resource.group, resource: owned.resource.plural }, [...read, ...owned.writes]);
    for (const watched of d.watches) grant({ group: watched.resource.group, resource: watched.resource.plural }, read);
    for (const r of d.reads) grant({ group: r.resource.group, resource: r.resource.plural }, r.live ? ['get'] : read);
    if (d.writes.events) grant({ group: 'events.k8s.io', resource: 'events' }, ['create', 'patch']);
    for (const rule of d.rules) {
      if (rule.resourceNames) named.push(rule);
      else for (const group of rule.apiGroups) for (const resource of rule.resources) grant({ group, resource }, rule.verbs);
    }
  }
  for (const w of webhooks)
    for (const r of w.reads) grant({ group: r.resource.group, resource: r.resource.plural }, r.live ? ['get'] : read);
  const byVerbOrder = (granted: Iterable<string>) => {
    const set = new Set(granted);
    return [...verbOrder.filter((v) => set.has(v)), ...[...set].filter((v) => !verbOrder.includes(v)).sort()];
  };
  return [
    ...[...verbs.values()].map((entry) => ({ apiGroups: [entry.group], resources: [entry.resource], verbs: byVerbOrder(entry.verbs) })),
    ...uniqueRules(named.map((rule) => ({ ...rule, verbs: byVerbOrder(rule.verbs) }))),
  ];
}

/** The rules without repeats (two controllers declaring the same named rule). */
function uniqueRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const seen = new Set<string>();
  return rules.filter((rule) => {
    const key = JSON.stringify(rule);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The rules leader election needs on Leases (`coordination.k8s.io`): get, create and update of the one Lease it
 * holds. {@link rbacManifests} grants them through a Role in the operator's own namespace only, never
 * cluster-wide.
 *
 * @example
 * ```ts
 * import { leaseRules } from 'capstan/manifests';
 * const role = {
 *   apiVersion: 'rbac.authorization.k8s.io/v1',
 *   kind: 'Role',
 *   metadata: { name: 'hello-world-operator-leader-election', namespace: 'hello-world-system' },
 *   rules: leaseRules,
 * };
 * ```
 */
export const leaseRules: PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];

/**
 * What the manager's guarded `/metrics` needs to judge a scraper (as the Kubebuilder scaffold's
 * `metrics_auth_role.yaml`): a TokenReview to learn who the bearer token belongs to, a SubjectAccessReview to ask
 * whether that user may `get` the non-resource URL `/metrics`. Both reviews are cluster-scoped, so this is a
 * ClusterRole even when the operator watches only some namespaces.
 *
 * @example
 * ```ts
 * import { metricsAuthRules } from 'capstan/manifests';
 * console.log(metricsAuthRules.map((r) => `${r.verbs.join(',')} ${r.resources.join(',')}`)); // ['create tokenreviews', 'create subjectaccessreviews']
 * ```
 */
export const metricsAuthRules: PolicyRule[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/**
 * A rule on non-resource URLs, which only a ClusterRole can hold.
 *
 * @example
 * ```ts
 * import type { NonResourceRule } from 'capstan/manifests';
 * const healthz: NonResourceRule = { nonResourceURLs: ['/healthz'], verbs: ['get'] };
 * ```
 */
export interface NonResourceRule {
  /** URL paths the rule covers, such as `/metrics`; a final `*` makes one a prefix (`/debug/*`). */
  nonResourceURLs: string[];
  /** Lower-case HTTP verbs granted on them (`get`, `post`, …). */
  verbs: string[];
}

/**
 * The right a scraper (Prometheus' ServiceAccount, say) needs on the operator's metrics: `get /metrics`, the
 * non-resource URL the manager's metrics server asks a SubjectAccessReview about.
 *
 * @example
 * ```ts
 * import { metricsReaderRules } from 'capstan/manifests';
 * const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'scraper' }, rules: metricsReaderRules };
 * ```
 */
export const metricsReaderRules: NonResourceRule[] = [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }];

/**
 * ServiceAccount, the (Cluster)Role with {@link rulesFor}'s rules and its binding, the Role and RoleBinding for
 * leader election, the ClusterRole `<name>-metrics-auth-role` ({@link metricsAuthRules}) and its binding, and the
 * ClusterRole `<name>-metrics-reader` ({@link metricsReaderRules}), bound to nobody: a cluster admin binds it to
 * whoever scrapes the operator. In a stable order so that regenerating changes nothing.
 *
 * @example
 * ```ts
 * import { declareController } from 'capstan/core';
 * import { rbacManifests } from 'capstan/manifests';
 * const HelloWorld = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
 * const manifests = rbacManifests([declareController({ name: 'helloworld', for: HelloWorld })], { name: 'hello-world-operator', namespace: 'hello-world-system' });
 * console.log(manifests.map((m) => m.metadata.name));
 * // hello-world-operator (ServiceAccount, ClusterRole, ClusterRoleBinding), hello-world-operator-leader-election (Role,
 * // RoleBinding), hello-world-operator-metrics-auth-role, hello-world-operator-metrics-auth-rolebinding, hello-world-operator-metrics-reader
 * ```
 */
export function rbacManifests(declarations: readonly ControllerDeclaration[], options: RbacOptions): Manifest[] {
  const labels = options.labels ? { labels: { ...options.labels } } : {};
  const subjects = [{ kind: 'ServiceAccount', name: options.name, namespace: options.namespace }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  const roleRef = (kind: string, name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
  const watched = watchedNamespaces(options.watchNamespace);
  const roleKind = watched ? 'Role' : 'ClusterRole';
  const roleMetas = watched
    ? watched.map((namespace) => ({ name: options.name, namespace, ...labels }))
    : [{ name: options.name, ...labels }];
  const rules = rulesFor(declarations, options.webhooks);
  const leaseName = `${options.name}-leader-election`;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: options.name, namespace: options.namespace, ...labels } },
    ...roleMetas.map((metadata) => ({ apiVersion: rbac, kind: roleKind, metadata, rules })),
    ...roleMetas.map((metadata) => ({
      apiVersion: rbac,
      kind: `${roleKind}Binding`,
      metadata,
      roleRef: roleRef(roleKind, options.name),
      subjects,
    })),
    { apiVersion: rbac, kind: 'Role', metadata: { name: leaseName, namespace: options.namespace, ...labels }, rules: leaseRules },
    {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: leaseName, namespace: options.namespace, ...labels },
      roleRef: roleRef('Role', leaseName),
      subjects,
    },
    ...metricsRbac(options.name, labels, subjects),
  ];
}

/** The guarded metrics' two ClusterRoles (the reviews, bound to the operator; the reader, bound to nobody). */
function metricsRbac(name: string, labels: { labels?: Record<string, string> }, subjects: object[]): Manifest[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const authRole = `${name}-metrics-auth-role`;
  return [
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: authRole, ...labels }, rules: metricsAuthRules },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${name}-metrics-auth-rolebinding`, ...labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: authRole },
      subjects,
    },
    { apiVersion: rbac, kind: 'ClusterRole', metadata: { name: `${name}-metrics-reader`, ...labels }, rules: metricsReaderRules },
  ];
}

/**
 * The namespaces of a `watchNamespace` option (a list, or one string with commas as the `--namespace` flag takes
 * it), trimmed, in order, without repeats or empty names; `undefined` for the whole cluster, which is also what
 * a value with no name in it means. {@link rbacManifests} makes a Role per namespace from it, or one ClusterRole
 * for `undefined`.
 *
 * @example
 * ```ts
 * import { watchedNamespaces } from 'capstan/manifests';
 * console.log(watchedNamespaces('team-a, team-b,team-a')); // ['team-a', 'team-b']
 * console.log(watchedNamespaces(['team-c'])); // ['team-c']
 * console.log(watchedNamespaces(' , ')); // undefined: the whole cluster
 * ```
 */
export function watchedNamespaces(watchNamespace: string | readonly string[] | undefined): string[] | undefined {
  if (watchNamespace === undefined) return undefined;
  const list = typeof watchNamespace === 'string' ? watchNamespace.split(',') : [...watchNamespace];
  const names = [...new Set(list.map((n) => n.trim()).filter(Boolean))];
  return names.length > 0 ? names : undefined;
}
