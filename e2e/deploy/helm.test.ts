// Each example's Helm chart (`capstan generate --helm`, committed in chart/) checked with Helm itself, built from its
// Go module (ensureHelm): `helm lint --strict`; `helm template` equal, object for object, to `kubectl kustomize
// config/default` (the same declarations, two ways of deploying them); the rendered chart accepted by the API server
// (`kubectl apply --dry-run=server` on a control plane of its own, admission and validation included: on the shared
// one, the examples' CRDs are live objects other suites change meanwhile, and a dry-run apply merges with them); and
// each value doing what values.yaml
// says, the namespace scope compared with what `capstan generate` writes for a project that watches those namespaces.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { findProject } from '../../src/cli/project.ts';
import { type ControlPlane, ensureHelm, kubectl, startControlPlane } from '../../src/testing/index.ts';
import { fixtureDir, repoRoot, runCli } from '../cli/run-cli.ts';
import { sharedCluster, uniqueName } from '../support/cluster.ts';

const run = promisify(execFile);

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const examples = ['hello-world', 'web-app', 'cronjob'];

/** A control plane for the dry runs alone (about 10 s to start), so that nothing else changes the objects they merge with. */
let own: Promise<ControlPlane> | undefined;
const dryRunCluster = () => (own ??= startControlPlane());
after(async () => {
  await (await own)?.stop();
});

