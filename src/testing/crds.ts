// The CRDs a local control plane starts with. kube-controller-manager's garbage collector and the API server's
// OwnerReferencesPermissionEnforcement admission learn kinds from discovery: the collector when it starts and
// then every 30 s, admission when it first maps a kind after each of its 30 s resets. A CRD that discovery
// serves before kube-controller-manager starts (and before any non-admin sets `blockOwnerDeletion`) is known
// to both from the start, so `waitForKind` on it returns as soon as its probes pass.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { isApiError, isNotFound, type KubeClient } from '../client/index.ts';
import type { CustomResourceDefinition } from '../crd/index.ts';
import { ControlPlaneError } from './errors.ts';

/** A CRD to install: the object, or a path to a YAML file or a folder of them (such as a project's `config/crd`). */
export type CrdSource = CustomResourceDefinition | string;

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/**
 * The CRDs of `sources`, in order: objects as given; every `CustomResourceDefinition` document of a file; the
 * files of a folder (`.yaml`, `.yml`, `.json`, not its subfolders) in name order. A path that yields no CRD is
 * an error, so that a mistyped path does not silently start a control plane without the kind.
 */
export async function loadCrds(sources: readonly CrdSource[]): Promise<CustomResourceDefinition[]> {
  const crds: CustomResourceDefinition[] = [];
  for (const source of sources) {
    if (typeof source !== 'string') {
      crds.push(source);
      continue;
    }
    const info = await stat(source).catch((err: unknown) => {
      throw new ControlPlaneError('INVALID_CRD', `CRDs: cannot read ${source}: ${(err as Error).message}`, { cause: err });
    });
    const files = info.isDirectory()
      ? (await readdir(source))
          .filter((name) => manifestExtensions.has(extname(name)))
          .sort()
          .map((name) => join(source, name))
      : [source];
    const found: CustomResourceDefinition[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        if (doc.errors.length > 0) throw new ControlPlaneError('INVALID_CRD', `CRDs: ${file} is not valid YAML: ${doc.errors[0]!.message}`);
        const object = doc.toJS() as Partial<CustomResourceDefinition> | null;
        if (object?.kind === 'CustomResourceDefinition') found.push(object as CustomResourceDefinition);
      }
    }
    if (found.length === 0) throw new ControlPlaneError('INVALID_CRD', `CRDs: found no CustomResourceDefinition in ${source}`);
    crds.push(...found);
  }
  return crds;
}

interface CrdConditions {
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

const crdsPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/**
 * Apply each CRD by server-side apply (field manager `capstan`, so that installing the same file again changes
 * nothing), then wait until discovery lists every served version of each; `log` hears one line per CRD served.
 * `capstan install` and `startControlPlane({ crds })` both install this way.
 */
export async function installCrds(
  admin: KubeClient,
  crds: readonly CustomResourceDefinition[],
  options: { signal?: AbortSignal; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<void> {
  for (const crd of crds) {
    await admin
      .request({
        method: 'PATCH',
        path: `${crdsPath}/${crd.metadata.name}`,
        query: { fieldManager: 'capstan', force: true },
        contentType: 'application/apply-patch+yaml',
        body: crd,
        signal: options.signal,
      })
      .catch((err: unknown) => {
        if (isApiError(err) && (err.code === 'INVALID' || err.code === 'BAD_REQUEST'))
          throw new ControlPlaneError('INVALID_CRD', `CRD ${crd.metadata.name} was refused: ${err.message}`, { cause: err });
        throw err;
      });
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (let attempt = 0; ; attempt++) {
      if (await served(admin, crd, options.signal)) break;
      const current = await admin.request<CrdConditions>({ path: `${crdsPath}/${crd.metadata.name}`, signal: options.signal });
      const refused = current.status?.conditions?.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
      if (refused)
        throw new ControlPlaneError('INVALID_CRD', `CRD ${crd.metadata.name}: the API server refused its names: ${refused.message}`);
      if (Date.now() > deadline)
        throw new ControlPlaneError(
          'TIMEOUT',
          `CRD ${crd.metadata.name} was applied but discovery does not list it after ${timeoutMs / 1000} s`,
        );
      await sleep(Math.min(250, 25 * 2 ** attempt), undefined, { signal: options.signal });
    }
    const versions = crd.spec.versions.filter((v) => v.served).map((v) => `${crd.spec.group}/${v.name}`);
    options.log?.(`installed ${crd.metadata.name}: served as ${versions.join(', ')} ${crd.spec.names.kind}`);
  }
}

/** Whether `GET /apis/<group>/<version>` lists the CRD's plural for every served version. */
async function served(admin: KubeClient, crd: CustomResourceDefinition, signal: AbortSignal | undefined): Promise<boolean> {
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const list = await admin
      .request<{ resources: Array<{ name: string }> }>({ path: `/apis/${crd.spec.group}/${version.name}`, signal })
      .catch((err: unknown) => {
        if (isNotFound(err) || (isApiError(err) && err.code === 'SERVICE_UNAVAILABLE')) return { resources: [] };
        throw err;
      });
    if (!list.resources.some((r) => r.name === crd.spec.names.plural)) return false;
  }
  return true;
}
