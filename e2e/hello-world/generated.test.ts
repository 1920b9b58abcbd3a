// examples/hello-world/config/ and chart/ are what the code says: `capstan generate` on a copy of the example (with
// its committed chart, which a plain `generate` keeps current) writes exactly the committed files, and the RBAC it
// grants is exactly the rule list of the CLI issue. No cluster.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { assertSameConfig } from '../support/generated-config.ts';
import { exampleCopy, exampleRoot } from './support.ts';

test('the committed config/ and chart/ are exactly what `capstan generate` writes from the code', { timeout: 120_000 }, async () => {
  const { root, generated } = await exampleCopy();
  try {
    assert.equal(generated.code, 0, generated.stderr);
    const summary = /1 custom resource\(s\), 1 controller\(s\); 0 file\(s\) written, (\d+) unchanged, 0 removed/.exec(generated.stdout);
    assert.ok(
      summary,
      `run \`capstan generate\` in examples/hello-world (it rewrites chart/ too) and commit the result:\n${generated.stdout}`,
    );
    // Every committed file but the user's samples is one generate wrote (unchanged), chart/ included: a copied file
    // it left alone would match the committed one too.
    const generatedPaths = (await assertSameConfig(root, exampleRoot)).filter((path) => !path.startsWith('config/samples/'));
    assert.equal(Number(summary[1]), generatedPaths.length, `generate writes each of ${generatedPaths.join(', ')}`);
  } finally {
    await rm(join(root, '..'), { recursive: true, force: true });
  }
});

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

test('the generated RBAC is least privilege: exactly the rules HelloWorld needs, no wildcard', async () => {
  const role = parse(await readFile(join(exampleRoot, 'config/rbac/role.yaml'), 'utf8')) as {
    kind: string;
    metadata: { name: string };
    rules: Rule[];
  };
  assert.deepEqual([role.kind, role.metadata.name], ['ClusterRole', 'hello-world-operator']);
  const rules = (r: Rule[]) => r.map((x) => `${x.apiGroups.join(',')}|${x.resources.join(',')}|${[...x.verbs].sort().join(',')}`).sort();
  assert.deepEqual(
    rules(role.rules),
    rules([
      { apiGroups: ['apps.example.com'], resources: ['helloworlds'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps.example.com'], resources: ['helloworlds/status'], verbs: ['get', 'update', 'patch'] },
      // blockOwnerDeletion on the ConfigMap's ownerReference needs update on the owner's finalizers.
      { apiGroups: ['apps.example.com'], resources: ['helloworlds/finalizers'], verbs: ['update'] },
      // OwnerReferencesPermissionEnforcement: setting an ownerReference needs delete on the object.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ]),
  );
  const leader = parse(await readFile(join(exampleRoot, 'config/rbac/leader_election_role.yaml'), 'utf8')) as {
    kind: string;
    metadata: { namespace: string };
    rules: Rule[];
  };
  assert.deepEqual([leader.kind, leader.metadata.namespace], ['Role', 'hello-world-system']);
  assert.deepEqual(
    rules(leader.rules),
    rules([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]),
  );
  const everything = JSON.stringify([role.rules, leader.rules]);
  assert.doesNotMatch(everything, /\*/, 'no wildcard');
});
