// chart/ without a helm binary (the e2e renders it with helm and diffs it against config/default): its values are
// config/'s and satisfy its schema, its templates balance their actions and use only values that exist, a module
// with conversions keeps /convert served when its admission webhooks are disabled, and `capstan generate` writes,
// keeps current and prunes chart/ as it does config/.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Type from 'typebox';
import Schema from 'typebox/schema';
import { parse } from 'yaml';
import { fixtureDir, layerUrl, runCli } from '../../e2e/cli/run-cli.ts';
import { declareController } from '../core/index.ts';
import { customResource } from '../crd/index.ts';
import { ConfigMap } from '../kinds/core/v1.ts';
import { conversion, webhook } from '../webhook/index.ts';
import { isGenerated, type OperatorDeclarations, projectFiles } from './generate.ts';
import { type ChartProject, helmChartFiles } from './helm-chart.ts';
import { defaultSettings, type Project } from './project.ts';

const status = Type.Object({ ready: Type.Optional(Type.Boolean()) });
const GearV1 = customResource({ group: 'example.com', version: 'v1', kind: 'Gear', spec: Type.Object({ teeth: Type.Integer() }), status });
const GearV2 = customResource({
  group: 'example.com',
  version: 'v2',
  kind: 'Gear',
  storage: false,
  spec: Type.Object({ cogs: Type.Integer() }),
  status,
});
const gearController = declareController({ name: 'gear', for: GearV1, owns: [ConfigMap] });

/** Admission webhooks (both kinds) and a conversion: every part of the chart. */
const gears: OperatorDeclarations = {
  customResources: [GearV1, GearV2],
  controllers: [gearController],
  webhookDefinitions: [
    webhook(GearV1)
      .validate(() => undefined)
      .mutate(({ object }) => object),
  ],
  conversions: [
    conversion(GearV1).spoke(GearV2, {
      toHub: (o) => ({ spec: { teeth: o.spec.cogs } }),
      fromHub: (o) => ({ spec: { cogs: o.spec.teeth } }),
    }),
  ],
};
gears.webhooks = gears.webhookDefinitions!.map((w) => w.declaration);

const project: Project & ChartProject = { root: '/nowhere', name: 'gears-operator', ...defaultSettings('gears-operator', 'example.com') };

/** The templates (and helpers) of `files`, by file name. */
function templates(files: ReadonlyMap<string, string>): Map<string, string> {
  return new Map(
    [...files].filter(([path]) => path.startsWith('chart/templates/')).map(([path, text]) => [path.slice('chart/templates/'.length), text]),
  );
}

/**
 * The conditions each line of a template is under (`if`, `range`, `with`, `define`; an `else` negates the branch
 * before it), failing on an `end` or `else` without its block, or a block left open.
 */
function enclosing(file: string, text: string): string[][] {
  const stack: string[] = [];
  return text.split('\n').map((line, i) => {
    const at = `${file}:${i + 1}`;
    const under = [...stack];
    for (const [, action] of line.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/g)) {
      const [keyword = '', ...rest] = action!.split(/\s+/);
      if (['if', 'range', 'with', 'define'].includes(keyword)) stack.push(`${keyword} ${rest.join(' ')}`);
      else if (keyword === 'else') {
        assert.ok(stack.length > 0, `${at}: else outside a block`);
        stack.push(`not (${stack.pop()}) ${rest.join(' ')}`);
      } else if (keyword === 'end') assert.ok(stack.pop() !== undefined, `${at}: end without a block`);
    }
    if (i === text.split('\n').length - 1) assert.deepEqual(stack, [], `${file}: blocks left open`);
    return under;
  });
}

