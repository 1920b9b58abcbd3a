// A Capstan project as the CLI sees it: the nearest package.json with a "capstan" field, and the names
// derived from it. `capstan init` writes that field; every other command reads it, so the names in
// config/, src/main.ts and the tests agree without any of them parsing the others.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliFailure } from './failure.ts';

/** The `capstan` field of a project's package.json. */
export interface ProjectSettings {
  /** The domain API groups end in: `--group tools` becomes `tools.<domain>`. */
  domain: string;
  /** Where the operator runs: its ServiceAccount, Deployment and leader-election Lease live here. */
  namespace: string;
  /** Reconcile only this namespace, or these (`a,b`): a Role in each instead of a ClusterRole; absent: the whole cluster. */
  watchNamespace?: string;
  /** The image the Deployment runs. */
  image: string;
  /** The module that exports `customResources` and `controllers` (imported by `capstan generate`). */
  operator: string;
  /** The entry point `capstan run` starts. */
  main: string;
}

/** A project found on disk. */
export interface Project extends ProjectSettings {
  /** The folder of its package.json. */
  root: string;
  /** The package name, which also names the operator's ServiceAccount, roles and Deployment. */
  name: string;
  /**
   * The package version, which versions the Helm chart (`capstan generate --helm`); absent when package.json has
   * no string `version`, and the chart is then 0.1.0, the version `capstan init` writes.
   */
  version?: string;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True for a DNS-1123 label: what names a ServiceAccount, a Deployment or a namespace. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && dnsLabel.test(value);
}

/** True for a DNS-1123 subdomain with at least one dot, such as `example.com`. */
export function isDomain(value: string): boolean {
  const labels = value.split('.');
  return value.length <= 253 && labels.length >= 2 && labels.every(isDnsLabel);
}

/** `hello-world-operator` runs in `hello-world-system`, `widgets` in `widgets-system` (Kubebuilder's convention). */
export function defaultNamespace(name: string): string {
  return `${name.replace(/-operator$/, '')}-system`.slice(0, 63).replace(/-+$/, '');
}

/** `HelloWorld` → `hello-world`: file names and object names derived from a kind. */
export function kebabCase(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** `HelloWorld` → `helloWorld`. */
export function camelCase(kind: string): string {
  return kind.charAt(0).toLowerCase() + kind.slice(1);
}

/** The settings `capstan init` records for a new project. */
export function defaultSettings(name: string, domain: string): ProjectSettings {
  return { domain, namespace: defaultNamespace(name), image: `${name}:0.1.0`, operator: 'src/operator.ts', main: 'src/main.ts' };
}

/**
 * The project `from` is in: the nearest folder at or above it whose package.json has a "capstan" field.
 * Fails with what to do when there is none, or when the field is incomplete.
 */
export async function findProject(from: string = process.cwd()): Promise<Project> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(await readFile(path, 'utf8')) as { name?: unknown; version?: unknown; capstan?: Partial<ProjectSettings> };
      if (pkg.capstan !== undefined) return projectOf(dir, pkg, pkg.capstan);
    }
    if (dirname(dir) === dir) break;
  }
  throw new CliFailure(
    `${resolve(from)} is not in a Capstan project (no package.json with a "capstan" field here or above): create one with \`capstan init --domain <domain>\``,
  );
}

function projectOf(root: string, pkg: { name?: unknown; version?: unknown }, settings: Partial<ProjectSettings>): Project {
  const at = `${join(root, 'package.json')}`;
  const name = pkg.name;
  if (typeof name !== 'string' || !isDnsLabel(name)) {
    throw new CliFailure(
      `${at}: "name" must be a lower-case DNS label (it names the operator's ServiceAccount and Deployment), not ${JSON.stringify(name)}`,
    );
  }
  for (const field of ['domain', 'namespace', 'image'] as const) {
    if (typeof settings[field] !== 'string' || settings[field] === '') throw new CliFailure(`${at}: "capstan.${field}" is missing`);
  }
  return {
    root,
    name,
    ...(typeof pkg.version === 'string' ? { version: pkg.version } : {}),
    domain: settings.domain!,
    namespace: settings.namespace!,
    image: settings.image!,
    ...(settings.watchNamespace ? { watchNamespace: settings.watchNamespace } : {}),
    operator: settings.operator ?? 'src/operator.ts',
    main: settings.main ?? 'src/main.ts',
  };
}
