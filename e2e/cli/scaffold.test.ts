// The walkthrough a new user follows, with Capstan installed from an `npm pack` tarball of this repository
// (a real copy, so a broken `exports` map or `files` list fails here): init, create api, create webhook
// (defaulting and validating), generate (twice: nothing changes), type-check, and the generated project's own
// tests on the shared cluster — the sample Widget Ready=True with the operator running under the generated RBAC,
// no 403 in the audit log, the webhooks' tests passing — then `capstan run` with the real manager, `capstan
// uninstall`, and last `create webhook --conversion`, whose new version and conversion type-check and whose test
// passes (its CRD is never installed here: a conversion webhook nobody serves would block the shared cluster's
// garbage collector and namespace deletion).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, ensureAssets, forbiddenSince } from '../../src/testing/index.ts';
import { sharedCluster } from '../support/cluster.ts';
import { outputOf, repoRoot, startProcess } from './run-cli.ts';

const exec = promisify(execFile);
let cluster: Cluster;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;
const operatorUser = 'system:serviceaccount:widget-system:widget-operator';

/** Run a command in the project; on failure the error carries its whole output. */
async function sh(command: string, args: string[], cwd = project): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { cwd, env, maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err });
  }
}

before(async () => {
  cluster = await sharedCluster();
  work = await mkdtemp(join(tmpdir(), 'capstan-scaffold-'));
  project = join(work, 'widget-operator');
  await mkdir(project);
  // The generated project needs Node ≥ 22.18 for its own scripts and `npx capstan`: put ours first.
  env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, KUBECONFIG: cluster.kubeconfigPath };
  delete env['NODE_OPTIONS'];
  delete env['NODE_TEST_CONTEXT'];
  // The generated tests reuse this cluster through its descriptor, as `npm test` shares one between files.
  const descriptor = join(work, 'cluster.json');
  await writeFile(descriptor, JSON.stringify(cluster.describe()));
  env['CAPSTAN_TEST_CLUSTER'] = descriptor;
});

