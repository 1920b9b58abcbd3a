// `capstan install`, `uninstall`, `run` and `run --watch` on the shared cluster, in a fixture project whose
// kind has a group of its own (CRDs are cluster-wide) and whose "operator" is a small script that logs
// pino JSON lines, so that what is tested is the CLI: the context it names, the logs it makes readable,
// the restart on a source change, and the CRDs reinstalled when the schema changes.
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isNotFound } from '../../src/client/index.ts';
import { type Cluster, eventually } from '../../src/testing/index.ts';
import { sharedCluster } from '../support/cluster.ts';
import { fixtureDir, layerUrl, outputOf, runCli, type RunningProcess, startCli } from './run-cli.ts';

let cluster: Cluster;
let root: string;
let env: NodeJS.ProcessEnv;
const group = `cli${Date.now().toString(36)}.test.io`;
const crdName = `sprockets.${group}`;

const operatorModule = (maxLength: number) => `import Type from 'typebox';
import { customResource } from '${layerUrl('crd')}';
export const Sprocket = customResource({
  group: '${group}', version: 'v1', kind: 'Sprocket',
  spec: Type.Object({ label: Type.Optional(Type.String({ maxLength: ${maxLength} })) }),
});
export const customResources = [Sprocket];
export const controllers = [];
`;

// Logs as pino does, reports its KUBECONFIG, and stops on SIGTERM like the manager.
const fakeOperator = `const log = (msg, fields = {}) => process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), msg, ...fields }) + '\\n');
log('fake operator started', { process: process.pid, kubeconfig: process.env.KUBECONFIG, args: process.argv.slice(2).join(' ') });
const keepAlive = setInterval(() => undefined, 1 << 30);
process.once('SIGTERM', () => { log('fake operator stopping', { process: process.pid }); clearInterval(keepAlive); });
`;

