// What `capstan init`, `capstan create api`, `capstan create webhook` and `capstan generate` do (their flags are in
// commands.ts).
// The schema compiler and the manifest builders load only once the cheap checks have passed.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliFailure } from './failure.ts';
import { defaultSettings, findProject, isDnsLabel, isDomain, type Project } from './project.ts';
import { apiPaths, apiTemplates, operatorAdditions } from './templates/api.ts';
import { projectTemplates, type TemplateVersions } from './templates/project.ts';
import {
  type ConversionSpec,
  conversionAdditions,
  conversionPaths,
  conversionTemplates,
  webhookAdditions,
  webhookTemplates,
} from './templates/webhook.ts';

/** Where the commands report what they did; tests pass their own. */
export type Say = (text: string) => void;
const print: Say = (text) => process.stdout.write(text);

export async function init(dir: string, opts: { domain: string; name?: string }, say: Say = print): Promise<void> {
  if (!isDomain(opts.domain)) {
    throw new CliFailure(
      `--domain ${JSON.stringify(opts.domain)} is not a domain: lower-case DNS labels with at least one dot, such as example.com`,
    );
  }
  const name = opts.name ?? basename(resolve(dir));
  if (!isDnsLabel(name)) {
    throw new CliFailure(
      opts.name === undefined
        ? `the directory name ${JSON.stringify(name)} cannot name the operator (lower-case letters, digits and '-', at most 63): pass --name`
        : `--name ${JSON.stringify(name)} is not a DNS label: lower-case letters, digits and '-', at most 63 characters`,
    );
  }
  const project: Project = { root: resolve(dir), name, ...defaultSettings(name, opts.domain) };
  const { projectFiles } = await import('./generate.ts');
  const files = new Map([
    ...projectTemplates(project, await templateVersions()),
    ...projectFiles(project, { customResources: [], controllers: [] }),
  ]);
  const existing = [...files.keys()].filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0) {
    throw new CliFailure(
      `${resolve(dir)} already has ${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}: run capstan init in an empty directory`,
    );
  }
  await writeAll(dir, files);
  say(
    [
      `Created ${name} (domain ${opts.domain}, namespace ${project.namespace}). Next:`,
      '  npm install',
      '  npx capstan create api --group <group> --version v1alpha1 --kind <Kind>',
      '  npx capstan generate',
      '',
    ].join('\n'),
  );
}

export async function createApi(dir: string, opts: { group: string; version: string; kind: string }, say: Say = print): Promise<void> {
  const project = await findProject(dir);
  if (!isDnsLabel(opts.group)) {
    throw new CliFailure(
      `--group ${JSON.stringify(opts.group)} is not a DNS label (lower-case letters, digits and '-'); the domain ${project.domain} is added to it`,
    );
  }
  const { default: Type } = await import('typebox');
  const { CrdError, customResource } = await import('../crd/index.ts');
  let plural: string;
  try {
    // The crd layer's own checks of the version and kind names, so that what create accepts, generate accepts.
    plural = customResource({
      group: `${opts.group}.${project.domain}`,
      version: opts.version,
      kind: opts.kind,
      spec: Type.Object({}),
    }).plural;
  } catch (err) {
    if (err instanceof CrdError) throw new CliFailure(`--${err.path} ${err.message.slice(err.path.length + 2)}`);
    throw err;
  }
  const api = { group: `${opts.group}.${project.domain}`, version: opts.version, kind: opts.kind, plural };
  const files = apiTemplates(api);
  const existing = [...files.keys()].filter((path) => existsSync(join(project.root, path)));
  if (existing.length > 0)
    throw new CliFailure(`${opts.kind} already exists (${existing.join(', ')}): pick another kind, or edit those files`);

  const operatorPath = join(project.root, project.operator);
  const source = await readFile(operatorPath, 'utf8').catch(() => {
    throw new CliFailure(`${operatorPath} does not exist ("capstan.operator" in package.json names it)`);
  });
  const operatorSource = withAdditions(source, operatorAdditions(api), project.operator);
  await writeAll(project.root, files);
  await writeFile(operatorPath, operatorSource);
  const paths = apiPaths(opts.kind);
  say(
    [
      `Created ${opts.kind} (${api.group}/${api.version}): ${paths.api}, ${paths.controller}, ${paths.sample}, ${paths.test}; added it to ${project.operator}. Next:`,
      '  npx capstan generate && npx capstan install',
      '  npx capstan run',
      `  kubectl apply -f ${paths.sample} && kubectl get ${plural}`,
      '',
    ].join('\n'),
  );
}

/** The flags of `capstan create webhook`. */
export interface CreateWebhookOptions {
  kind: string;
  validating?: boolean;
  defaulting?: boolean;
  conversion?: boolean;
  /** With `conversion`: the version to add. */
  version?: string;
}

