// `capstan init` and `capstan create api`: the files a new project and a new kind get, what they refuse
// to overwrite, and how create api extends the operator module.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { fixtureDir } from '../../e2e/cli/run-cli.ts';
import { CliFailure } from './failure.ts';
import { defaultNamespace, kebabCase } from './project.ts';
import { createApi, init } from './scaffold.ts';

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
    'config/kustomization.yaml',
    'config/manager/deployment.yaml',
    'config/manager/namespace.yaml',
    'config/rbac/leader_election_role.yaml',
    'config/rbac/leader_election_role_binding.yaml',
    'config/rbac/role.yaml',
    'config/rbac/role_binding.yaml',
    'config/rbac/service_account.yaml',
    'config/samples/.gitkeep',
    'package.json',
    'src/main.ts',
    'src/operator.ts',
    'test/operator.test.ts',
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
  assert.match(await readFile(join(root, 'config/manager/deployment.yaml'), 'utf8'), /runAsUser: 65532/);
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
