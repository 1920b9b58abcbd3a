// `capstan generate` on fixture projects whose operator modules import the Capstan sources: the RBAC of
// HelloWorld's declarations exactly as the CLI issue lists it, the CRD, the Deployment, determinism, and
// the failures a user can cause in the operator module.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { fixtureDir, layerUrl, runCli } from '../../e2e/cli/run-cli.ts';
import { crdYaml } from '../crd/index.ts';
import { generatedHeader, imageEntry, projectFiles } from './generate.ts';
import { generateProject } from './scaffold.ts';
import { defaultSettings, type Project } from './project.ts';
import { webhook } from '../webhook/index.ts';

let dir: string;

/** `capstan generate` in `root` (no --helm), what it says given to `say`. */
const generate = (root: string, say: (text: string) => void) => generateProject(root, {}, say);

before(async () => {
  dir = await fixtureDir('generate');
});
after(() => rm(dir, { recursive: true, force: true }));

const helloWorldSchema = `
export const HelloWorld = customResource({
  group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', shortNames: ['hw'],
  spec: Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }) }),
  status: Type.Object({ observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })), conditions: Type.Optional(Conditions()) }),
});`;

/** The reference operator's declarations: for HelloWorld, owns ConfigMaps, writes status and events. */
const helloWorldOperator = `import Type from 'typebox';
import { ConfigMap } from '${new URL('../kinds/core/v1.ts', import.meta.url).href}';
import { controller, done } from '${layerUrl('controller')}';
import { Conditions, customResource } from '${layerUrl('crd')}';
${helloWorldSchema}
export const helloWorld = controller(HelloWorld)
  .owns(ConfigMap, { labelSelector: 'app.kubernetes.io/managed-by=hello-world-operator' })
  .reconcile(async () => done());
export const customResources = [HelloWorld];
export const controllers = [helloWorld];
`;

/** A project folder with this operator module; `settings` overrides the package.json "capstan" field. */
async function project(name: string, operator: string, settings: object = {}): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name, type: 'module', capstan: { ...defaultSettings(name, 'example.com'), ...settings } }),
  );
  await writeFile(join(root, 'src', 'operator.ts'), operator);
  return root;
}

async function yamlOf(root: string, path: string): Promise<Record<string, unknown>> {
  return parse(await readFile(join(root, path), 'utf8')) as Record<string, unknown>;
}

test("HelloWorld's declarations give exactly the issue's rules, in a ClusterRole bound to the operator's ServiceAccount", async () => {
  const root = await project('hello-world-operator', helloWorldOperator);
  await generate(root, () => undefined);
  const role = await yamlOf(root, 'config/rbac/role.yaml');
  assert.equal(role['kind'], 'ClusterRole');
  assert.deepEqual(role['rules'], [
    { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps.example.com'], resources: ['helloworlds/status'], verbs: ['get', 'update', 'patch'] },
    { apiGroups: ['apps.example.com'], resources: ['helloworlds/finalizers'], verbs: ['update'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ]);
  const operatorAccount = [{ kind: 'ServiceAccount', name: 'hello-world-operator', namespace: 'hello-world-system' }];
  const binding = await yamlOf(root, 'config/rbac/role_binding.yaml');
  assert.equal(binding['kind'], 'ClusterRoleBinding');
  assert.deepEqual(binding['roleRef'], { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'hello-world-operator' });
  assert.deepEqual(binding['subjects'], operatorAccount);
  const leaseRole = await yamlOf(root, 'config/rbac/leader_election_role.yaml');
  assert.deepEqual([leaseRole['kind'], (leaseRole['metadata'] as { namespace: string }).namespace], ['Role', 'hello-world-system']);
  assert.deepEqual(leaseRole['rules'], [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  assert.deepEqual((await yamlOf(root, 'config/rbac/leader_election_role_binding.yaml'))['subjects'], operatorAccount);
  assert.deepEqual((await yamlOf(root, 'config/rbac/service_account.yaml'))['metadata'], {
    name: 'hello-world-operator',
    namespace: 'hello-world-system',
    labels: { 'app.kubernetes.io/name': 'hello-world-operator', 'app.kubernetes.io/managed-by': 'capstan' },
  });
});

test('the guarded /metrics: a ClusterRole for the token and access reviews bound to the operator, and a reader role bound to nobody', async () => {
  const root = await project('metrics-operator', helloWorldOperator, { watchNamespace: 'team-a' });
  await generate(root, () => undefined);
  const labels = { 'app.kubernetes.io/name': 'metrics-operator', 'app.kubernetes.io/managed-by': 'capstan' };
  // Cluster-scoped even when the operator watches one namespace: TokenReview and SubjectAccessReview are.
  assert.deepEqual(await yamlOf(root, 'config/rbac/metrics_auth_role.yaml'), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'metrics-operator-metrics-auth-role', labels },
    rules: [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ],
  });
  assert.deepEqual(await yamlOf(root, 'config/rbac/metrics_auth_role_binding.yaml'), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'metrics-operator-metrics-auth-rolebinding', labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'metrics-operator-metrics-auth-role' },
    subjects: [{ kind: 'ServiceAccount', name: 'metrics-operator', namespace: 'metrics-system' }],
  });
  assert.deepEqual(await yamlOf(root, 'config/rbac/metrics_reader_role.yaml'), {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'metrics-operator-metrics-reader', labels },
    rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
  });
});

