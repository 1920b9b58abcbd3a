// An operator project as the test kit sees it: the "capstan" settings of its package.json (where its
// ServiceAccount and Lease live, which module runs it) and its generated config/, applied the way its
// README says before the operator starts.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from './cluster.ts';
import { kubectl } from './kubectl.ts';

/** What a project's package.json says about running it. */
export interface OperatorProject {
  dir: string;
  /** The package name: the name of its ServiceAccount, Deployment and Lease. */
  name: string;
  /** The namespace of its ServiceAccount, Deployment and Lease. */
  namespace: string;
  /** The entry module, relative to `dir`. */
  main: string;
}

/** Read `<dir>/package.json`; undefined when there is none. */
export async function readOperatorProject(dir: string): Promise<OperatorProject | undefined> {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return undefined;
  const pkg = JSON.parse(await readFile(path, 'utf8')) as { name?: string; capstan?: { namespace?: string; main?: string } };
  if (!pkg.name || !pkg.capstan?.namespace) {
    throw new Error(
      `${path} has no "name" or no "capstan": { "namespace" } (capstan init writes both), so give startOperator what it would read there`,
    );
  }
  return { dir, name: pkg.name, namespace: pkg.capstan.namespace, main: pkg.capstan.main ?? 'src/main.ts' };
}

interface CrdDocument {
  kind?: string;
  spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; served?: boolean; storage?: boolean }> };
}

async function yamlDocuments(dir: string): Promise<Array<{ file: string; object: unknown }>> {
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const documents: Array<{ file: string; object: unknown }> = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) documents.push({ file, object: doc.toJS() as unknown });
  }
  return documents;
}

/**
 * Apply a project's config/ as its cluster admin would, in the order that lets the operator start refused
 * nothing: the namespace (config/manager/namespace.yaml), the CRDs (config/crd), then, once each kind is
 * usable as an owner ({@link Cluster.waitForKind}, probing with the fields of its sample in config/samples),
 * the RBAC (config/rbac). Resolves with the moment the kinds were usable, before the RBAC existed.
 */
export async function applyProjectConfig(cluster: Cluster, project: { dir: string }, signal?: AbortSignal): Promise<Date> {
  const options = { cwd: project.dir, signal };
  const config = join(project.dir, 'config');
  if (existsSync(join(config, 'manager', 'namespace.yaml')))
    await kubectl(cluster, ['apply', '-f', 'config/manager/namespace.yaml'], options);
  const crds = (await yamlDocuments(join(config, 'crd'))).filter(
    (d) => (d.object as CrdDocument | null)?.kind === 'CustomResourceDefinition',
  );
  // Server-side: a CRD's schema can exceed the 256 KiB annotation of a client-side apply.
  for (const file of new Set(crds.map((d) => d.file)))
    await kubectl(cluster, ['apply', '--server-side', '--force-conflicts', '-f', join('config', 'crd', file)], options);
  const samples = (await yamlDocuments(join(config, 'samples'))).map((d) => d.object as Record<string, unknown> | null);
  for (const { object } of crds) {
    const spec = (object as CrdDocument).spec!;
    const version = (spec.versions.find((v) => v.storage) ?? spec.versions.find((v) => v.served) ?? spec.versions[0])!.name;
    const sample = samples.find((s) => s?.['kind'] === spec.names.kind && String(s['apiVersion']).startsWith(`${spec.group}/`));
    const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...probeFields } = sample ?? {};
    await cluster.waitForKind(spec.group, version, spec.names.kind, { probeFields, signal });
  }
  const usable = new Date();
  // A generated config/rbac is a kustomization of its own (apply -f would take its kustomization.yaml for an object).
  if (existsSync(join(config, 'rbac', 'kustomization.yaml'))) await kubectl(cluster, ['apply', '-k', 'config/rbac'], options);
  else if (existsSync(join(config, 'rbac'))) await kubectl(cluster, ['apply', '-f', 'config/rbac'], options);
  return usable;
}