test('values.yaml holds config/’s settings, satisfies values.schema.json, and the schema refuses a misspelt value', () => {
  const files = helmChartFiles(project, gears);
  const values = parse(files.get('chart/values.yaml')!) as Record<string, unknown>;
  const deployment = parse(projectFiles(project, gears).get('config/manager/deployment.yaml')!) as {
    spec: { replicas: number; template: { spec: { containers: Array<{ resources: unknown }> } } };
  };
  assert.deepEqual(values, {
    image: { repository: 'gears-operator', tag: '0.1.0', digest: '', pullPolicy: '' },
    replicas: deployment.spec.replicas,
    resources: deployment.spec.template.spec.containers[0]!.resources,
    watchNamespaces: [],
    leaderElection: { enabled: true },
    webhooks: { enabled: true },
    metrics: { service: { enabled: false }, serviceMonitor: { enabled: false } },
    crds: { install: true, keep: true },
  });
  const schema = Schema.Compile(JSON.parse(files.get('chart/values.schema.json')!));
  assert.ok(schema.Check(values), JSON.stringify([...schema.Errors(values)[1]]));
  assert.equal(schema.Check({ ...values, replica: 3 }), false, 'an unknown value');
  assert.equal(schema.Check({ ...values, watchNamespaces: ['Team A'] }), false, 'a namespace that is no DNS label');
  assert.equal(schema.Check({ ...values, leaderElection: { enabled: 'yes' } }), false, 'a string for a boolean');
});

test('the image’s digest form and a registry port, and the watched namespaces, are values too', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const files = helmChartFiles(
    { ...project, image: `registry.local:5000/team/gears@${digest}`, watchNamespace: 'team-a, team-b' },
    { customResources: [GearV1], controllers: [gearController] },
  );
  const values = parse(files.get('chart/values.yaml')!) as { image: unknown; watchNamespaces: unknown };
  assert.deepEqual(values.image, { repository: 'registry.local:5000/team/gears', tag: '', digest, pullPolicy: '' });
  assert.deepEqual(values.watchNamespaces, ['team-a', 'team-b']);
  assert.ok(Schema.Compile(JSON.parse(files.get('chart/values.schema.json')!)).Check(values));
});

test('every template balances its actions, and every .Values path it uses is in values.yaml', () => {
  const files = helmChartFiles(project, gears);
  const values = parse(files.get('chart/values.yaml')!) as Record<string, unknown>;
  const used = new Set<string>();
  for (const [file, text] of templates(files)) {
    enclosing(file, text);
    for (const [, path] of text.matchAll(/\.Values((?:\.\w+)+)/g)) used.add(path!.slice(1));
  }
  assert.ok(used.size >= 12, [...used].join(', '));
  for (const path of used) {
    const value = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], values);
    assert.notEqual(value, undefined, `.Values.${path} is used by a template but not in values.yaml`);
  }
  // Every value is used by some template: none is a setting that does nothing.
  const leaves = (value: unknown, prefix: string): string[] =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && prefix !== 'resources'
      ? Object.entries(value).flatMap(([key, v]) => leaves(v, prefix ? `${prefix}.${key}` : key))
      : [prefix];
  for (const leaf of leaves(values, '')) assert.ok(used.has(leaf), `${leaf} is in values.yaml but no template uses it`);
});

test('with the admission webhooks disabled, the conversion stays served: CRD conversion, webhook Service, certificates', () => {
  const chart = templates(helmChartFiles(project, gears));
  const under = (file: string, matches: (line: string) => boolean) => {
    const text = chart.get(file)!;
    const conditions = enclosing(file, text);
    const found = text.split('\n').flatMap((line, i) => (matches(line) ? [conditions[i]!.join(' && ')] : []));
    assert.ok(found.length > 0, `${file} has the line`);
    return found;
  };
  const webhooksValue = /\.Values\.webhooks/;
  for (const condition of under('crds.yaml', (line) => line.trim() === 'path: /convert')) assert.doesNotMatch(condition, webhooksValue);
  for (const condition of under('webhook.yaml', (line) => line === 'kind: Service')) assert.equal(condition, '');
  for (const condition of under('manager.yaml', (line) => line.includes('--webhook-cert-secret='))) assert.equal(condition, '');
  for (const condition of under('rbac.yaml', (line) => line.includes('name: gears-operator-webhook-certificates')))
    assert.equal(condition, '');
  for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'])
    assert.deepEqual(
      under('webhook.yaml', (line) => line === `kind: ${kind}`),
      ['if .Values.webhooks.enabled'],
    );
  // The knob, and the comment that says what it leaves.
  assert.match(helmChartFiles(project, gears).get('chart/values.yaml')!, /conversions keep being served/);
});

