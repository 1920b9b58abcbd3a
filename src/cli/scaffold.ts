// What `capstan init`, `capstan create api` and `capstan generate` do (their flags are in commands.ts).
// The schema compiler and the manifest builders load only once the cheap checks have passed.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliFailure } from './failure.ts';
import { defaultSettings, findProject, isDnsLabel, isDomain, type Project } from './project.ts';
import { apiPaths, apiTemplates, operatorAdditions } from './templates/api.ts';
import { projectTemplates, type TemplateVersions } from './templates/project.ts';

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

/** Insert each line before its marker comment, with the marker's indentation; refuse when a marker is gone. */
export function withAdditions(source: string, additions: ReadonlyArray<{ marker: string; line: string }>, file: string): string {
  const lines = source.split('\n');
  for (const { marker, line } of additions) {
    const at = lines.findIndex((l) => l.trim() === `// ${marker}`);
    if (at < 0) {
      throw new CliFailure(
        `${file} has no \`// ${marker}\` line, so ${JSON.stringify(line)} cannot be added; put the marker back on a line of its own where such lines belong, and run create api again`,
      );
    }
    lines.splice(at, 0, `${/^\s*/.exec(lines[at]!)![0]}${line}`);
  }
  return lines.join('\n');
}

export async function generate(dir: string, say: Say = print): Promise<void> {
  const project = await findProject(dir);
  const { loadOperator, projectFiles, writeProjectFiles } = await import('./generate.ts');
  const declarations = await loadOperator(project);
  const report = await writeProjectFiles(project, projectFiles(project, declarations));
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