test('the CRD, namespace, Deployment and kustomization follow from the declarations and the project settings', async () => {
  const root = await project('hw-operator', helloWorldOperator);
  await generate(root, () => undefined);
  const crdFile = await readFile(join(root, 'config/crd/helloworlds.apps.example.com.yaml'), 'utf8');
  const { HelloWorld } = (await import(join(root, 'src', 'operator.ts'))) as { HelloWorld: Parameters<typeof crdYaml>[0] };
  assert.equal(crdFile, generatedHeader({ operator: 'src/operator.ts' }) + crdYaml(HelloWorld));

  const namespace = await yamlOf(root, 'config/manager/namespace.yaml');
  assert.equal((namespace['metadata'] as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce'], 'restricted');
  const deployment = (await yamlOf(root, 'config/manager/deployment.yaml')) as {
    metadata: { name: string; namespace: string };
    spec: { template: { spec: { serviceAccountName: string; containers: Array<{ image: string; args: string[] }> } } };
  };
  assert.deepEqual([deployment.metadata.name, deployment.metadata.namespace], ['hw-operator', 'hw-system']);
  const pod = deployment.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'hw-operator');
  assert.equal(pod.containers[0]!.image, 'hw-operator:0.1.0');
  assert.ok(pod.containers[0]!.args.includes('--leader-elect'));

  // Each folder a kustomization; config/default gathers them; config/ builds config/default.
  assert.deepEqual((await yamlOf(root, 'config/kustomization.yaml'))['resources'], ['default']);
  assert.deepEqual((await yamlOf(root, 'config/default/kustomization.yaml'))['resources'], ['../crd', '../rbac', '../manager']);
  assert.deepEqual((await yamlOf(root, 'config/crd/kustomization.yaml'))['resources'], ['helloworlds.apps.example.com.yaml']);
  assert.deepEqual((await yamlOf(root, 'config/manager/kustomization.yaml'))['resources'], ['namespace.yaml', 'deployment.yaml']);
  assert.deepEqual((await yamlOf(root, 'config/rbac/kustomization.yaml'))['resources'], [
    'service_account.yaml',
    'role.yaml',
    'role_binding.yaml',
    'leader_election_role.yaml',
    'leader_election_role_binding.yaml',
    'metrics_auth_role.yaml',
    'metrics_auth_role_binding.yaml',
    'metrics_reader_role.yaml',
  ]);
});

test('deploying: the image by the images transformer, a metrics Service and ServiceMonitor, and overlays written once', async () => {
  const root = await project('deploy-operator', helloWorldOperator, { image: 'registry.example.com:5000/team/deploy:1.2.3' });
  await generate(root, () => undefined);
  const read = async (path: string) => readFile(join(root, path), 'utf8');
  const base = parse(await read('config/manager/kustomization.yaml')) as { images: unknown[]; resources: string[] };
  assert.deepEqual(base.images, [
    { name: 'registry.example.com:5000/team/deploy', newName: 'registry.example.com:5000/team/deploy', newTag: '1.2.3' },
  ]);
  const whole = parse(await read('config/default/kustomization.yaml')) as { resources: string[] };
  assert.ok(!whole.resources.some((r) => /metrics|prometheus|overlays/.test(r)), 'the optional parts stay out of the base');

  const service = parse((await read('config/metrics/metrics_service.yaml')).replace(/^#.*\n/, '')) as {
    metadata: { labels: Record<string, string> };
    spec: { selector: Record<string, string>; ports: unknown[] };
  };
  assert.deepEqual(service.spec.selector, { 'app.kubernetes.io/name': 'deploy-operator', 'app.kubernetes.io/component': 'operator' });
  assert.deepEqual(service.spec.ports, [{ name: 'https', port: 8443, targetPort: 'https', protocol: 'TCP' }]);
  const monitor = parse(await read('config/prometheus/monitor.yaml')) as { spec: { selector: { matchLabels: Record<string, string> } } };
  for (const [label, value] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(service.metadata.labels[label], value);

  const production = parse(await read('config/overlays/production/kustomization.yaml')) as { resources: string[] };
  assert.deepEqual(production.resources, ['../../default', '../../metrics', 'pod_disruption_budget.yaml']);
  const dev = await read('config/overlays/dev/kustomization.yaml');
  assert.match(dev, /value: --log-level=debug/);
  assert.doesNotMatch(dev, /Generated by/, "an overlay is the user's: no generated header");

  // The user edits an overlay: generate leaves it as it is, and still rewrites what it generates.
  const edited = `${dev}# my change\n`;
  await writeFile(join(root, 'config/overlays/dev/kustomization.yaml'), edited);
  await writeFile(join(root, 'config/metrics/metrics_service.yaml'), `${generatedHeader({ operator: 'src/operator.ts' })}stale: true\n`);
  let output = '';
  await generate(root, (text) => (output += text));
  assert.equal(await read('config/overlays/dev/kustomization.yaml'), edited);
  assert.match(output, /wrote config\/metrics\/metrics_service.yaml/);
  assert.doesNotMatch(output, /overlays/);
});

test('imageEntry splits the tag or digest from the name, leaving a registry port in the name', () => {
  assert.deepEqual(imageEntry('hello:0.1.0'), { name: 'hello', newName: 'hello', newTag: '0.1.0' });
  assert.deepEqual(imageEntry('localhost:5000/hello'), { name: 'localhost:5000/hello', newName: 'localhost:5000/hello' });
  assert.deepEqual(imageEntry('r.io/a/b@sha256:abc'), { name: 'r.io/a/b', newName: 'r.io/a/b', digest: 'sha256:abc' });
});

test('generating twice in a row changes nothing, not even a modification time', async () => {
  const root = await project('twice-operator', helloWorldOperator);
  let first = '';
  await generate(root, (text) => (first += text));
  const paths = [...first.matchAll(/^wrote (.+)$/gm)].map((m) => m[1]!);
  assert.equal(paths.length, 23);
  const before = await Promise.all(
    paths.map(async (p) => [await readFile(join(root, p), 'utf8'), (await stat(join(root, p))).mtimeMs] as const),
  );
  let output = '';
  await generate(root, (text) => (output += text));
  assert.equal(output, '1 custom resource(s), 1 controller(s); 0 file(s) written, 23 unchanged, 0 removed\n');
  const afterwards = await Promise.all(
    paths.map(async (p) => [await readFile(join(root, p), 'utf8'), (await stat(join(root, p))).mtimeMs] as const),
  );
  assert.deepEqual(afterwards, before);
});

test("a kind no longer declared loses its generated CRD file; the user's own files in config/crd stay", async () => {
  const root = await project('empty-operator', 'export const customResources = [];\nexport const controllers = [];\n');
  await mkdir(join(root, 'config', 'crd'), { recursive: true });
  await writeFile(
    join(root, 'config/crd/gone.example.com.yaml'),
    `${generatedHeader({ operator: 'src/operator.ts' })}kind: CustomResourceDefinition\n`,
  );
  await writeFile(join(root, 'config/crd/mine.yaml'), 'kind: CustomResourceDefinition\n');
  let output = '';
  await generate(root, (text) => (output += text));
  assert.match(output, /^removed config\/crd\/gone\.example\.com\.yaml$/m);
  await assert.rejects(stat(join(root, 'config/crd/gone.example.com.yaml')), { code: 'ENOENT' });
  assert.equal(await readFile(join(root, 'config/crd/mine.yaml'), 'utf8'), 'kind: CustomResourceDefinition\n');
});

test('namespace-scoped mode: a Role and RoleBinding in the watched namespace, and the flag on the Deployment', () => {
  const settings: Project = { root: dir, name: 'scoped', ...defaultSettings('scoped', 'example.com'), watchNamespace: 'team-a' };
  const files = projectFiles(settings, { customResources: [], controllers: [] });
  const role = parse(files.get('config/rbac/role.yaml')!) as { kind: string; metadata: { namespace: string } };
  assert.deepEqual([role.kind, role.metadata.namespace], ['Role', 'team-a']);
  assert.equal((parse(files.get('config/rbac/role_binding.yaml')!) as { kind: string }).kind, 'RoleBinding');
  assert.match(files.get('config/manager/deployment.yaml')!, /- --namespace=team-a$/m);
});

test('an operator module that lacks the exports, fails to import, or is missing: the message says what to fix', async () => {
  const noExports = await project('no-exports', `export const something = 1;\n`);
  await assert.rejects(
    generate(noExports, () => undefined),
    /src\/operator\.ts must export `customResources`, an array of customResource\(\.\.\.\) declarations/,
  );
  const noControllers = await project('no-controllers', 'export const customResources = [];\n');
  await assert.rejects(
    generate(noControllers, () => undefined),
    /src\/operator\.ts must export `controllers`, an array of controller\(\.\.\.\)\.reconcile\(\.\.\.\) definitions/,
  );
  const badSchema = await project(
    'bad-schema',
    `import Type from 'typebox';
import { customResource } from '${layerUrl('crd')}';
export const Bad = customResource({ group: 'example.com', version: 'v1', kind: 'Bad', spec: Type.Object({ anything: Type.Unknown() }) });
export const customResources = [Bad];
export const controllers = [];
`,
  );
  await assert.rejects(
    generate(badSchema, () => undefined),
    /importing src\/operator\.ts failed: spec\.anything: /,
  );
  const missing = await project('missing-module', '', { operator: 'src/nowhere.ts' });
  await assert.rejects(
    generate(missing, () => undefined),
    /src\/nowhere\.ts does not exist: it is the module `capstan generate` reads/,
  );
});

/** The HelloWorld operator with a validating and a mutating webhook, or with none (`hooks: false`). */
const hookedOperator = (hooks: boolean) => `${helloWorldOperator}
import { deny, webhook } from '${layerUrl('webhook')}';
export const webhooks = ${
  hooks
    ? `[webhook(HelloWorld)
  .mutate(({ object }) => object)
  .validate(({ object }) => (object.spec.name === 'bad' ? deny('bad') : undefined))]`
    : '[]'
};
`;

test('webhooks give config/webhook: configurations calling the Service, the Service to the Pods, the port on the Deployment', async () => {
  const root = await project('hooked-operator', hookedOperator(true));
  await generate(root, () => undefined);
  const [validating, mutating] = parseAllDocuments(await readFile(join(root, 'config/webhook/manifests.yaml'), 'utf8')).map(
    (d) =>
      d.toJS() as { kind: string; metadata: { name: string }; webhooks: Array<{ name: string; clientConfig: Record<string, unknown> }> },
  );
  const service = (path: string) => ({ service: { name: 'hooked-operator-webhook-service', namespace: 'hooked-system', port: 443, path } });
  assert.equal(validating!.kind, 'ValidatingWebhookConfiguration');
  assert.equal(validating!.metadata.name, 'hooked-operator', 'named after the operator: its manager keeps their caBundle by that name');
  assert.deepEqual(
    validating!.webhooks.map((w) => [w.name, w.clientConfig]),
    [['validate.helloworlds.apps.example.com', service('/validate-apps-example-com-v1alpha1-helloworld')]],
  );
  assert.equal(mutating!.kind, 'MutatingWebhookConfiguration');
  assert.deepEqual(
    mutating!.webhooks.map((w) => w.clientConfig),
    [service('/mutate-apps-example-com-v1alpha1-helloworld')],
    'no caBundle: the manager fills it',
  );
  assert.match(
    await readFile(join(root, 'config/webhook/kustomization.yaml'), 'utf8'),
    /^# The webhooks of manifests\.yaml \(and the conversion webhooks of config\/crd\) have no caBundle on purpose/m,
  );

  const svc = (await yamlOf(root, 'config/webhook/service.yaml')) as {
    metadata: { name: string; namespace: string };
    spec: { selector: Record<string, string>; ports: unknown[] };
  };
  assert.deepEqual([svc.metadata.name, svc.metadata.namespace], ['hooked-operator-webhook-service', 'hooked-system']);
  assert.deepEqual(svc.spec.ports, [{ name: 'webhook-server', port: 443, targetPort: 9443, protocol: 'TCP' }]);
  const deployment = (await yamlOf(root, 'config/manager/deployment.yaml')) as {
    spec: {
      template: {
        metadata: { labels: Record<string, string> };
        spec: { containers: Array<{ args: string[]; ports: Array<{ name: string; containerPort: number }> }> };
      };
    };
  };
  const pod = deployment.spec.template;
  for (const [label, value] of Object.entries(svc.spec.selector))
    assert.equal(pod.metadata.labels[label], value, `the Service selects the Pods by ${label}`);
  const manager = pod.spec.containers[0]!;
  assert.deepEqual(
    manager.ports.find((p) => p.name === 'webhook-server'),
    { name: 'webhook-server', containerPort: 9443, protocol: 'TCP' },
  );
  // /metrics on its own port over HTTPS, as the Kubebuilder scaffold's :8443; the probes stay on plain HTTP.
  assert.deepEqual(
    manager.ports.find((p) => p.name === 'https'),
    { name: 'https', containerPort: 8443, protocol: 'TCP' },
  );
  assert.ok(manager.args.includes('--metrics-port=8443'), manager.args.join(' '));
  assert.ok(manager.args.includes('--webhook-cert-secret=hooked-operator-webhook-certs'), manager.args.join(' '));
  assert.ok(manager.args.includes('--webhook-service=hooked-operator-webhook-service'), manager.args.join(' '));
  assert.deepEqual(((await yamlOf(root, 'config/default/kustomization.yaml'))['resources'] as string[]).at(-1), '../webhook');
  // The manager's own certificates: its Secret by name in its namespace, the caBundle of its configuration by name.
  const [role, clusterRole] = parseAllDocuments(await readFile(join(root, 'config/rbac/webhook_certificates_role.yaml'), 'utf8')).map(
    (d) => d.toJS() as { kind: string; metadata: { namespace?: string }; rules: Array<Record<string, string[]>> },
  );
  assert.equal(role?.kind, 'Role');
  assert.deepEqual(role?.rules[0], {
    apiGroups: [''],
    resources: ['secrets'],
    resourceNames: ['hooked-operator-webhook-certs'],
    verbs: ['get', 'update'],
  });
  assert.equal(clusterRole?.kind, 'ClusterRole');
  assert.deepEqual(
    clusterRole?.rules.map((r) => [r['resources']?.[0], r['resourceNames']?.join(','), r['verbs']?.join(',')]),
    [
      ['validatingwebhookconfigurations', 'hooked-operator', 'get,update'],
      ['mutatingwebhookconfigurations', 'hooked-operator', 'get,update'],
    ],
  );

  // The webhooks go: so do config/webhook, its entry in the kustomization, and the Deployment's webhook port.
  // (A process of its own: this one has the first version of the module in its import cache.)
  await writeFile(join(root, 'src', 'operator.ts'), hookedOperator(false));
  const { stdout: output, stderr } = await runCli(['generate'], { cwd: root });
  for (const file of ['kustomization', 'manifests', 'service'])
    assert.match(output, new RegExp(`^removed config/webhook/${file}\\.yaml$`, 'm'), stderr);
  for (const file of ['webhook_certificates_role', 'webhook_certificates_role_binding'])
    assert.match(output, new RegExp(`^removed config/rbac/${file}\\.yaml$`, 'm'), stderr);
  assert.ok(!((await yamlOf(root, 'config/default/kustomization.yaml'))['resources'] as string[]).includes('../webhook'));
  assert.doesNotMatch(await readFile(join(root, 'config/manager/deployment.yaml'), 'utf8'), /webhook/);
});

test('a namespace-scoped operator’s webhooks see only objects of its namespaces', () => {
  const settings: Project = { root: dir, name: 'scoped', ...defaultSettings('scoped', 'example.com'), watchNamespace: 'team-a,team-b' };
  const Kind = { group: 'example.com', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true };
  const definition = webhook(Kind).validate(() => undefined);
  const files = projectFiles(settings, { customResources: [], controllers: [], webhookDefinitions: [definition] });
  const configuration = parse(files.get('config/webhook/manifests.yaml')!) as { webhooks: Array<{ namespaceSelector: unknown }> };
  assert.deepEqual(configuration.webhooks[0]!.namespaceSelector, {
    matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] }],
  });
});