before(async () => {
  cluster = await sharedCluster();
  root = join(await fixtureDir('install-run'), 'sprocket-operator');
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'sprocket-operator',
      type: 'module',
      capstan: { domain: 'test.io', namespace: 'sprocket-system', image: 'sprocket-operator:0.1.0' },
    }),
  );
  await writeFile(join(root, 'src', 'operator.ts'), operatorModule(10));
  await writeFile(join(root, 'src', 'main.ts'), fakeOperator);
  env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
  const generated = await runCli(['generate'], { cwd: root, env });
  assert.equal(generated.code, 0, generated.stderr);
});
after(async () => {
  await cluster.admin
    .request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}` })
    .catch(() => undefined);
  await rm(join(root, '..'), { recursive: true, force: true });
});

/** A project `<name>` beside the fixture's, with this operator module and main; returns its folder. */
async function writeProject(name: string, operator: string, main: string): Promise<string> {
  const project = join(root, '..', name);
  await mkdir(join(project, 'src'), { recursive: true });
  const short = name.replace(/-operator$/, '');
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name, type: 'module', capstan: { domain: 'test.io', namespace: `${short}-system`, image: `${short}:0.1.0` } }),
  );
  await writeFile(join(project, 'src', 'operator.ts'), operator);
  await writeFile(join(project, 'src', 'main.ts'), main);
  return project;
}

async function served(): Promise<boolean> {
  const list = await cluster.admin.request<{ resources: Array<{ name: string }> }>({ path: `/apis/${group}/v1` }).catch((err: unknown) => {
    if (isNotFound(err)) return { resources: [] };
    throw err;
  });
  return list.resources.some((r) => r.name === 'sprockets');
}

async function crdMaxLength(): Promise<number | undefined> {
  const crd = await cluster.admin.request<{
    spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: { label: { maxLength?: number } } } } } } }> };
  }>({
    path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
  });
  return crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.label.maxLength;
}

test('install returns once the kind is served, again changes nothing, and uninstall returns once it is gone', {
  timeout: 120_000,
}, async () => {
  const installed = await runCli(['install'], { cwd: root, env });
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(
    installed.stdout,
    new RegExp(`^installing 1 CRD\\(s\\) on context "[^"]+" \\(${cluster.apiServerUrl.replace(/[.]/g, '\\.')}, kubeconfig `, 'm'),
  );
  assert.match(installed.stdout, new RegExp(`^installed ${crdName}: served as ${group}/v1 Sprocket$`, 'm'));
  assert.equal(await served(), true, 'discovery lists the kind as soon as install returns');
  const again = await runCli(['install'], { cwd: root, env });
  assert.equal(again.code, 0, again.stderr);

  const uninstalled = await runCli(['uninstall'], { cwd: root, env });
  assert.equal(uninstalled.code, 0, uninstalled.stderr);
  assert.match(uninstalled.stdout, new RegExp(`^uninstalled ${crdName}$`, 'm'));
  await assert.rejects(cluster.admin.request({ path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}` }), isNotFound);
  const notThere = await runCli(['uninstall'], { cwd: root, env });
  assert.equal(notThere.code, 0);
  assert.match(notThere.stdout, new RegExp(`^${crdName} is not installed$`, 'm'));
});

test('run names the context, hands the operator its kubeconfig, prints readable logs, and stops it with one SIGTERM', {
  timeout: 120_000,
}, async () => {
  const run = startCli(['run', '--', '--verbose'], { cwd: root, env });
  try {
    const context = await run.waitFor(
      'stderr',
      /^capstan: running sprocket-operator \(src\/main\.ts\) against context "([^"]+)" \((\S+), kubeconfig (\S+)\)$/m,
    );
    assert.equal(context[2], cluster.apiServerUrl);
    assert.equal(context[3], cluster.kubeconfigPath);
    // pino-pretty's layout, not the JSON line: "[12:34:56.789] INFO: fake operator started" and the fields below it.
    await run.waitFor('stdout', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: fake operator started$/m);
    const [pid] = await operatorsStarted(run, 1);
    assert.match(run.stdout(), new RegExp(`^\\s+kubeconfig: "${cluster.kubeconfigPath}"$`, 'm'));
    assert.match(run.stdout(), /^\s+args: "--verbose"$/m);
    assert.doesNotMatch(run.stdout(), /"level":30/);

    assert.equal(await run.stop('SIGTERM'), 0, outputOf(run));
    assert.match(run.stdout(), /INFO: fake operator stopping/);
    assert.equal(isAlive(pid!), false, 'the operator is gone when run returns');
  } finally {
    await run.stop('SIGKILL');
  }
});

test('run --watch restarts the operator when a source changes, and reinstalls the CRDs when they change', {
  timeout: 180_000,
}, async () => {
  const installed = await runCli(['install'], { cwd: root, env });
  assert.equal(installed.code, 0, installed.stderr);
  assert.equal(await crdMaxLength(), 10);
  const run = startCli(['run', '--watch'], { cwd: root, env });
  try {
    await run.waitFor('stderr', /^capstan: watching src\/ for changes$/m);
    const [first] = await operatorsStarted(run, 1);

    await appendFile(join(root, 'src', 'main.ts'), '// a change\n');
    await run.waitFor('stderr', /^capstan: src\/main\.ts changed: restarting the operator$/m);
    const [, second] = await operatorsStarted(run, 2);
    assert.notEqual(second, first);
    assert.equal(isAlive(first!), false, 'the first operator was stopped before the second started');
    assert.match(run.stdout(), /INFO: fake operator stopping/);
    assert.doesNotMatch(run.stderr(), /CRDs changed/, 'a change that leaves the CRDs alone does not reinstall them');

    const source = await readFile(join(root, 'src', 'operator.ts'), 'utf8');
    await writeFile(join(root, 'src', 'operator.ts'), source.replace('maxLength: 10', 'maxLength: 20'));
    await run.waitFor(
      'stderr',
      /^capstan: src\/operator\.ts changed: restarting the operator\ncapstan: the CRDs changed: reinstalling them\ncapstan: installed /m,
    );
    assert.equal(await crdMaxLength(), 20);
    assert.match(await readFile(join(root, 'config', 'crd', `${crdName}.yaml`), 'utf8'), /maxLength: 20/);
    const [, , third] = await operatorsStarted(run, 3);

    assert.equal(await run.stop('SIGTERM'), 0, outputOf(run));
    assert.equal(isAlive(third!), false);
  } finally {
    await run.stop('SIGKILL');
  }
});

/** The pids of the operators the run started so far, once there are `count` of them. */
async function operatorsStarted(run: RunningProcess, count: number): Promise<number[]> {
  return eventually(
    `${count} operator start(s) in the output`,
    async () => {
      const pids = [...run.stdout().matchAll(/INFO: fake operator started\n\s+process: (\d+)\n/g)].map((m) => Number(m[1]));
      return pids.length >= count ? pids : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('run serves the operator’s webhooks on 127.0.0.1, registered by url for its namespace only, and removes them when it stops', {
  timeout: 120_000,
}, async () => {
  const hookedGroup = `hook${Date.now().toString(36)}.test.io`;
  const project = await writeProject(
    'hooked-operator',
    `import Type from 'typebox';
import { customResource } from '${layerUrl('crd')}';
import { deny, webhook } from '${layerUrl('webhook')}';
export const Sprocket = customResource({
  group: '${hookedGroup}', version: 'v1', kind: 'Sprocket',
  spec: Type.Object({ label: Type.Optional(Type.String()) }),
});
export const customResources = [Sprocket];
export const controllers = [];
export const webhooks = [webhook(Sprocket).validate(({ object }) => (object.spec.label === 'bad' ? deny('label "bad" is not allowed here') : undefined))];
`,
    `import { Manager, managerOptionsFromFlags } from '${layerUrl('manager')}';
import { webhooks } from './operator.ts';
const manager = new Manager(managerOptionsFromFlags({ leaseName: 'hooked-operator' }));
for (const definition of webhooks) manager.add(definition);
await manager.run();
`,
  );
  for (const command of [['generate'], ['install']]) {
    const result = await runCli(command, { cwd: project, env });
    assert.equal(result.code, 0, result.stderr);
  }
  const ns = `hooked-${Date.now().toString(36)}`;
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const registration = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/hooked-operator-local';
  const create = (namespace: string, name: string) =>
    cluster.admin.request({
      method: 'POST',
      path: `/apis/${hookedGroup}/v1/namespaces/${namespace}/sprockets`,
      body: { apiVersion: `${hookedGroup}/v1`, kind: 'Sprocket', metadata: { name }, spec: { label: 'bad' } },
    });
  const run = startCli(['run', '--namespace', ns, '--json'], { cwd: project, env });
  try {
    await run.waitFor(
      'stderr',
      /webhooks of Sprocket registered as hooked-operator-local, served at https:\/\/127\.0\.0\.1:\d+ until the run ends/,
    );
    const refusal = await eventually(
      'the webhook to refuse a bad Sprocket in the run’s namespace',
      () =>
        create(ns, 'refused').then(
          () => undefined,
          (err: Error) => (/denied the request/.test(err.message) ? err.message : undefined),
        ),
      { timeoutMs: 30_000 },
    );
    assert.match(refusal, /label "bad" is not allowed here/);
    await create('default', `elsewhere-${Date.now().toString(36)}`); // another namespace: not the run's webhook's business
    assert.equal(await run.stop('SIGINT'), 0, outputOf(run));
    await assert.rejects(cluster.admin.request({ path: registration }), (err: unknown) => isNotFound(err));
  } finally {
    await run.stop('SIGKILL');
    await cluster.admin.request({ method: 'DELETE', path: registration }).catch(() => undefined);
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    await cluster.admin
      .request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets.${hookedGroup}` })
      .catch(() => undefined);
  }
});

