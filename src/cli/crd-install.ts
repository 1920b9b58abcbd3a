// `capstan install` / `uninstall`: the CRDs of config/crd applied to (or removed from) a cluster, and
// waited for: installed means the API server serves the kind (Established, and listed by discovery);
// uninstalled means the CRD is gone, its objects with it.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, type KubeClient } from '../client/index.ts';
import { defineKind, type KubeObject } from '../core/index.ts';
import type { CustomResourceDefinition } from '../crd/index.ts';
import { loadCrds } from '../testing/crds.ts';
import { CliFailure } from './failure.ts';

const CustomResourceDefinitions = defineKind<KubeObject & CustomResourceDefinition>({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
});

/** The CRDs in `<root>/config/crd/*.yaml`, in file-name order. */
export async function readCrds(root: string): Promise<CustomResourceDefinition[]> {
  const dir = join(root, 'config', 'crd');
  // The folder's kustomization (config/default builds on it) holds no CRD: every other YAML file must.
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/i.test(f)).sort() : [];
  if (files.length === 0) {
    throw new CliFailure(`no CRDs in ${dir}: declare a custom resource (capstan create api) and run capstan generate`);
  }
  // One source per file: a YAML error names its file, and a file without a CRD is an error.
  return loadCrds(files.map((f) => join(dir, f)));
}

/** Apply each CRD by server-side apply, then wait until every served version of it is served (one implementation, in the test kit). */
export { installCrds } from '../testing/crds.ts';

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