/** `helm <args>`: stdout, or a failure that shows helm's own message. */
async function helm(args: string[], cwd: string): Promise<string> {
  const binary = await ensureHelm();
  try {
    const { stdout } = await run(binary, args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, '.capstan', 'helm-cache') },
    });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`helm ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
  }
}

function objectsOf(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * The chart's objects, with the only differences the chart is allowed: `app.kubernetes.io/managed-by` is Helm's
 * (`Helm` instead of `capstan`), `helm.sh/chart` is added, and a CRD carries `helm.sh/resource-policy: keep` (so that
 * `helm uninstall` leaves the users' objects alone; `crds.keep`). Each is checked here, then set to config/'s.
 */
function asConfig(objects: KubeObject[]): KubeObject[] {
  return objects.map((o) => {
    const copy = structuredClone(o);
    if (o.kind === 'CustomResourceDefinition') {
      assert.equal(o.metadata.annotations?.['helm.sh/resource-policy'], 'keep', `${keyOf(o)}: kept on uninstall`);
      delete copy.metadata.annotations!['helm.sh/resource-policy'];
      if (Object.keys(copy.metadata.annotations!).length === 0) delete copy.metadata.annotations;
    }
    const visit = (labels: Record<string, string> | undefined, where: string) => {
      if (!labels?.['app.kubernetes.io/managed-by']) return;
      assert.equal(labels['app.kubernetes.io/managed-by'], 'Helm', `${keyOf(o)} ${where}: managed-by`);
      assert.match(labels['helm.sh/chart'] ?? '', /^[a-z0-9-]+-\d+\.\d+\.\d+/, `${keyOf(o)} ${where}: helm.sh/chart`);
      labels['app.kubernetes.io/managed-by'] = 'capstan';
      delete labels['helm.sh/chart'];
    };
    visit(copy.metadata.labels, 'labels');
    const template = (copy['spec'] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
    visit(template?.metadata?.labels, 'Pod template labels');
    return copy;
  });
}

/** Assert two sets of objects are the same objects, naming the first that differs. */
function assertSameObjects(actual: KubeObject[], expected: KubeObject[], what: string): void {
  const byKey = (objects: KubeObject[]) => new Map(objects.map((o) => [keyOf(o), o]));
  const a = byKey(actual);
  const e = byKey(expected);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), `${what}: the same objects`);
  for (const [key, object] of e) assert.deepEqual(a.get(key), object, `${what}: ${key}`);
}

async function kustomize(dir: string): Promise<KubeObject[]> {
  const cluster = await sharedCluster();
  return objectsOf(await kubectl(cluster, ['kustomize', dir]));
}

async function template(chart: string, release: string, namespace: string, values: string[] = []): Promise<KubeObject[]> {
  return objectsOf(
    await helm(['template', release, chart, '--namespace', namespace, '--include-crds', ...values.flatMap((v) => ['--set', v])], repoRoot),
  );
}

for (const example of examples) {
  const root = join(repoRoot, 'examples', example);
  const chart = join(root, 'chart');

  test(`examples/${example}: helm lint --strict passes on the generated chart`, { timeout: 30 * 60_000 }, async () => {
    const out = await helm(['lint', '--strict', chart], root);
    assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, out);
  });

  test(`examples/${example}: helm template with the default values is config/default, object for object`, {
    timeout: 30 * 60_000,
  }, async () => {
    const settings = await findProject(root);
    const rendered = asConfig(await template(chart, settings.name, settings.namespace));
    // The chart leaves the namespace to `helm install --create-namespace`; kustomize's output has its Namespace.
    const configured = (await kustomize(join(root, 'config', 'default'))).filter((o) => o.kind !== 'Namespace');
    assertSameObjects(rendered, configured, `helm template ${example} vs kubectl kustomize config/default`);
  });

  test(`examples/${example}: the rendered chart is accepted by the API server (kubectl apply --dry-run=server)`, {
    timeout: 30 * 60_000,
  }, async () => {
    const cluster = await dryRunCluster();
    const settings = await findProject(root);
    const namespace = uniqueName('helm');
    // A namespace other than the project's: everything namespaced must follow `--namespace`.
    const yaml = await helm(['template', settings.name, chart, '--namespace', namespace, '--include-crds'], root);
    for (const object of objectsOf(yaml).filter((o) => o.metadata.namespace !== undefined))
      assert.equal(object.metadata.namespace, namespace, `${keyOf(object)} follows --namespace`);
    await kubectl(cluster, ['create', 'namespace', namespace]);
    try {
      const out = await kubectl(cluster, ['apply', '--dry-run=server', '-f', '-'], { input: yaml });
      const applied = out.split('\n').filter((line) => line.includes('(server dry run)'));
      assert.equal(applied.length, objectsOf(yaml).length, out);
    } finally {
      await kubectl(cluster, ['delete', 'namespace', namespace, '--wait=false']);
    }
  });
}

test('watchNamespaces scopes the chart exactly as a project watching those namespaces is generated', { timeout: 30 * 60_000 }, async () => {
  for (const example of ['hello-world', 'web-app']) {
    const exampleRoot = join(repoRoot, 'examples', example);
    const settings = await findProject(exampleRoot);
    const root = join(await fixtureDir(`helm-${example}`), example);
    try {
      // A copy of the example whose project settings watch two namespaces, generated as a user would.
      await mkdir(join(root, 'node_modules'), { recursive: true });
      for (const path of ['package.json', 'tsconfig.json', 'src']) await cp(join(exampleRoot, path), join(root, path), { recursive: true });
      await symlink(repoRoot, join(root, 'node_modules', 'capstan'));
      const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { capstan: Record<string, string> };
      pkg.capstan['watchNamespace'] = 'team-a,team-b';
      await writeFile(join(root, 'package.json'), JSON.stringify(pkg, null, 2));
      const generated = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
      assert.equal(generated.code, 0, generated.stderr);
      const configured = (await kustomize(join(root, 'config', 'default'))).filter((o) => o.kind !== 'Namespace');
      const rendered = asConfig(
        await template(join(exampleRoot, 'chart'), settings.name, settings.namespace, ['watchNamespaces={team-a,team-b}']),
      );
      assertSameObjects(rendered, configured, `${example} with watchNamespaces={team-a,team-b}`);
      assert.ok(
        rendered.some((o) => o.kind === 'Role' && o.metadata.namespace === 'team-b'),
        'a Role in each watched namespace',
      );
    } finally {
      await rm(join(root, '..'), { recursive: true, force: true });
    }
  }
});

test('the values do what values.yaml says: image, replicas, resources, leader election, webhooks, metrics', {
  timeout: 30 * 60_000,
}, async () => {
  const chart = join(repoRoot, 'examples', 'web-app', 'chart');
  const { name, namespace } = await findProject(join(repoRoot, 'examples', 'web-app'));
  const deploymentOf = (objects: KubeObject[]) => {
    const deployment = objects.find((o) => o.kind === 'Deployment');
    assert.ok(deployment, 'a Deployment');
    return deployment['spec'] as {
      replicas: number;
      template: { spec: { containers: Array<{ image: string; args: string[]; resources: unknown; ports: Array<{ name: string }> }> } };
    };
  };
  const defaults = await template(chart, name, namespace);

  const custom = await template(chart, name, namespace, [
    'image.repository=registry.example.com/team/web-app',
    'image.tag=1.2.3',
    'resources.requests.cpu=100m',
    'resources.requests.memory=128Mi',
    'resources.limits.memory=512Mi',
  ]);
  const manager = deploymentOf(custom).template.spec.containers[0]!;
  assert.equal(manager.image, 'registry.example.com/team/web-app:1.2.3');
  assert.deepEqual(manager.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });

  // One replica without leader election: no --leader-elect, no Lease rights.
  const single = await template(chart, name, namespace, ['replicas=1', 'leaderElection.enabled=false']);
  assert.equal(deploymentOf(single).replicas, 1);
  assert.ok(!deploymentOf(single).template.spec.containers[0]!.args.includes('--leader-elect'));
  assert.ok(deploymentOf(defaults).template.spec.containers[0]!.args.includes('--leader-elect'));
  const leaseRules = (objects: KubeObject[]) => objects.filter((o) => JSON.stringify(o['rules'] ?? []).includes('leases'));
  assert.equal(leaseRules(single).length, 0, 'no leader-election Role');
  assert.ok(leaseRules(defaults).length > 0, 'the defaults have the leader-election Role');
  // Two replicas without leader election would both reconcile: the chart refuses to render.
  await assert.rejects(template(chart, name, namespace, ['leaderElection.enabled=false']), /leader/i);

  // Without webhooks: no webhook configurations, no webhook port.
  const kinds = (objects: KubeObject[]) => new Set(objects.map((o) => o.kind));
  assert.ok(kinds(defaults).has('ValidatingWebhookConfiguration'));
  const withoutWebhooks = await template(chart, name, namespace, ['webhooks.enabled=false']);
  assert.ok(!kinds(withoutWebhooks).has('ValidatingWebhookConfiguration'));
  assert.ok(!deploymentOf(withoutWebhooks).template.spec.containers[0]!.ports.some((p) => p.name === 'webhook-server'));

  // The metrics Service and ServiceMonitor: off by default (as config/default), on as config/metrics and config/prometheus.
  assert.ok(!kinds(defaults).has('ServiceMonitor'));
  const monitored = await template(chart, name, namespace, ['metrics.service.enabled=true', 'metrics.serviceMonitor.enabled=true']);
  const exampleRoot = join(repoRoot, 'examples', 'web-app');
  const expected = [
    ...(await kustomize(join(exampleRoot, 'config', 'metrics'))),
    ...(await kustomize(join(exampleRoot, 'config', 'prometheus'))),
  ];
  const extra = asConfig(monitored).filter((o) => !defaults.some((d) => keyOf(d) === keyOf(o)));
  assertSameObjects(extra, expected, 'metrics.service and metrics.serviceMonitor');
});