/**
 * `capstan create webhook`: admission handlers for a kind of the project (`--defaulting`, `--validating`) and their
 * test, and/or (`--conversion --version <new>`) a new version of the kind with its conversion to and from the
 * existing one, each added to the operator module's lists.
 */
export async function createWebhook(dir: string, opts: CreateWebhookOptions, say: Say = print): Promise<void> {
  const project = await findProject(dir);
  if (!opts.validating && !opts.defaulting && !opts.conversion) {
    throw new CliFailure('say which webhooks to create: --defaulting, --validating and/or --conversion (with --version <the new version>)');
  }
  if (opts.version !== undefined && !opts.conversion)
    throw new CliFailure('--version is the version --conversion adds: pass --conversion too, or leave --version out');
  if (opts.conversion && opts.version === undefined)
    throw new CliFailure(`--conversion adds a version of ${opts.kind}: name it with --version (e.g. --version v1)`);
  const apiPath = apiPaths(opts.kind).api;
  if (!existsSync(join(project.root, apiPath))) {
    throw new CliFailure(
      `${apiPath} does not exist: the webhooks are for a kind of this project; create it first (capstan create api --group <group> --version <version> --kind ${opts.kind})`,
    );
  }
  const declared = await kindDeclaration(project.root, apiPath, opts.kind);

  const files = new Map<string, string>();
  const additions: Array<{ marker: string; line: string }> = [];
  const admission = Boolean(opts.validating || opts.defaulting);
  if (admission) {
    const spec = { ...declared, kind: opts.kind, validating: Boolean(opts.validating), defaulting: Boolean(opts.defaulting) };
    for (const [path, text] of webhookTemplates(spec)) files.set(path, text);
    additions.push(...webhookAdditions(opts.kind));
  }
  let conversion: ConversionSpec | undefined;
  if (opts.conversion) {
    conversion = { kind: opts.kind, group: declared.group, hubVersion: declared.version, version: opts.version! };
    await checkNewVersion(conversion);
    for (const [path, text] of conversionTemplates(conversion)) files.set(path, text);
    additions.push(...conversionAdditions(conversion));
  }
  const existing = [...files.keys()].filter((path) => existsSync(join(project.root, path)));
  if (existing.length > 0)
    throw new CliFailure(`${opts.kind}'s webhooks exist already (${existing.join(', ')}): edit those files, or remove them first`);

  const operatorPath = join(project.root, project.operator);
  const source = await readFile(operatorPath, 'utf8').catch(() => {
    throw new CliFailure(`${operatorPath} does not exist ("capstan.operator" in package.json names it)`);
  });
  const lists = withMissingLists(source, { webhooks: admission, conversions: conversion !== undefined });
  const operatorSource = withAdditions(lists, additions, project.operator);
  await writeAll(project.root, files);
  await writeFile(operatorPath, operatorSource);

  const created = [...files.keys()].join(', ');
  const mainSource = await readFile(join(project.root, project.main), 'utf8').catch(() => '');
  const unserved = [...(admission ? ['webhooks'] : []), ...(conversion ? ['conversions'] : [])].filter(
    (list) => !mainSource.includes(list),
  );
  say(
    [
      `Created ${created}; added ${admission && conversion ? 'them' : 'it'} to ${project.operator}. Next:`,
      ...(unserved.length > 0
        ? [
            `  in ${project.main}, serve them: import { ${unserved.join(', ')} } from './operator.ts', and`,
            `  for (const definition of [${unserved.map((l) => `...${l}`).join(', ')}]) manager.add(definition);`,
          ]
        : []),
      '  npm test                                 # the new tests call them directly',
      '  npx capstan generate                     # config/webhook: their registration and Service',
      '  npx capstan run                          # serves them and registers them with a local API server',
      '',
    ].join('\n'),
  );
  if (conversion) {
    const paths = conversionPaths(opts.kind, conversion.version);
    say(`${paths.api}: ${conversion.version} is served beside ${conversion.hubVersion}, which stays the storage version.\n`);
  }
}

