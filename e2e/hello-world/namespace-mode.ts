// Namespace-scoped mode, as a user sets it up: "watchNamespace" in package.json, `capstan generate` (a Role
// and RoleBinding in that namespace instead of the ClusterRole), the cluster-wide RBAC swapped for it, and
// the operator started with --namespace. It serves that namespace, ignores the others, and is refused nothing.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { HelloWorld, type Scenario } from './scenario.ts';
import { forbiddenSince, startOperator } from '../../src/testing/index.ts';
import { exampleCopy, exampleOperator, kubectl, operatorUser } from './support.ts';

export async function namespaceScoped(s: Scenario): Promise<void> {
  const watched = await s.namespace('hw-team-a');
  const elsewhere = await s.namespace('hw-team-b');
  // The user's way: "watchNamespace" in package.json, then `capstan generate`.
  const { root: project, generated } = await exampleCopy({ watchNamespace: watched });
  assert.equal(generated.code, 0, generated.stderr);
  try {
    const role = parse(await readFile(join(project, 'config/rbac/role.yaml'), 'utf8')) as {
      kind: string;
      metadata: { namespace?: string };
    };
    assert.deepEqual([role.kind, role.metadata.namespace], ['Role', watched]);
    assert.match(await readFile(join(project, 'config/manager/deployment.yaml'), 'utf8'), new RegExp(`- --namespace=${watched}$`, 'm'));

    // Swap the cluster-wide grant for the namespaced one, as a user switching modes would.
    await kubectl(s.adminKubeconfig, ['delete', '-f', 'config/rbac/role_binding.yaml', '-f', 'config/rbac/role.yaml']);
    await kubectl(s.adminKubeconfig, ['apply', '-f', join(project, 'config/rbac')]);
    const since = new Date();
    const operator = await startOperator({ ...exampleOperator(s.cluster, s.operatorKubeconfig), args: [`--namespace=${watched}`] });
    try {
      for (const ns of [watched, elsewhere]) {
        await s.cluster.admin
          .resource(HelloWorld)
          .create(
            { apiVersion: HelloWorld.apiVersion, kind: 'HelloWorld', metadata: { name: 'hello-world' }, spec: { name: `Hello ${ns}` } },
            { namespace: ns },
          );
      }
      await s.ready(watched, 'hello-world', { status: 'True', reason: 'Reconciled' });
      assert.equal((await s.configMap(watched, 'hello-world'))?.data?.['message'], `Hello ${watched}`);
      await sleep(3_000);
      assert.equal((await s.helloWorld(elsewhere, 'hello-world')).status, undefined, 'a HelloWorld outside the namespace is left alone');
      assert.equal(await s.configMap(elsewhere, 'hello-world'), undefined);
      assert.deepEqual(await forbiddenSince(s.cluster, operatorUser, since), [], 'the Role is all it needs');
    } finally {
      await operator.stop();
    }
  } finally {
    await kubectl(s.adminKubeconfig, [
      'delete',
      '--ignore-not-found',
      '-f',
      join(project, 'config/rbac/role_binding.yaml'),
      '-f',
      join(project, 'config/rbac/role.yaml'),
    ]);
    await kubectl(s.adminKubeconfig, ['apply', '-f', 'config/rbac']);
    await rm(join(project, '..'), { recursive: true, force: true });
  }
}
