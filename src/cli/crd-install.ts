// `capstan install` / `uninstall`: the CRDs of config/crd applied to (or removed from) a cluster, and
// waited for: installed means the API server serves the kind (Established, and listed by discovery);
// uninstalled means the CRD is gone, its objects with it.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { isApiError, isNotFound, type KubeClient } from '../client/index.ts';
import { defineKind, type KubeObject } from '../core/index.ts';
import type { CustomResourceDefinition } from '../crd/index.ts';
import { CliFailure } from './failure.ts';

const CustomResourceDefinitions = defineKind<KubeObject & CustomResourceDefinition>({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
});

interface CrdStatus {
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

/** The CRDs in `<root>/config/crd/*.yaml`, in file-name order. */
export async function readCrds(root: string): Promise<CustomResourceDefinition[]> {
  const dir = join(root, 'config', 'crd');
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const crds: CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const object = doc.toJS() as Partial<CustomResourceDefinition> | null;
      if (object?.kind === 'CustomResourceDefinition') crds.push(object as CustomResourceDefinition);
    }
  }
  if (crds.length === 0) {
    throw new CliFailure(`no CRDs in ${dir}: declare a custom resource (capstan create api) and run capstan generate`);
  }
  return crds;
}

/** Apply each CRD by server-side apply, then wait until every served version of it is served. */
export async function installCrds(
  client: KubeClient,
  crds: readonly CustomResourceDefinition[],
  options: { timeoutMs: number; log: (line: string) => void },
): Promise<void> {
  const resource = client.resource(CustomResourceDefinitions);
  for (const crd of crds) {
    await resource.apply(crd, { fieldManager: 'capstan', force: true });
  }
  const deadline = Date.now() + options.timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata.name;
    let waitingFor = 'the Established condition';
    for (;;) {
      const current = (await resource.get(name)) as unknown as CrdStatus;
      const conditions = current.status?.conditions ?? [];
      const refused = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      if (refused) throw new CliFailure(`${name}: the API server refused its names: ${refused.message ?? ''}`);
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) {
        const unserved = await firstUnserved(client, crd);
        if (unserved === undefined) break;
        waitingFor = `discovery to list ${crd.spec.names.plural} in ${crd.spec.group}/${unserved}`;
      }
      if (Date.now() > deadline)
        throw new CliFailure(`${name} was applied but is not served after ${options.timeoutMs / 1000} s (waiting for ${waitingFor})`);
      await sleep(250);
    }
    options.log(
      `installed ${name}: served as ${crd.spec.versions
        .filter((v) => v.served)
        .map((v) => `${crd.spec.group}/${v.name}`)
        .join(', ')} ${crd.spec.names.kind}`,
    );
  }
}

async function firstUnserved(client: KubeClient, crd: CustomResourceDefinition): Promise<string | undefined> {
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const list = await client
      .request<{ resources: Array<{ name: string }> }>({ path: `/apis/${crd.spec.group}/${version.name}` })
      .catch((err: unknown) => {
        // Not served yet: the group/version is unknown (404) or its discovery is still starting (503).
        if (isNotFound(err) || (isApiError(err) && err.code === 'SERVICE_UNAVAILABLE')) return { resources: [] };
        throw err;
      });
    if (!list.resources.some((r) => r.name === crd.spec.names.plural)) return version.name;
  }
  return undefined;
}

/** Delete each CRD (its objects go with it) and wait until it is gone. */
export async function uninstallCrds(
  client: KubeClient,
  crds: readonly CustomResourceDefinition[],
  options: { timeoutMs: number; log: (line: string) => void },
): Promise<void> {
  const resource = client.resource(CustomResourceDefinitions);
  const deleted: string[] = [];
  for (const crd of crds) {
    try {
      await resource.delete(crd.metadata.name);
      deleted.push(crd.metadata.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      options.log(`${crd.metadata.name} is not installed`);
    }
  }
  const deadline = Date.now() + options.timeoutMs;
  for (const name of deleted) {
    for (;;) {
      const gone = await resource.get(name).then(
        () => false,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      );
      if (gone) break;
      if (Date.now() > deadline)
        throw new CliFailure(
          `${name} is still there ${options.timeoutMs / 1000} s after its deletion (the API server deletes its objects first)`,
        );
      await sleep(250);
    }
    options.log(`uninstalled ${name}`);
  }
}