test('a conversion gives its CRD spec.conversion to the webhook Service at /convert, served like the webhooks', async () => {
  const root = await project(
    'converted-operator',
    `import Type from 'typebox';
import { customResource } from '${layerUrl('crd')}';
import { conversion } from '${layerUrl('webhook')}';
const status = Type.Object({ ready: Type.Optional(Type.Boolean()) });
export const GearV1 = customResource({ group: 'example.com', version: 'v1', kind: 'Gear', spec: Type.Object({ teeth: Type.Integer() }), status });
export const GearV2 = customResource({ group: 'example.com', version: 'v2', kind: 'Gear', storage: false, spec: Type.Object({ cogs: Type.Integer() }), status });
export const customResources = [GearV1, GearV2];
export const controllers = [];
export const conversions = [conversion(GearV1).spoke(GearV2, { toHub: (o) => ({ spec: { teeth: o.spec.cogs } }), fromHub: (o) => ({ spec: { cogs: o.spec.teeth } }) })];
`,
  );
  await generate(root, () => undefined);
  const crd = (await yamlOf(root, 'config/crd/gears.example.com.yaml')) as { spec: { conversion: unknown } };
  assert.deepEqual(crd.spec.conversion, {
    strategy: 'Webhook',
    webhook: {
      conversionReviewVersions: ['v1'],
      clientConfig: { service: { namespace: 'converted-system', name: 'converted-operator-webhook-service', path: '/convert', port: 443 } },
    },
  });
  assert.deepEqual(
    (await yamlOf(root, 'config/webhook/kustomization.yaml'))['resources'],
    ['service.yaml'],
    'no admission webhooks: no configurations',
  );
  await assert.rejects(stat(join(root, 'config/webhook/manifests.yaml')), { code: 'ENOENT' });
  const deployment = await readFile(join(root, 'config/manager/deployment.yaml'), 'utf8');
  assert.match(deployment, /- --webhook-service=converted-operator-webhook-service$/m);
  assert.match(deployment, /name: webhook-server\n\s+containerPort: 9443$/m);
  const clusterRole = parseAllDocuments(await readFile(join(root, 'config/rbac/webhook_certificates_role.yaml'), 'utf8'))
    .map((d) => d.toJS() as { kind: string; rules: Array<Record<string, string[]>> })
    .find((m) => m.kind === 'ClusterRole');
  assert.deepEqual(
    clusterRole?.rules.find((r) => r['resources']?.[0] === 'customresourcedefinitions'),
    {
      apiGroups: ['apiextensions.k8s.io'],
      resources: ['customresourcedefinitions'],
      resourceNames: ['gears.example.com'],
      verbs: ['get', 'update'],
    },
    "the converted CRD's caBundle is kept by name",
  );
});