/** The group and version of the kind `src/api/<kind>.ts` exports under the kind's name (what the templates import). */
async function kindDeclaration(root: string, apiPath: string, kind: string): Promise<{ group: string; version: string }> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(join(root, apiPath)).href)) as Record<string, unknown>;
  } catch (err) {
    const notInstalled = (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ? ' (run npm install first)' : '';
    throw new CliFailure(`importing ${apiPath} failed${notInstalled}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const declared = module[kind] as { group?: unknown; version?: unknown } | undefined;
  if (typeof declared?.group !== 'string' || typeof declared.version !== 'string') {
    throw new CliFailure(`${apiPath} does not export ${kind}, a customResource(...) declaration: the webhooks import it from there`);
  }
  return { group: declared.group, version: declared.version };
}

/** The crd layer's checks of a version name, and not the existing one. */
async function checkNewVersion(spec: ConversionSpec): Promise<void> {
  if (spec.version === spec.hubVersion)
    throw new CliFailure(`--version ${spec.version} is ${spec.kind}'s version already: name the version to add (e.g. v1)`);
  const { default: Type } = await import('typebox');
  const { CrdError, customResource } = await import('../crd/index.ts');
  try {
    customResource({ group: spec.group, version: spec.version, kind: spec.kind, spec: Type.Object({}) });
  } catch (err) {
    if (err instanceof CrdError) throw new CliFailure(`--${err.path} ${err.message.slice(err.path.length + 2)}`);
    throw err;
  }
}

/**
 * The operator module with a `webhooks` (and/or `conversions`) list and its marker appended when it has neither
 * (a project made before `create webhook` existed). A list without its marker is left for withAdditions to refuse.
 */
function withMissingLists(source: string, lists: { webhooks: boolean; conversions: boolean }): string {
  const missing = (name: string) => !source.includes(`capstan:scaffold:${name}`) && !new RegExp(`export const ${name}\\b`).test(source);
  let result = source;
  const types: string[] = [];
  if (lists.webhooks && missing('webhooks')) {
    types.push('WebhookDefinition');
    result = `${result.trimEnd()}\n\n// Admission webhooks (defaulting, validating), served by every replica (main.ts adds them to the manager).\nexport const webhooks: WebhookDefinition[] = [\n  // capstan:scaffold:webhooks\n];\n`;
  }
  if (lists.conversions && missing('conversions')) {
    types.push('ConversionDefinition');
    result = `${result.trimEnd()}\n\n// Conversions between the versions of a kind, served by every replica; their CRDs call them.\nexport const conversions: ConversionDefinition[] = [\n  // capstan:scaffold:conversions\n];\n`;
  }
  if (types.length > 0)
    result = withAdditions(
      result,
      [{ marker: 'capstan:scaffold:imports', line: `import type { ${types.join(', ')} } from 'capstan/webhook';` }],
      'the operator module',
    );
  return result;
}

/** Insert each line before its marker comment, with the marker's indentation; refuse when a marker is gone. */
export function withAdditions(source: string, additions: ReadonlyArray<{ marker: string; line: string }>, file: string): string {
  const lines = source.split('\n');
  for (const { marker, line } of additions) {
    const at = lines.findIndex((l) => l.trim() === `// ${marker}`);
    if (at < 0) {
      throw new CliFailure(
        `${file} has no \`// ${marker}\` line, so ${JSON.stringify(line)} cannot be added; put the marker back on a line of its own where such lines belong, and run the command again`,
      );
    }
    lines.splice(at, 0, `${/^\s*/.exec(lines[at]!)![0]}${line}`);
  }
  return lines.join('\n');
}

/**
 * `capstan generate`: load the operator module, write config/ and, with `helm` or when chart/ already holds a
 * generated chart (so that it never goes stale), chart/; say what changed and a summary line.
 */
export async function generateProject(dir: string, options: { helm?: boolean } = {}, say: Say = print): Promise<void> {
  const project = await findProject(dir);
  const { isGenerated, loadOperator, projectFiles, writeProjectFiles } = await import('./generate.ts');
  const { helmChartFiles } = await import('./helm-chart.ts');
  const declarations = await loadOperator(project);
  const files = projectFiles(project, declarations);
  const chartFile = await readFile(join(project.root, 'chart', 'Chart.yaml'), 'utf8').catch(() => undefined);
  if (options.helm || (chartFile !== undefined && isGenerated(chartFile))) {
    for (const [path, text] of helmChartFiles(project, declarations)) files.set(path, text);
  }
  const report = await writeProjectFiles(project, files);
  for (const path of report.written) say(`wrote ${path}\n`);
  for (const path of report.removed) say(`removed ${path}\n`);
  say(
    `${declarations.customResources.length} custom resource(s), ${declarations.controllers.length} controller(s); ` +
      `${report.written.length} file(s) written, ${report.unchanged.length} unchanged, ${report.removed.length} removed\n`,
  );
}

async function writeAll(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** Capstan's version and the versions of what a new project depends on, from Capstan's own package.json. */
async function templateVersions(): Promise<TemplateVersions> {
  // src/cli/ and dist/cli/ are both two levels below the package root.
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return {
    capstan: pkg.version,
    // Peer dependencies of Capstan, at the versions its own tests run with (its devDependencies).
    typebox: pkg.devDependencies?.['typebox'] ?? 'latest',
    pinoPretty: pkg.devDependencies?.['pino-pretty'] ?? 'latest',
    typescript: pkg.devDependencies?.['typescript'] ?? 'latest',
    typesNode: pkg.devDependencies?.['@types/node'] ?? 'latest',
  };
}