test('run serves the operator’s conversions: the CRD’s conversion points at the run, each version reads, and is put back when it stops', {
  timeout: 120_000,
}, async () => {
  const convertedGroup = `conv${Date.now().toString(36)}.test.io`;
  const converted = `sprockets.${convertedGroup}`;
  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${converted}`;
  // v1 (stored, the hub) calls it `label`; v2 calls it `tag`.
  const project = await writeProject(
    'converted-operator',
    `import Type from 'typebox';
import { customResource } from '${layerUrl('crd')}';
import { conversion } from '${layerUrl('webhook')}';
export const SprocketV1 = customResource({ group: '${convertedGroup}', version: 'v1', kind: 'Sprocket', spec: Type.Object({ label: Type.String() }) });
export const SprocketV2 = customResource({ group: '${convertedGroup}', version: 'v2', kind: 'Sprocket', storage: false, spec: Type.Object({ tag: Type.String() }) });
export const customResources = [SprocketV1, SprocketV2];
export const controllers = [];
export const conversions = [
  conversion(SprocketV1).spoke(SprocketV2, { toHub: (o) => ({ spec: { label: o.spec.tag } }), fromHub: (o) => ({ spec: { tag: o.spec.label } }) }),
];
`,
    `import { Manager, managerOptionsFromFlags } from '${layerUrl('manager')}';
import { conversions } from './operator.ts';
const manager = new Manager(managerOptionsFromFlags({ leaseName: 'converted-operator' }));
for (const definition of conversions) manager.add(definition);
await manager.run();
`,
  );
  const ns = `converted-${Date.now().toString(36)}`;
  for (const command of [['generate'], ['install']]) {
    const result = await runCli(command, { cwd: project, env });
    assert.equal(result.code, 0, result.stderr);
  }
  const installed = await cluster.admin.request<{ spec: { conversion: unknown } }>({ path: crdPath });
  await cluster.admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  const run = startCli(['run', '--json'], { cwd: project, env });
  try {
    await run.waitFor(
      'stderr',
      /webhooks of Sprocket conversion registered as converted-operator-local, served at https:\/\/127\.0\.0\.1:\d+/,
    );
    const during = await cluster.admin.request<{ spec: { conversion: { webhook: { clientConfig: { url: string } } } } }>({ path: crdPath });
    assert.match(during.spec.conversion.webhook.clientConfig.url, /^https:\/\/127\.0\.0\.1:\d+\/convert$/);
    await cluster.admin.request({
      method: 'POST',
      path: `/apis/${convertedGroup}/v1/namespaces/${ns}/sprockets`,
      body: { apiVersion: `${convertedGroup}/v1`, kind: 'Sprocket', metadata: { name: 'first' }, spec: { label: 'blue' } },
    });
    const asV2 = await eventually(
      'the v1 Sprocket to read in v2 through the run’s conversion',
      () =>
        cluster.admin
          .request<{ apiVersion: string; spec: Record<string, string> }>({
            path: `/apis/${convertedGroup}/v2/namespaces/${ns}/sprockets/first`,
          })
          .catch(() => undefined),
      { timeoutMs: 30_000 },
    );
    assert.deepEqual([asV2.apiVersion, asV2.spec], [`${convertedGroup}/v2`, { tag: 'blue' }]);
    assert.equal(await run.stop('SIGINT'), 0, outputOf(run));
    const afterRun = await cluster.admin.request<{ spec: { conversion: unknown } }>({ path: crdPath });
    assert.deepEqual(afterRun.spec.conversion, installed.spec.conversion, 'the conversion the CRD had before the run is put back');
  } finally {
    await run.stop('SIGKILL');
    // The CRD first (its objects go with it, read in the stored version): a conversion to nowhere must not hold
    // up the namespace's deletion.
    await cluster.admin.request({ method: 'DELETE', path: crdPath }).catch(() => undefined);
    await cluster.admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  }
});
