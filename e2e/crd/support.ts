// What the crd integration tests share: sending CRDs the way a strict client does, installing and
// removing them, and kubectl. Every CRD lives in a group of its own (`<unique>.capstan.test`), so the
// tests can share one control plane with everyone else.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiError } from '../../src/client/index.ts';
import type { CustomResourceDefinition } from '../../src/crd/index.ts';
import { type Cluster, ensureAssets, eventually } from '../../src/testing/index.ts';
import { uniqueName } from '../support/cluster.ts';

const crdsPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** A fresh API group for one test. */
export function uniqueGroup(prefix: string): string {
  return `${uniqueName(prefix)}.capstan.test`;
}

/** A minimal CRD whose `spec` is `specSchema`, exactly as given (nothing converted). */
export function rawCrd(group: string, specSchema: unknown): unknown {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `things.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind: 'Thing', plural: 'things', singular: 'thing', listKind: 'ThingList' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema } } } },
      ],
    },
  };
}

/** The API server's verdict on a CRD: accepted, or the HTTP status and message it refused it with. */
export type Verdict = { accepted: true } | { accepted: false; httpStatus: number; message: string };

/**
 * Ask the API server whether it would create `crd`, with strict field validation (unknown fields are
 * errors, not silently dropped) and a server-side dry run (full validation, nothing stored).
 */
export async function serverVerdict(cluster: Cluster, crd: unknown): Promise<Verdict> {
  try {
    await cluster.admin.request({ method: 'POST', path: crdsPath, query: { fieldValidation: 'Strict', dryRun: 'All' }, body: crd });
    return { accepted: true };
  } catch (err) {
    if (err instanceof ApiError) return { accepted: false, httpStatus: err.httpStatus, message: err.status.message ?? err.message };
    throw err;
  }
}

/** The verdict on a spec schema wrapped in {@link rawCrd}. */
export function verdictOnSpec(cluster: Cluster, specSchema: unknown): Promise<Verdict> {
  return serverVerdict(cluster, rawCrd(uniqueGroup('verdict'), specSchema));
}

/** Create a CRD for real and wait until its kind is served; returns a function that deletes it. */
export async function installCrd(cluster: Cluster, crd: CustomResourceDefinition): Promise<() => Promise<void>> {
  await cluster.admin.request({ method: 'POST', path: crdsPath, query: { fieldValidation: 'Strict' }, body: crd });
  const { group, names } = crd.spec;
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    await eventually(
      `${names.plural}.${group}/${version.name} to be served`,
      async () => {
        const list = await cluster.admin.request<{ resources: Array<{ name: string }> }>({ path: `/apis/${group}/${version.name}` });
        return list.resources.some((r) => r.name === names.plural) ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  }
  return async () => {
    await cluster.admin.request({ method: 'DELETE', path: `${crdsPath}/${crd.metadata.name}` });
  };
}

// kubectl caches discovery for hours under ~/.kube/cache; CRDs come and go here, so each process has its own.
const kubectlCache = mkdtempSync(join(tmpdir(), 'capstan-kubectl-cache-'));
process.on('exit', () => rmSync(kubectlCache, { recursive: true, force: true }));

/** Run kubectl against the cluster; resolves with stdout, rejects with stderr in the message. */
export async function kubectl(cluster: Cluster, args: string[], input?: string): Promise<string> {
  const { kubectl: bin } = await ensureAssets();
  const run = promisify(execFile);
  const child = run(bin, [`--cache-dir=${kubectlCache}`, ...args], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    maxBuffer: 4 * 1024 * 1024,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    return (await child).stdout;
  } catch (err) {
    const failure = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${failure.stderr || failure.message}`, { cause: err });
  }
}
