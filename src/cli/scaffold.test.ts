// `capstan init` and `capstan create api`: the files a new project and a new kind get, what they refuse
// to overwrite, and how create api extends the operator module.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { fixtureDir, layerUrl } from '../../e2e/cli/run-cli.ts';
import { operatorNodeFlags } from '../internal/operator-process.ts';
import { CliFailure } from './failure.ts';
import { defaultNamespace, kebabCase } from './project.ts';
import { createApi, createWebhook, type CreateWebhookOptions, init } from './scaffold.ts';

let dir: string;
const quiet = () => undefined;

before(async () => {
  dir = await fixtureDir('scaffold');
});
after(() => rm(dir, { recursive: true, force: true }));

async function files(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

async function newProject(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(root);
  await init(root, { domain: 'test.io' }, quiet);
  return root;
}

test('init writes a complete project named after its directory, depending on this Capstan', async () => {
  const root = await newProject('widget-operator');
  assert.deepEqual(await files(root), [
    '.dockerignore',
    '.gitignore',
    'Dockerfile',
    'README.md',
    'config/crd/.gitkeep',
    'config/default/kustomization.yaml',
    'config/kustomization.yaml',
    'config/manager/deployment.yaml',
    'config/manager/kustomization.yaml',
    'config/manager/namespace.yaml',
    'config/metrics/kustomization.yaml',
    'config/metrics/metrics_service.yaml',
    'config/overlays/dev/kustomization.yaml',
    'config/overlays/production/kustomization.yaml',
    'config/overlays/production/pod_disruption_budget.yaml',
    'config/prometheus/kustomization.yaml',
    'config/prometheus/monitor.yaml',
    'config/rbac/kustomization.yaml',
    'config/rbac/leader_election_role.yaml',
    'config/rbac/leader_election_role_binding.yaml',
    'config/rbac/metrics_auth_role.yaml',
    'config/rbac/metrics_auth_role_binding.yaml',
    'config/rbac/metrics_reader_role.yaml',
    'config/rbac/role.yaml',
    'config/rbac/role_binding.yaml',
    'config/rbac/service_account.yaml',
    'config/samples/.gitkeep',
    'package.json',
    'src/main.ts',
    'src/operator.ts',
    'test/operator.test.ts',
    'tsconfig.build.json',
    'tsconfig.json',
  ]);
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  const ours = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  assert.equal(pkg['name'], 'widget-operator');
  assert.deepEqual(pkg['capstan'], {
    domain: 'test.io',
    namespace: 'widget-system',
    image: 'widget-operator:0.1.0',
    operator: 'src/operator.ts',
    main: 'src/main.ts',
  });
  assert.deepEqual(pkg['dependencies'], { capstan: `^${ours.version}`, typebox: ours.devDependencies['typebox'] });
  assert.deepEqual(pkg['devDependencies'], {
    '@types/node': ours.devDependencies['@types/node'],
    'pino-pretty': ours.devDependencies['pino-pretty'],
    typescript: ours.devDependencies['typescript'],
  });
  assert.equal(pkg['engines']?.['node'], '>=22.18.0');

  const tsconfig = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  assert.equal(tsconfig.compilerOptions['rewriteRelativeImportExtensions'], true);
  assert.equal(tsconfig.compilerOptions['erasableSyntaxOnly'], true);
  // Before any kind, the operator may read nothing; its Deployment runs as the Dockerfile's user.
  assert.deepEqual((parse(await readFile(join(root, 'config/rbac/role.yaml'), 'utf8')) as { rules: unknown[] }).rules, []);
  assert.match(await readFile(join(root, 'Dockerfile'), 'utf8'), /^USER 65532$/m);
  // The image runs what `npm run build` compiles, with the V8 flags `npm start` (and capstan run) give node too.
  const entrypoint = /^ENTRYPOINT (.*)$/m.exec(await readFile(join(root, 'Dockerfile'), 'utf8'))?.[1];
  assert.deepEqual(JSON.parse(entrypoint ?? 'null'), ['/nodejs/bin/node', ...operatorNodeFlags, 'dist/main.js']);
  const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(scripts['start'], `node ${operatorNodeFlags.join(' ')} src/main.ts`);
  assert.equal(scripts['build'], 'tsc -p tsconfig.build.json');
  assert.match(await readFile(join(root, 'config/manager/deployment.yaml'), 'utf8'), /runAsUser: 65532/);
});

test("the examples' image files and start scripts are what init writes", async () => {
  // The examples were made by init before these files changed; a change of the template reaches them only by hand.
  const root = await newProject('image-files');
  const scripts = (dir: string) =>
    readFile(join(dir, 'package.json'), 'utf8').then((t) => (JSON.parse(t) as { scripts: Record<string, string> }).scripts);
  const generated = await scripts(root);
  for (const example of ['hello-world', 'web-app', 'cronjob']) {
    const dir = new URL(`../../examples/${example}/`, import.meta.url).pathname;
    for (const file of ['Dockerfile', 'tsconfig.build.json'])
      assert.equal(
        await readFile(join(dir, file), 'utf8'),
        await readFile(join(root, file), 'utf8'),
        `examples/${example}/${file}: what capstan init writes`,
      );
    const own = await scripts(dir);
    assert.equal(own['start'], generated['start'], `examples/${example}: the start script`);
    assert.equal(own['build'], generated['build'], `examples/${example}: the build script`);
  }
});

test('init in a directory that already has project files refuses and changes nothing', async () => {
  const root = join(dir, 'existing');
  await mkdir(root);
  await writeFile(join(root, 'package.json'), '{"name":"mine"}\n');
  const before = await stat(join(root, 'package.json'));
  await assert.rejects(
    init(root, { domain: 'test.io' }, quiet),
    (err: unknown) => err instanceof CliFailure && /already has package\.json: run capstan init in an empty directory/.test(err.message),
  );
  assert.deepEqual(await files(root), ['package.json']);
  assert.equal((await stat(join(root, 'package.json'))).mtimeMs, before.mtimeMs);
});

test('create api writes the schema, controller, sample and test, and adds the kind to the operator module', async () => {
  const root = await newProject('tools');
  await createApi(root, { group: 'tools', version: 'v1beta1', kind: 'Widget' }, quiet);
  await createApi(root, { group: 'tools', version: 'v1', kind: 'HelloWorld' }, quiet);
  for (const path of [
    'src/api/widget.ts',
    'src/controllers/widget.ts',
    'config/samples/widget.yaml',
    'test/widget.test.ts',
    'src/api/hello-world.ts',
    'test/hello-world.test.ts',
  ]) {
    assert.ok((await files(root)).includes(path), path);
  }
  const operator = await readFile(join(root, 'src/operator.ts'), 'utf8');
  // Each kind's lines land before the markers, in the order the kinds were created.
  for (const lines of [
    [
      "import { Widget } from './api/widget.ts';",
      "import { widgetController } from './controllers/widget.ts';",
      "import { HelloWorld } from './api/hello-world.ts';",
      "import { helloWorldController } from './controllers/hello-world.ts';",
      '// capstan:scaffold:imports',
    ],
    ['  Widget,', '  HelloWorld,', '  // capstan:scaffold:custom-resources'],
    ['  widgetController,', '  helloWorldController,', '  // capstan:scaffold:controllers'],
  ]) {
    assert.ok(operator.includes(lines.join('\n')), `${lines.join(' / ')} in\n${operator}`);
  }
  const schema = await readFile(join(root, 'src/api/widget.ts'), 'utf8');
  assert.match(schema, /group: 'tools\.test\.io',\n\s+version: 'v1beta1',\n\s+kind: 'Widget',/);
  assert.match(schema, /observedGeneration: Type\.Optional/);
  assert.match(schema, /conditions: Type\.Optional\(Conditions\(\)\)/);
  assert.match(await readFile(join(root, 'src/controllers/widget.ts'), 'utf8'), /ctx\.applyStatus\(\[\{ type: 'Ready', status: 'True'/);
  assert.deepEqual(parse(await readFile(join(root, 'config/samples/widget.yaml'), 'utf8')), {
    apiVersion: 'tools.test.io/v1beta1',
    kind: 'Widget',
    metadata: { name: 'widget' },
    spec: { message: 'Hello from the Widget operator!' },
  });

  // The tests are tests only: the runner, the cluster and the helpers come from capstan/testing (STYLE 16).
  for (const file of ['test/operator.test.ts', 'test/widget.test.ts', 'test/hello-world.test.ts']) {
    const text = await readFile(join(root, file), 'utf8');
    const imported = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    assert.deepEqual(
      imported.filter(
        (from) => !['node:assert/strict', 'node:test', 'capstan/testing'].includes(from!) && !from!.startsWith('../src/api/'),
      ),
      [],
      `${file} imports only node:test, node:assert, capstan/testing and its own kinds`,
    );
    assert.match(text, /^import \{ [^}]*\bstartOperator\b[^}]* \} from 'capstan\/testing';$/m, file);
  }
});

test('create api refuses a kind that exists, and an operator module without its markers, writing nothing', async () => {
  const root = await newProject('gadgets');
  await createApi(root, { group: 'tools', version: 'v1', kind: 'Gadget' }, quiet);
  const before = await readFile(join(root, 'src/operator.ts'), 'utf8');
  await assert.rejects(
    createApi(root, { group: 'tools', version: 'v2', kind: 'Gadget' }, quiet),
    /Gadget already exists \(src\/api\/gadget\.ts, src\/controllers\/gadget\.ts, config\/samples\/gadget\.yaml, test\/gadget\.test\.ts\)/,
  );
  assert.equal(await readFile(join(root, 'src/operator.ts'), 'utf8'), before);

  await writeFile(join(root, 'src/operator.ts'), before.replace('  // capstan:scaffold:controllers\n', ''));
  const listed = await files(root);
  await assert.rejects(
    createApi(root, { group: 'tools', version: 'v1', kind: 'Gizmo' }, quiet),
    /src\/operator\.ts has no `\/\/ capstan:scaffold:controllers` line, so "gizmoController," cannot be added/,
  );
  assert.deepEqual(await files(root), listed);
});

test('names derived from kinds and project names', () => {
  assert.equal(kebabCase('HelloWorld'), 'hello-world');
  assert.equal(kebabCase('Widget'), 'widget');
  assert.equal(kebabCase('URLMap'), 'url-map');
  assert.equal(kebabCase('DNSRecord2'), 'dns-record2');
  assert.equal(defaultNamespace('hello-world-operator'), 'hello-world-system');
  assert.equal(defaultNamespace('widgets'), 'widgets-system');
});

/** A project with the kind Widget (v1beta1) whose schema module imports the Capstan sources, as create webhook imports it. */
async function projectWithWidget(name: string): Promise<string> {
  const root = await newProject(name);
  await createApi(root, { group: 'tools', version: 'v1beta1', kind: 'Widget' }, quiet);
  const schema = join(root, 'src/api/widget.ts');
  await writeFile(schema, (await readFile(schema, 'utf8')).replace("from 'capstan';", `from '${layerUrl('crd')}';`));
  return root;
}

test('create webhook writes the handlers and their test, and adds them to the webhooks of the operator module', async () => {
  const root = await projectWithWidget('hooks');
  let said = '';
  await createWebhook(root, { kind: 'Widget', defaulting: true, validating: true }, (text) => (said += text));
  assert.match(said, /^Created src\/webhooks\/widget\.ts, test\/widget-webhooks\.test\.ts; added it to src\/operator\.ts\. Next:$/m);
  assert.doesNotMatch(said, /serve them/, 'the scaffolded main.ts adds the webhooks to the manager already');
  const operator = await readFile(join(root, 'src/operator.ts'), 'utf8');
  assert.ok(operator.includes("import { widgetWebhooks } from './webhooks/widget.ts';\n// capstan:scaffold:imports"), operator);
  assert.ok(operator.includes('  widgetWebhooks,\n  // capstan:scaffold:webhooks'), operator);
  const handlers = await readFile(join(root, 'src/webhooks/widget.ts'), 'utf8');
  assert.match(handlers, /^export const widgetWebhooks = webhook\(Widget\)\n[^]*\.mutate\([^]*\.validate\(/m);
  const test = await readFile(join(root, 'test/widget-webhooks.test.ts'), 'utf8');
  assert.match(test, /kind: \{ group: 'tools\.test\.io', version: 'v1beta1', kind: 'Widget' \}/);

  // Only one of them: the other is not written.
  await createApi(root, { group: 'tools', version: 'v1', kind: 'Gadget' }, quiet);
  const gadget = join(root, 'src/api/gadget.ts');
  await writeFile(gadget, (await readFile(gadget, 'utf8')).replace("from 'capstan';", `from '${layerUrl('crd')}';`));
  await createWebhook(root, { kind: 'Gadget', validating: true }, quiet);
  const gadgetHandlers = await readFile(join(root, 'src/webhooks/gadget.ts'), 'utf8');
  assert.doesNotMatch(gadgetHandlers, /\.mutate\(/);
  assert.match(gadgetHandlers, /^import \{ deny, webhook \} from 'capstan\/webhook';$/m);
  assert.doesNotMatch(await readFile(join(root, 'test/gadget-webhooks.test.ts'), 'utf8'), /mutating/);
});

test('create webhook --conversion writes the new version, its conversion and their test, and lists both', async () => {
  const root = await projectWithWidget('converted');
  await createWebhook(root, { kind: 'Widget', conversion: true, version: 'v1' }, quiet);
  const operator = await readFile(join(root, 'src/operator.ts'), 'utf8');
  for (const lines of [
    ["import { WidgetV1 } from './api/widget-v1.ts';", "import { widgetConversion } from './webhooks/widget-conversion.ts';"],
    ['  Widget,', '  WidgetV1,', '  // capstan:scaffold:custom-resources'],
    ['  widgetConversion,', '  // capstan:scaffold:conversions'],
  ]) {
    assert.ok(operator.includes(lines.join('\n')), `${lines.join(' / ')} in\n${operator}`);
  }
  const version = await readFile(join(root, 'src/api/widget-v1.ts'), 'utf8');
  assert.match(version, /version: 'v1',\n[^]*storage: false,/);
  assert.match(await readFile(join(root, 'src/webhooks/widget-conversion.ts'), 'utf8'), /conversion\(Widget\)\.spoke\(WidgetV1, \{/);
  assert.match(await readFile(join(root, 'test/widget-conversion.test.ts'), 'utf8'), /apiVersion: 'tools\.test\.io\/v1beta1'/);
});

test('create webhook refuses what it cannot do, saying what to pass, and writes nothing', async () => {
  const root = await projectWithWidget('refusals');
  const listed = await files(root);
  const refusals: Array<[CreateWebhookOptions, RegExp]> = [
    [{ kind: 'Widget' }, /^say which webhooks to create: --defaulting, --validating and\/or --conversion/],
    [{ kind: 'Nothing', validating: true }, /^src\/api\/nothing\.ts does not exist: .*create it first \(capstan create api/],
    [{ kind: 'Widget', conversion: true }, /^--conversion adds a version of Widget: name it with --version/],
    [{ kind: 'Widget', conversion: true, version: 'v1beta1' }, /^--version v1beta1 is Widget's version already/],
    [{ kind: 'Widget', validating: true, version: 'v1' }, /^--version is the version --conversion adds/],
  ];
  for (const [opts, message] of refusals) {
    await assert.rejects(createWebhook(root, opts, quiet), (err: unknown) => err instanceof CliFailure && message.test(err.message));
  }
  assert.deepEqual(await files(root), listed);
  await createWebhook(root, { kind: 'Widget', validating: true }, quiet);
  await assert.rejects(
    createWebhook(root, { kind: 'Widget', validating: true }, quiet),
    /Widget's webhooks exist already \(src\/webhooks\/widget\.ts, test\/widget-webhooks\.test\.ts\)/,
  );
});

test('an operator module from before create webhook gets its webhooks list, and is told how to serve it', async () => {
  const root = await projectWithWidget('older');
  const operatorPath = join(root, 'src/operator.ts');
  const current = await readFile(operatorPath, 'utf8');
  const older = current
    .slice(0, current.indexOf('\n// Admission webhooks'))
    .replace("import type { ConversionDefinition, WebhookDefinition } from 'capstan/webhook';\n", '');
  await writeFile(operatorPath, `${older}\n`);
  await writeFile(join(root, 'src/main.ts'), "import { controllers } from './operator.ts';\n");
  let said = '';
  await createWebhook(root, { kind: 'Widget', defaulting: true }, (text) => (said += text));
  const operator = await readFile(operatorPath, 'utf8');
  assert.ok(
    operator.includes(
      "import type { WebhookDefinition } from 'capstan/webhook';\nimport { widgetWebhooks } from './webhooks/widget.ts';\n// capstan:scaffold:imports",
    ),
    operator,
  );
  assert.match(
    operator,
    /export const webhooks: WebhookDefinition\[\] = \[\n {2}widgetWebhooks,\n {2}\/\/ capstan:scaffold:webhooks\n\];\n$/,
  );
  assert.match(said, /^ {2}in src\/main\.ts, serve them: import \{ webhooks \} from '\.\/operator\.ts', and$/m);
});