test('with the admission webhooks disabled, a module without conversions serves no webhook: no Service, port, flags or certificates', () => {
  const admissionOnly = { ...gears, customResources: [GearV1], conversions: [] };
  const chart = templates(helmChartFiles(project, admissionOnly));
  const conditionsOf = (file: string, matches: (line: string) => boolean) => {
    const text = chart.get(file)!;
    const conditions = enclosing(file, text);
    const found = text.split('\n').flatMap((line, i) => (matches(line) ? [conditions[i]!.join(' && ')] : []));
    assert.ok(found.length > 0, `${file} has the line`);
    return new Set(found);
  };
  const gated = new Set(['if .Values.webhooks.enabled']);
  assert.deepEqual(
    conditionsOf('webhook.yaml', (line) => line.startsWith('kind: ')),
    gated,
  );
  assert.deepEqual(
    conditionsOf('manager.yaml', (line) => /--webhook-|name: webhook-server|containerPort: 9443/.test(line)),
    gated,
  );
  assert.deepEqual(
    conditionsOf('rbac.yaml', (line) => line.includes('gears-operator-webhook-certificates')),
    gated,
  );
  // The rest of the Deployment is not: the manager runs either way.
  assert.deepEqual(
    conditionsOf('manager.yaml', (line) => line.includes('--metrics-port=')),
    new Set(['']),
  );
  assert.match(helmChartFiles(project, admissionOnly).get('chart/values.yaml')!, /the manager serves no webhook/);
});

test('namespaces come from the release, placeholders never show, and every file carries the generated mark', () => {
  const files = helmChartFiles({ ...project, watchNamespace: 'team-a' }, gears);
  for (const [path, text] of files) {
    assert.ok(isGenerated(text), `${path} is recognised as generated`);
    assert.doesNotMatch(text, path === 'chart/values.yaml' ? /placeholder|gears-system/ : /placeholder|gears-system|team-a/, path);
  }
  // Every namespace of the RBAC (the bindings' subjects included) is the release's, or a watched one in the range.
  const namespaces = templates(files)
    .get('rbac.yaml')!
    .match(/namespace: .*/g)!;
  assert.deepEqual(
    new Set(namespaces),
    new Set(['namespace: {{ .Release.Namespace }}', 'namespace: {{ $.Release.Namespace }}', 'namespace: {{ . }}']),
  );
  // The header is a comment of each format: JSON has none, so values.schema.json holds it as its $comment.
  assert.match((JSON.parse(files.get('chart/values.schema.json')!) as { $comment: string }).$comment, /^Generated by `capstan generate`/);
});

test('braces of the objects themselves (a description that shows a template) are escaped, not run by Helm', () => {
  const Note = customResource({
    group: 'example.com',
    version: 'v1',
    kind: 'Note',
    spec: Type.Object({ text: Type.String({ description: 'Rendered with {{ .name }} replaced.' }) }),
  });
  const crds = helmChartFiles(project, { customResources: [Note], controllers: [] }).get('chart/templates/crds.yaml')!;
  assert.match(crds, /description: Rendered with \{\{ "\{\{" \}\} \.name \}\} replaced\./);
});

test('Chart.yaml is the project’s: its name, and its package.json version as version and appVersion (0.1.0 without one)', () => {
  const chart = (version?: string) =>
    parse(helmChartFiles({ ...project, ...(version ? { version } : {}) }, gears).get('chart/Chart.yaml')!) as Record<string, unknown>;
  assert.deepEqual(
    [chart('2.3.4-rc.1')['name'], chart('2.3.4-rc.1')['version'], chart('2.3.4-rc.1')['appVersion'], chart('2.3.4-rc.1')['type']],
    ['gears-operator', '2.3.4-rc.1', '2.3.4-rc.1', 'application'],
  );
  assert.deepEqual([chart()['version'], chart()['appVersion'], chart()['apiVersion']], ['0.1.0', '0.1.0', 'v2']);
});

