// examples/hello-world/config/ and chart/ are what the code says: `capstan generate` on a copy of the example writes
// exactly the committed files, and the RBAC it grants is exactly the rule list of the CLI issue. No cluster.
import assert from 'node:assert/strict';
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../cli/run-cli.ts';
import { assertSameConfig } from '../support/generated-config.ts';
import { exampleCopy, exampleRoot } from './support.ts';

test('the committed config/ and chart/ are exactly what `capstan generate` writes from the code', { timeout: 120_000 }, async () => {
  const { root, generated } = await exampleCopy();
  try {
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(
      generated.stdout,
      /1 custom resource\(s\), 1 controller\(s\); 0 file\(s\) written, \d+ unchanged, 0 removed/,
      `run \`capstan generate\` in examples/hello-world and commit the result:\n${generated.stdout}`,
    );
    // With the committed chart beside it, a plain `generate` keeps the chart current: nothing to write either.
    await cp(join(exampleRoot, 'chart'), join(root, 'chart'), { recursive: true });
    const again = await runCli(['generate'], { cwd: root, timeoutMs: 60_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /1 custom resource\(s\), 1 controller\(s\); 0 file\(s\) written, \d+ unchanged, 0 removed/,
      `run \`capstan generate --helm\` in examples/hello-world and commit the result:\n${again.stdout}`,
    );
    await assertSameConfig(root, exampleRoot);
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