after(async () => {
  await cluster.admin
    .request({ method: 'DELETE', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.tools.test.io' })
    .catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

test('init, create api, generate, npm test: the sample Widget is Ready under the generated RBAC, with no 403', {
  timeout: 600_000,
}, async (t) => {
  // dist/ is built (npm test builds it first); --ignore-scripts: a prepack's clean rebuild would pull dist/ from
  // under the suites running beside this one.
  await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work], repoRoot);
  const tarball = join(work, (await readdir(work)).find((f) => /^capstan-.*\.tgz$/.test(f))!);
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');

  await sh(process.execPath, [cli, 'init', '--domain', 'test.io']);
  await sh(process.execPath, [cli, 'create', 'api', '--group', 'tools', '--version', 'v1beta1', '--kind', 'Widget']);
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  const installed = await lstat(join(project, 'node_modules', 'capstan'));
  assert.ok(installed.isDirectory() && !installed.isSymbolicLink(), 'capstan is a copy of the tarball, not a link to the repository');
  // After npm install: create webhook imports the kind's module, which imports capstan.
  const hooked = await sh('npx', ['capstan', 'create', 'webhook', '--kind', 'Widget', '--defaulting', '--validating']);
  assert.match(hooked, /^Created src\/webhooks\/widget\.ts, test\/widget-webhooks\.test\.ts; added it to src\/operator\.ts\. Next:$/m);

  const generated = await sh('npx', ['capstan', 'generate']);
  assert.match(generated, /^wrote config\/crd\/widgets\.tools\.test\.io\.yaml$/m);
  assert.match(generated, /^wrote config\/webhook\/manifests\.yaml$/m);
  // The CRD and its folder's kustomization, the role, the Deployment's webhook port and certificate flags,
  // config/webhook's three files, the RBAC of the manager's webhook certificates (a role and a binding file) and
  // the rbac folder's kustomization listing them, and config/default now gathering crd and webhook too.
  assert.match(generated, /^wrote config\/rbac\/webhook_certificates_role\.yaml$/m);
  assert.match(generated, /^1 custom resource\(s\), 1 controller\(s\); 11 file\(s\) written/m);
  const snapshot = await configFiles();
  assert.match(await sh('npx', ['capstan', 'generate']), /0 file\(s\) written, 28 unchanged, 0 removed/);
  assert.deepEqual(await configFiles(), snapshot, 'a second generate changes nothing');

  await t.test('the project type-checks against the packed declarations', async () => {
    await sh('npm', ['run', '--silent', 'typecheck']);
  });

  await t.test('kubectl kustomize builds the whole operator from config/', async () => {
    const built = await sh((await ensureAssets()).kubectl, ['kustomize', 'config']);
    const kinds = [...built.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    // Roles: the controller's (cluster-wide), the leader election's, the webhook certificates' (both), and the metrics
    // ones (the auth role, bound to the operator; the reader role, bound to nobody yet).
    assert.deepEqual(kinds, [
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'MutatingWebhookConfiguration',
      'Namespace',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Service',
      'ServiceAccount',
      'ValidatingWebhookConfiguration',
    ]);
  });

  await t.test(
    'the overlays build: dev with one replica and debug logs, production with the metrics Service and a PDB (server dry run)',
    async () => {
      const { kubectl } = await ensureAssets();
      const dev = await sh(kubectl, ['kustomize', 'config/overlays/dev']);
      assert.match(dev, /^ {2}replicas: 1$/m);
      assert.match(dev, /- --log-level=debug$/m);
      assert.match(dev, /image: widget-operator:0\.1\.0$/m, 'the images transformer sets the image');
      const production = await sh(kubectl, ['kustomize', 'config/overlays/production']);
      assert.match(production, /^ {2}name: widget-operator-metrics-service$/m);
      assert.match(production, /^kind: PodDisruptionBudget$/m);
      assert.match(production, /^ {2}replicas: 2$/m);
      // The API server accepts every object of it (the namespace first: a dry run creates nothing for the others).
      await sh(kubectl, ['apply', '-f', 'config/manager/namespace.yaml']);
      const applied = await sh(kubectl, ['apply', '--dry-run=server', '-k', 'config/overlays/production']);
      assert.match(applied, /poddisruptionbudget\.policy\/widget-operator created \(server dry run\)/);
      assert.match(applied, /service\/widget-operator-metrics-service created \(server dry run\)/);
    },
  );

  const started = Date.now();
  const tested = await sh('npm', ['test']);
  // The operator's test, the Widget's, and the two of its webhooks.
  assert.match(tested, /^ℹ pass 4$/m, tested);
  assert.match(tested, /^✔ a Widget with a blank message is refused with a message that says what to do/m, tested);
  assert.match(tested, /^ℹ fail 0$/m, tested);

  // From outside too: the operator did its work as the ServiceAccount, and was refused nothing.
  const requests = (await cluster.auditEvents()).filter(
    (e) => e.user.username === operatorUser && e.stage === 'ResponseComplete' && Date.parse(e.requestReceivedTimestamp) >= started - 1000,
  );
  assert.ok(
    requests.some(
      (e) =>
        e.verb === 'patch' && e.objectRef?.resource === 'widgets' && e.objectRef.subresource === 'status' && e.responseStatus?.code === 200,
    ),
    'the operator wrote the Widget status as its ServiceAccount',
  );
  assert.ok(
    requests.some((e) => e.objectRef?.resource === 'leases' && e.responseStatus?.code === 200),
    'it took the Lease',
  );
  assert.deepEqual(await forbiddenSince(cluster, operatorUser, started - 1000), []);

  await t.test('capstan run starts the real manager against the current context, with readable logs', async () => {
    // The installed bin itself: npx would not pass our SIGTERM on.
    const run = startProcess(
      process.execPath,
      [join(project, 'node_modules', '.bin', 'capstan'), 'run', '--', '--health-port=0', '--metrics-port=0'],
      {
        cwd: project,
        env,
      },
    );
    try {
      await run.waitFor(
        'stderr',
        /^capstan: running widget-operator \(src\/main\.ts\) against context "[^"]+" \(https:\/\/127\.0\.0\.1:\d+, /m,
      );
      await run.waitFor('stdout', /^\[[\d:.]+\] INFO: caches synced$/m, 60_000);
      assert.equal(await run.stop('SIGTERM'), 0, outputOf(run));
      assert.match(run.stdout(), /INFO: manager stopped$/m);
    } finally {
      await run.stop('SIGKILL');
    }
  });

  await t.test('capstan uninstall removes the CRD', async () => {
    assert.match(await sh('npx', ['capstan', 'uninstall']), /^uninstalled widgets\.tools\.test\.io$/m);
  });

  await t.test('create webhook --conversion: the new version and its conversion type-check, and their test passes', async () => {
    await sh('npx', ['capstan', 'create', 'webhook', '--kind', 'Widget', '--conversion', '--version', 'v1']);
    await sh('npm', ['run', '--silent', 'typecheck']);
    const conversionTest = await sh(process.execPath, ['--test', 'test/widget-conversion.test.ts']);
    assert.match(conversionTest, /^ℹ pass 2$/m, conversionTest);
    assert.match(conversionTest, /^ℹ fail 0$/m, conversionTest);
    const generatedAgain = await sh('npx', ['capstan', 'generate']);
    assert.match(generatedAgain, /^2 custom resource\(s\), 1 controller\(s\)/m);
    const crd = await readFile(join(project, 'config', 'crd', 'widgets.tools.test.io.yaml'), 'utf8');
    assert.match(crd, /conversion:\n\s+strategy: Webhook\n[^]*path: \/convert/);
  });
});

async function configFiles(): Promise<Array<[string, string]>> {
  const entries = await readdir(join(project, 'config'), { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')] as [string, string]));
}