test('an operator without webhooks or conversions has no webhook template and no webhooks value; one with conversions only, the Service', () => {
  const plain = helmChartFiles(project, { customResources: [GearV1], controllers: [gearController] });
  assert.equal(plain.has('chart/templates/webhook.yaml'), false);
  assert.equal('webhooks' in (parse(plain.get('chart/values.yaml')!) as object), false);
  assert.doesNotMatch(plain.get('chart/templates/manager.yaml')!, /webhook/);
  const converted = helmChartFiles(project, {
    customResources: [GearV1, GearV2],
    controllers: [gearController],
    conversions: gears.conversions!,
  });
  assert.deepEqual(converted.get('chart/templates/webhook.yaml')!.match(/^kind: .*/gm), ['kind: Service']);
  assert.equal('webhooks' in (parse(converted.get('chart/values.yaml')!) as object), false, 'no knob that would do nothing');
});

let dir: string;
before(async () => {
  dir = await fixtureDir('helm-chart');
});
after(() => rm(dir, { recursive: true, force: true }));

/** An operator module importing the Capstan sources, with webhooks or without. */
const operator = (webhooks: boolean) => `import Type from 'typebox';
import { declareController } from '${layerUrl('core')}';
import { customResource } from '${layerUrl('crd')}';
import { webhook } from '${layerUrl('webhook')}';
export const Gear = customResource({ group: 'example.com', version: 'v1', kind: 'Gear', spec: Type.Object({ teeth: Type.Integer() }) });
export const customResources = [Gear];
export const controllers = [{ declaration: declareController({ name: 'gear', for: Gear }) }];
${webhooks ? 'export const webhooks = [webhook(Gear).validate(() => undefined)];' : ''}
`;

test('`generate --helm` writes chart/; later plain runs keep it current and prune what is no longer generated, never a file of yours', {
  timeout: 120_000,
}, async () => {
  const root = join(dir, 'gears-operator');
  await mkdir(join(root, 'src'), { recursive: true });
  const settings = defaultSettings('gears-operator', 'example.com');
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'gears-operator', version: '1.4.0', type: 'module', capstan: settings }),
  );
  await writeFile(join(root, 'src', 'operator.ts'), operator(true));

  const plain = await runCli(['generate'], { cwd: root });
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /chart\//, 'no chart without --helm');

  const helm = await runCli(['generate', '--helm'], { cwd: root });
  assert.equal(helm.code, 0, helm.stderr);
  for (const file of ['Chart.yaml', 'values.yaml', 'values.schema.json', '.helmignore', 'templates/webhook.yaml', 'templates/NOTES.txt'])
    assert.match(helm.stdout, new RegExp(`^wrote chart/${file.replace('.', '\\.')}$`, 'm'));
  assert.equal((parse(await readFile(join(root, 'chart/Chart.yaml'), 'utf8')) as { version: string }).version, '1.4.0');
  assert.match(helm.stdout, /1 custom resource\(s\), 1 controller\(s\); \d+ file\(s\) written, \d+ unchanged, 0 removed/);

  // Your own template beside the generated ones, and the module losing its webhooks.
  await writeFile(join(root, 'chart/templates/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
  await writeFile(join(root, 'src', 'operator.ts'), operator(false));
  const again = await runCli(['generate'], { cwd: root });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^removed chart\/templates\/webhook\.yaml$/m);
  assert.match(again.stdout, /^wrote chart\/values\.yaml$/m, 'the webhooks value goes');
  assert.equal(
    await readFile(join(root, 'chart/templates/extra.yaml'), 'utf8'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n',
  );

  const twice = await runCli(['generate'], { cwd: root });
  assert.match(twice.stdout, /; 0 file\(s\) written, \d+ unchanged, 0 removed/);
});
