import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declareController } from '../core/index.ts';
import { rbacManifests, rulesFor } from './rbac.ts';

const HelloWorld = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
const ConfigMap = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
const helloWorld = declareController({ name: 'helloworld', for: HelloWorld, owns: [ConfigMap] });

test("HelloWorld's declarations give exactly the rules of the CLI issue, no wildcard", () => {
  assert.deepEqual(rulesFor([helloWorld]), [
    { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps.example.com'], resources: ['helloworlds/status'], verbs: ['get', 'update', 'patch'] },
    { apiGroups: ['apps.example.com'], resources: ['helloworlds/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ]);
});

test('finalizers, watches, narrower writes and no status or events change the rules accordingly', () => {
  const Secret = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
  const rules = rulesFor([
    declareController({
      name: 'x',
      for: HelloWorld,
      owns: [{ resource: ConfigMap, writes: ['create', 'delete'] }],
      watches: [Secret],
      writes: { status: false, events: false, finalizers: true },
    }),
  ]);
  assert.deepEqual(rules, [
    { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: ['apps.example.com'], resources: ['helloworlds/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  ]);
  for (const rule of rules) for (const field of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!field.includes('*'));
});

test('two controllers touching one kind share one rule with the union of verbs', () => {
  const Other = { group: 'apps.example.com', version: 'v1alpha1', kind: 'Other', plural: 'others', namespaced: true };
  const rules = rulesFor([
    helloWorld,
    declareController({ name: 'other', for: Other, owns: [{ resource: ConfigMap, writes: ['create'] }] }),
  ]);
  assert.equal(rules.filter((r) => r.resources[0] === 'configmaps').length, 1);
  assert.equal(rules.filter((r) => r.resources[0] === 'events').length, 1);
});

test('cluster-wide: ClusterRole and binding; namespaced: a Role in the watched namespace; leases always in our own', () => {
  const cluster = rbacManifests([helloWorld], { name: 'op', namespace: 'op-system' });
  assert.deepEqual(
    cluster.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`),
    [
      'ServiceAccount/op-system/op',
      'ClusterRole//op',
      'ClusterRoleBinding//op',
      'Role/op-system/op-leader-election',
      'RoleBinding/op-system/op-leader-election',
      'ClusterRole//op-metrics-auth-role',
      'ClusterRoleBinding//op-metrics-auth-rolebinding',
      'ClusterRole//op-metrics-reader',
    ],
  );
  assert.deepEqual(cluster[3]!['rules'], [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  ]);
  const scoped = rbacManifests([helloWorld], { name: 'op', namespace: 'op-system', watchNamespace: 'team-a' });
  assert.deepEqual(
    scoped.slice(1, 3).map((m) => `${m.kind}/${m.metadata.namespace}`),
    ['Role/team-a', 'RoleBinding/team-a'],
  );
  assert.deepEqual(scoped[2]!['subjects'], [{ kind: 'ServiceAccount', name: 'op', namespace: 'op-system' }]);
});

test('a cached read grants get, list and watch; a live read grants get only', () => {
  const Secret = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
  const Service = { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true };
  const rules = rulesFor([
    declareController({
      name: 'webapp',
      for: HelloWorld,
      reads: [{ resource: Secret, live: true }, Service],
      writes: { status: false, events: false },
    }),
  ]);
  assert.deepEqual(rules, [
    { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
  ]);
});

test("a set of watched namespaces: a Role and a RoleBinding in each; ClusterRoles only for the metrics' reviews and readers", () => {
  const manifests = rbacManifests([helloWorld], { name: 'op', namespace: 'op-system', watchNamespace: 'team-a, team-b,team-a' });
  assert.deepEqual(
    manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`),
    [
      'ServiceAccount/op-system/op',
      'Role/team-a/op',
      'Role/team-b/op',
      'RoleBinding/team-a/op',
      'RoleBinding/team-b/op',
      'Role/op-system/op-leader-election',
      'RoleBinding/op-system/op-leader-election',
      'ClusterRole//op-metrics-auth-role',
      'ClusterRoleBinding//op-metrics-auth-rolebinding',
      'ClusterRole//op-metrics-reader',
    ],
  );
});

test('the guarded /metrics: the operator may review tokens and access, bound to its ServiceAccount; the reader role may get /metrics, bound to nobody', () => {
  const manifests = rbacManifests([helloWorld], { name: 'op', namespace: 'op-system', labels: { team: 'a' } });
  const named = (name: string) => manifests.find((m) => m.metadata.name === name);
  assert.deepEqual(named('op-metrics-auth-role'), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'op-metrics-auth-role', labels: { team: 'a' } },
    rules: [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ],
  });
  assert.deepEqual(named('op-metrics-auth-rolebinding')?.['roleRef'], {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'op-metrics-auth-role',
  });
  assert.deepEqual(named('op-metrics-auth-rolebinding')?.['subjects'], [{ kind: 'ServiceAccount', name: 'op', namespace: 'op-system' }]);
  assert.deepEqual(named('op-metrics-reader')?.['rules'], [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  const bindings = manifests.filter((m) => m.kind.endsWith('Binding'));
  assert.ok(
    bindings.every((b) => (b['roleRef'] as { name: string }).name !== 'op-metrics-reader'),
    'nobody is bound to the reader role',
  );
});

test('further rules declared with .rbac merge with the derived ones, named ones stay apart', () => {
  const rules = rulesFor([
    declareController({
      name: 'x',
      for: HelloWorld,
      writes: { status: false, events: false },
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] },
        { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['update'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['settings'] },
      ],
    }),
  ]);
  assert.deepEqual(rules, [
    { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch', 'update'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['settings'] },
  ]);
});

test('a further rule with a wildcard or an empty list is refused, saying what to list', () => {
  assert.throws(
    () => declareController({ name: 'x', for: HelloWorld, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] }),
    /resources has the wildcard '\*'/,
  );
  assert.throws(
    () => declareController({ name: 'x', for: HelloWorld, rules: [{ apiGroups: [], resources: ['pods'], verbs: ['get'] }] }),
    /apiGroups is empty/,
  );
});

test("an admission webhook's reads are granted as a controller's", () => {
  const Secret = { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
  const Gadget = { group: 'g.test', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true };
  const rules = rulesFor([], [{ name: 'webhook-gadget', for: Gadget, reads: [{ resource: Gadget }, { resource: Secret, live: true }] }]);
  assert.deepEqual(rules, [
    { apiGroups: ['g.test'], resources: ['gadgets'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  ]);
});
