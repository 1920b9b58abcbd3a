import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CustomResourceDefinition } from '../crd/index.ts';
import { loadCrds } from './crds.ts';

function crd(plural: string): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: plural, plural, singular: plural, listKind: `${plural}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  };
}

const names = (crds: CustomResourceDefinition[]) => crds.map((c) => c.metadata.name);
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstan-crds-'));
  await mkdir(join(dir, 'crd', 'nested'), { recursive: true });
  // Written out of name order; a Namespace in the same file is not a CRD; a subfolder and a README are skipped.
  await writeFile(
    join(dir, 'crd', 'b.yaml'),
    `${JSON.stringify(crd('betas'))}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n`,
  );
  await writeFile(join(dir, 'crd', 'a.yml'), JSON.stringify(crd('alphas')));
  await writeFile(join(dir, 'crd', 'c.json'), JSON.stringify(crd('gammas')));
  await writeFile(join(dir, 'crd', 'README.md'), '# not a manifest');
  await writeFile(join(dir, 'crd', 'nested', 'd.yaml'), JSON.stringify(crd('deltas')));
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n');
  await writeFile(join(dir, 'broken.yaml'), 'kind: [CustomResourceDefinition\n');
});
after(() => rm(dir, { recursive: true, force: true }));

test('CRDs come from objects, files and the manifests of a folder in name order, as given', async () => {
  const crds = await loadCrds([crd('firsts'), join(dir, 'crd'), join(dir, 'crd', 'a.yml')]);
  assert.deepEqual(names(crds), [
    'firsts.example.com',
    'alphas.example.com',
    'betas.example.com',
    'gammas.example.com',
    'alphas.example.com',
  ]);
  assert.deepEqual(crds[1], crd('alphas'), 'read as written');
});

test('a path that gives no CRD fails with INVALID_CRD and names the path, before anything starts', async () => {
  for (const path of [join(dir, 'missing'), join(dir, 'empty'), join(dir, 'namespace.yaml'), join(dir, 'broken.yaml')]) {
    await assert.rejects(loadCrds([path]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_CRD');
      assert.ok(err.message.includes(path), err.message);
      return true;
    });
  }
});
